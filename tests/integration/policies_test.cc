// Broker policies end to end, on embedded clusters: a higher-priority program
// takes capacity back from a running lower-priority one at its task
// boundaries and both finish with the right answer; a queue turns programs
// away with its reason; queues change at run time through the SDK; the
// whole-program policy gives the same answers as per-portion. After each
// test the ledger must be whole.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "io/sample_gen.h"
#include "cancel_util.h"
#include "oracle.h"
#include "tranche/client.h"

namespace tranche {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Policies : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(fs::temp_directory_path() /
                           ("tranche-policies-" + std::to_string(getpid())));
    sample_options so;
    so.rows = 400000;
    so.files = 4;
    auto files = generate_sample(*dir_ + "/t", so);
    ASSERT_TRUE(files.ok()) << files.status().message();
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }

  static std::vector<table_binding> tables() { return {{"t", *dir_ + "/t/*.csv"}}; }

  static std::unique_ptr<cluster> start(cluster_options co) {
    co.memory_per_node = 1ll << 30;
    co.memory_per_task = 64ll << 20;
    auto cl = cluster::start_local(co);
    EXPECT_TRUE(cl.ok()) << cl.status().message();
    return cl.ok() ? *std::move(cl) : nullptr;
  }

  static void expect_ledger_whole(cluster& c) {
    // The last leases come back right after the result: poll briefly.
    ledger_totals t;
    for (int i = 0; i < 200; ++i) {
      auto l = c.ledger();
      ASSERT_TRUE(l.ok());
      t = *l;
      if (t.leases == 0 && t.queued == 0 && t.free_slots == t.registered_slots) break;
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(t.leases, 0);
    EXPECT_EQ(t.queued, 0);
    EXPECT_EQ(t.free_slots, t.registered_slots);
    EXPECT_EQ(t.free_memory, t.registered_memory);
  }

  static std::string* dir_;
};
std::string* Policies::dir_ = nullptr;

// What one submitted program sent its listener.
struct outcome {
  query_result result;
  std::string error;
  bool done = false;
  int order = 0;  // 1: finished first
};

// Collects the messages of every submitted program on `self` until each is
// done (at most two minutes).
void collect(caf::scoped_actor& self, std::map<uint64_t, outcome>& programs) {
  int finished = 0;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (finished < static_cast<int>(programs.size()) &&
         std::chrono::steady_clock::now() < deadline) {
    self->receive(
        [&](progress_atom, const progress_event& e) { programs[e.program].result.events.push_back(e); },
        [&](result_atom, uint64_t id, const std::vector<char>& bytes) {
          auto b = decode_result(bytes);
          ASSERT_TRUE(b.ok());
          auto& r = programs[id].result;
          if (r.columns.fields.empty()) r.columns = b->schema;
          if (b->rows == 0) return;
          r.rows += b->rows;
          r.batches.push_back(*std::move(b));
        },
        [&](done_atom, uint64_t id, const std::string& error) {
          programs[id].error = error;
          programs[id].done = true;
          programs[id].order = ++finished;
        },
        caf::after(5s) >> [] {});
  }
}

constexpr char kLow[] =
    "SELECT key % 97 AS k, count(*), sum(quantity) FROM t GROUP BY k ORDER BY k";
constexpr char kHigh[] = "SELECT flag, count(*), max(price) FROM t GROUP BY flag ORDER BY flag";

TEST_F(Policies, HigherPriorityTakesCapacityBackAndBothAnswersAreRight) {
  cluster_options co;
  co.nodes = 1;
  co.slots_per_node = 2;
  co.split_bytes = 16 << 10;  // hundreds of short scan tasks: many task boundaries
  auto c = start(co);
  ASSERT_NE(c, nullptr);
  // The answers alone.
  auto low_alone = c->run_sql(kLow, tables());
  auto high_alone = c->run_sql(kHigh, tables());
  ASSERT_TRUE(low_alone.ok()) << low_alone.status().message();
  ASSERT_TRUE(high_alone.ok()) << high_alone.status().message();

  caf::scoped_actor self{c->system()};
  std::map<uint64_t, outcome> programs;
  auto low = c->submit(kLow, tables(), caf::actor_cast<caf::actor>(self), {kDefaultQueue, 0, {}});
  ASSERT_TRUE(low.ok());
  programs[*low];
  // Once the low-priority program holds the slots and is under way...
  bool running = false;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!running && std::chrono::steady_clock::now() < deadline)
    self->receive(
        [&](progress_atom, const progress_event& e) {
          programs[e.program].result.events.push_back(e);
          running = e.kind == progress_kind::task_finished;
        },
        [&](result_atom, uint64_t, const std::vector<char>&) {},
        [&](done_atom, uint64_t, const std::string&) { running = true; }, caf::after(5s) >> [] {});
  ASSERT_TRUE(running);
  // ... a higher-priority one arrives.
  auto high =
      c->submit(kHigh, tables(), caf::actor_cast<caf::actor>(self), {kDefaultQueue, 10, {}});
  ASSERT_TRUE(high.ok());
  programs[*high];
  collect(self, programs);

  const outcome& l = programs[*low];
  const outcome& h = programs[*high];
  ASSERT_TRUE(l.done && h.done);
  EXPECT_EQ(l.error, "");
  EXPECT_EQ(h.error, "");
  EXPECT_EQ(h.order, 1) << "the higher-priority program should finish first";
  int preempted = 0;
  for (const auto& e : l.result.events)
    preempted += e.kind == progress_kind::capacity_yielded && e.to == "broker (preempted)";
  EXPECT_GE(preempted, 1) << "the low-priority program gave no lease back";
  EXPECT_EQ(testing::compare_rows(testing::result_rows(*low_alone), testing::result_rows(l.result),
                                  true),
            "");
  EXPECT_EQ(testing::compare_rows(testing::result_rows(*high_alone),
                                  testing::result_rows(h.result), true),
            "");
  expect_ledger_whole(*c);
}

TEST_F(Policies, AFullOrUnknownQueueTurnsTheProgramAwayWithTheReason) {
  cluster_options co;
  co.nodes = 1;
  co.slots_per_node = 2;
  co.queues.push_back(queue_config{"closed", 1.0, {}, {kUnlimited, kUnlimited}, 0});
  auto c = start(co);
  ASSERT_NE(c, nullptr);
  auto r = c->run_sql("SELECT count(*) FROM t", tables(), nullptr, {"closed", 0, {}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "capacity refused: queue \"closed\" is full: 0 programs waiting (max-waiting 0)");
  r = c->run_sql("SELECT count(*) FROM t", tables(), nullptr, {"nope", 0, {}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "capacity refused: queue \"nope\" does not exist");
  expect_ledger_whole(*c);
}

TEST_F(Policies, QueuesChangeAtRunTimeThroughTheSdk) {
  cluster_options co;
  co.nodes = 1;
  co.slots_per_node = 2;
  auto c = start(co);
  ASSERT_NE(c, nullptr);
  queue_config etl{"etl", 2.0, {1, 0}, {2, kUnlimited}, 4};
  ASSERT_TRUE(c->set_queue(etl).ok());
  auto qs = c->queues();
  ASSERT_TRUE(qs.ok());
  ASSERT_EQ(qs->size(), 2u);
  EXPECT_EQ((*qs)[1].config.name, "etl");
  EXPECT_EQ((*qs)[1].config.cap.slots, 2);
  // A program runs in it, and its capacity shows there while it runs.
  auto r = c->run_sql("SELECT count(*) FROM t", tables(), nullptr, {"etl", 0, {}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto bad = c->set_queue(queue_config{"etl", -1.0});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "queue \"etl\": weight must be > 0 (got -1)");
  EXPECT_EQ(c->remove_queue("default").message(), "queue \"default\" cannot be removed");
  expect_ledger_whole(*c);
  ASSERT_TRUE(c->remove_queue("etl").ok());
  EXPECT_EQ(c->queues()->size(), 1u);
  r = c->run_sql("SELECT count(*) FROM t", tables(), nullptr, {"etl", 0, {}});
  ASSERT_FALSE(r.ok());
}

TEST_F(Policies, WholeProgramGivesTheSameAnswers) {
  cluster_options co;
  co.nodes = 2;
  co.slots_per_node = 2;
  co.split_bytes = 256 << 10;
  auto per_portion = start(co);
  co.policy = "whole-program";
  auto whole = start(co);
  ASSERT_NE(per_portion, nullptr);
  ASSERT_NE(whole, nullptr);
  for (const char* sql : {kLow, kHigh, "SELECT count(*) FROM t",
                          "SELECT key, price FROM t ORDER BY price DESC, key LIMIT 5"}) {
    auto a = per_portion->run_sql(sql, tables());
    auto b = whole->run_sql(sql, tables());
    ASSERT_TRUE(a.ok()) << a.status().message();
    ASSERT_TRUE(b.ok()) << b.status().message();
    EXPECT_EQ(testing::compare_rows(testing::result_rows(*a), testing::result_rows(*b), true), "")
        << sql;
    // Under whole-program, leases a portion gives back stay with the program.
    bool kept = false;
    for (const auto& e : b->events) kept = kept || e.to == "the program's reservation";
    EXPECT_TRUE(kept) << sql;
    expect_ledger_whole(*whole);
  }
  expect_ledger_whole(*per_portion);
}

TEST_F(Policies, CancelEndsARunningProgramAndFreesItsCapacity) {
  cluster_options co;
  co.nodes = 1;
  co.slots_per_node = 2;
  co.split_bytes = 16 << 10;  // hundreds of scan tasks: it runs for a while
  auto c = start(co);
  ASSERT_NE(c, nullptr);
  caf::scoped_actor self{c->system()};
  auto id = c->submit(kLow, tables(), caf::actor_cast<caf::actor>(self));
  ASSERT_TRUE(id.ok());
  auto outcome = testing::cancel_when_running(*c, *id, self);
  ASSERT_EQ(outcome.ended_before, "not done") << "the program ended before it could be cancelled";
  EXPECT_EQ(outcome.error, "cancelled");
  EXPECT_EQ(outcome.results, 0);  // no partial result
  expect_ledger_whole(*c);
  EXPECT_EQ(c->cancel(*id).message(), absl::StrCat("program ", *id, " is not running"));
}

TEST_F(Policies, UnknownPolicyIsAClearError) {
  cluster_options co;
  co.policy = "fifo";
  auto c = cluster::start_local(co);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "unknown capacity policy \"fifo\": expected per-portion or whole-program");
}

}  // namespace
}  // namespace tranche
