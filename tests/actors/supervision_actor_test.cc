// Supervision of tasks through the real actors (broker, job manager, jobs,
// portions, executors on two nodes) with substituted task functions that fail
// on purpose: a transient error is retried (on the other node when it can)
// and the program succeeds; a deterministic error fails the program at once
// with its own text; retries run out into a clear error; a task past its
// deadline is stopped and run again; a dead executor's task runs elsewhere.
// After every program the ledger is whole.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "actors/broker.h"
#include "actors/executor.h"
#include "actors/job_manager.h"
#include "actors/planner.h"
#include "plan/plan_codec.h"
#include "plan/program_codec.h"
#include "actor_test_util.h"

namespace tranche {
namespace {

using namespace std::chrono_literals;


// What a task attempt does, given its task number, the attempt (0 first) and
// the node it runs on.
using behaviour = std::function<absl::Status(uint32_t task, int attempt, uint64_t node,
                                             const std::atomic<bool>& stop)>;

class Supervision : public ::testing::Test {
 protected:
  // Two nodes of one slot each, retries with a 20 ms backoff.
  void start(behaviour b, retry_options retry = {3, 20, 200, 0}) {
    behaviour_ = std::move(b);
    auto broker = spawn_broker(sys_, broker_options{});
    ASSERT_TRUE(broker.ok());
    broker_ = *broker;
    directory_ = std::make_shared<executor_directory>();
    for (uint64_t node : {1, 2}) {
      executor_config ec;
      ec.node = node;
      ec.slots = 1;
      ec.directory = directory_;
      ec.run = [this, node](const task_spec& t, block_source&,
                            const std::atomic<bool>& stop) -> absl::StatusOr<task_output> {
        int attempt = 0;
        {
          std::lock_guard<std::mutex> lock(mu_);
          attempt = attempts_[t.task]++;
          nodes_[t.task].push_back(node);
        }
        if (auto s = behaviour_(t.task, attempt, node, stop); !s.ok()) return s;
        task_output out;
        out.partitions.resize(1);
        return out;
      };
      auto e = spawn_executor(sys_, ec);
      execs_.push_back(e);
      caf::anon_send(broker_, register_atom::value, node, int64_t{1}, int64_t{1} << 30, e);
    }
    planner_ = testing::fake_planner(sys_);
    job_manager_config jc{broker_, planner_, directory_, 1};
    jc.retry = retry;
    jm_ = spawn_job_manager(sys_, jc);
  }

  void TearDown() override {
    for (caf::actor a : {caf::actor_cast<caf::actor>(jm_), caf::actor_cast<caf::actor>(planner_),
                         caf::actor_cast<caf::actor>(broker_)})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    for (auto& e : execs_) caf::anon_send_exit(e, caf::exit_reason::user_shutdown);
  }

  struct outcome {
    std::string error = "no answer";
    int retried = 0;
    std::vector<std::string> why;  // of each retry
    std::vector<std::string> speculated;  // why of each straggler's copy
  };

  // Runs a program of `tasks` tasks; `during` is called once every slot is taken.
  outcome run(int tasks, const std::function<void()>& during = nullptr) {
    caf::scoped_actor self{sys_};
    program_request req{std::to_string(tasks), {}, {}, {}};
    self->request(jm_, 10s, submit_atom::value, encode_program(req),
                  caf::actor_cast<caf::actor>(self))
        .receive([](uint64_t) {}, [](const caf::error&) {});
    outcome o;
    bool done = false;
    int obtained = 0;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!done && std::chrono::steady_clock::now() < deadline)
      self->receive(
          [&](progress_atom, const progress_event& e) {
            if (e.kind == progress_kind::task_retried) {
              ++o.retried;
              o.why.push_back(e.to);
            }
            if (e.kind == progress_kind::task_speculated) o.speculated.push_back(e.to);
            if (e.kind == progress_kind::capacity_obtained && ++obtained == 2 && during) during();
          },
          [](result_atom, uint64_t, const std::vector<char>&) {},
          [&](done_atom, uint64_t, const std::string& error) {
            o.error = error;
            done = true;
          },
          caf::after(5s) >> [] {});
    return o;
  }

  void expect_ledger_whole() { testing::expect_ledger_whole(sys_, broker_); }


  int attempts(uint32_t task) {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_[task];
  }
  std::vector<uint64_t> nodes(uint32_t task) {
    std::lock_guard<std::mutex> lock(mu_);
    return nodes_[task];
  }

  // What the executors' pool threads touch is declared first, so that it
  // outlives sys_, whose destruction waits for those threads.
  behaviour behaviour_;
  std::mutex mu_;
  std::map<uint32_t, int> attempts_;
  std::map<uint32_t, std::vector<uint64_t>> nodes_;
  caf::actor_system_config cfg_;
  caf::actor_system sys_{cfg_};
  broker_actor broker_;
  planner_actor planner_;
  job_manager_actor jm_;
  std::shared_ptr<executor_directory> directory_;
  std::vector<executor_actor> execs_;
};

TEST_F(Supervision, TransientFailuresAreRetriedAndTheProgramSucceeds) {
  start([](uint32_t task, int attempt, uint64_t, const std::atomic<bool>&) {
    if (task == 1 && attempt < 2)
      return absl::UnavailableError("block of portion 0 task 3 is gone with node 9");
    std::this_thread::sleep_for(20ms);
    return absl::OkStatus();
  });
  outcome o = run(4);
  EXPECT_EQ(o.error, "");
  EXPECT_EQ(o.retried, 2);
  EXPECT_EQ(attempts(1), 3);
  for (uint32_t t : {0u, 2u, 3u}) EXPECT_EQ(attempts(t), 1) << "task " << t;
  ASSERT_FALSE(o.why.empty());
  EXPECT_EQ(o.why[0].rfind("retry 1 of 3 in 20 ms after: block of portion 0 task 3", 0), 0u)
      << o.why[0];
  expect_ledger_whole();
}

TEST_F(Supervision, ARetryGoesToAnotherNodeWhenOneIsFree) {
  // The only task fails once on whichever node it gets; when its backoff is
  // over both nodes are free, and the retry goes to the other one.
  start([](uint32_t task, int attempt, uint64_t, const std::atomic<bool>&) {
    if (task == 0 && attempt == 0) return absl::UnavailableError("node lost its disk");
    return absl::OkStatus();
  });
  outcome o = run(1);
  EXPECT_EQ(o.error, "");
  ASSERT_EQ(nodes(0).size(), 2u);
  EXPECT_NE(nodes(0)[0], nodes(0)[1]);
  EXPECT_EQ(o.retried, 1);
  expect_ledger_whole();
}

TEST_F(Supervision, ADeterministicErrorFailsTheProgramWithItsOwnText) {
  start([](uint32_t task, int, uint64_t, const std::atomic<bool>&) {
    if (task == 2)
      return absl::InvalidArgumentError("/data/a.csv:3001:2: column \"v\": expected DOUBLE, got \"x7\"");
    return absl::OkStatus();
  });
  outcome o = run(3);
  EXPECT_EQ(o.error, "/data/a.csv:3001:2: column \"v\": expected DOUBLE, got \"x7\"");
  EXPECT_EQ(o.retried, 0);
  EXPECT_EQ(attempts(2), 1);
  expect_ledger_whole();
}

TEST_F(Supervision, RetriesRunOutIntoAClearError) {
  start([](uint32_t, int, uint64_t, const std::atomic<bool>&) {
    return absl::UnavailableError("cannot create a spill file in \"/full\": No space left");
  });
  outcome o = run(1);
  EXPECT_EQ(o.error,
            "cannot create a spill file in \"/full\": No space left (task 0 of portion 0 failed "
            "4 times)");
  EXPECT_EQ(o.retried, 3);
  EXPECT_EQ(attempts(0), 4);
  expect_ledger_whole();
}

TEST_F(Supervision, ATaskPastItsDeadlineIsStoppedAndRunAgain) {
  std::atomic<bool> first_stopped{false};
  start(
      [&](uint32_t, int attempt, uint64_t, const std::atomic<bool>& stop) {
        if (attempt == 0) {  // hangs until stopped
          const auto until = std::chrono::steady_clock::now() + 20s;
          while (!stop.load() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(5ms);
          first_stopped = stop.load();
          return absl::OkStatus();
        }
        return absl::OkStatus();
      },
      retry_options{3, 20, 200, 300});
  outcome o = run(1);
  EXPECT_EQ(o.error, "");
  EXPECT_EQ(o.retried, 1);
  ASSERT_EQ(o.why.size(), 1u);
  EXPECT_NE(o.why[0].find("no result within the task deadline of 300 ms"), std::string::npos)
      << o.why[0];
  for (int i = 0; i < 200 && !first_stopped; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(first_stopped) << "the straggler was not stopped on its executor";
  expect_ledger_whole();
}

TEST_F(Supervision, ADeadExecutorsTaskRunsOnTheOtherNode) {
  start([](uint32_t, int attempt, uint64_t, const std::atomic<bool>& stop) {
    // The first attempts take a while, so that node 1 dies under one.
    const auto until = std::chrono::steady_clock::now() + (attempt == 0 ? 400ms : 10ms);
    while (!stop.load() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(5ms);
    return absl::OkStatus();
  });
  outcome o = run(2, [&] { caf::anon_send_exit(execs_[0], caf::exit_reason::kill); });
  EXPECT_EQ(o.error, "");
  int on_node_2 = 0;
  for (uint32_t t : {0u, 1u}) on_node_2 += nodes(t).back() == 2;
  EXPECT_EQ(on_node_2, 2) << "both tasks must finish on the surviving node";
}

// Task 3's first attempt hangs (a straggler: a slow disk, a busy node);
// the others take 50 ms. Past 3 x their median (and the 250 ms floor) it
// gets a copy on the other node, which finishes first; the straggler is
// stopped on its executor, and nothing counts as a failure.
behaviour straggler(std::atomic<bool>* first_stopped, std::chrono::milliseconds hang) {
  return [first_stopped, hang](uint32_t task, int attempt, uint64_t,
                               const std::atomic<bool>& stop) {
    const auto until = std::chrono::steady_clock::now() +
                       (task == 3 && attempt == 0 ? hang : std::chrono::milliseconds(50));
    while (!stop.load() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(5ms);
    if (task == 3 && attempt == 0) *first_stopped = stop.load();
    return absl::OkStatus();
  };
}

TEST_F(Supervision, AStragglerGetsACopyOnAnotherNodeAndTheFirstToFinishWins) {
  std::atomic<bool> first_stopped{false};
  retry_options r{3, 20, 200, 0};
  r.speculation = 3;
  start(straggler(&first_stopped, 20s), r);
  const auto t0 = std::chrono::steady_clock::now();
  outcome o = run(4);
  EXPECT_EQ(o.error, "");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 15s) << "the program waited for its straggler";
  EXPECT_EQ(o.retried, 0) << "a speculative copy is no retry";
  ASSERT_EQ(o.speculated.size(), 1u);
  EXPECT_EQ(o.speculated[0].rfind("task 3 runs past 3 x the median", 0), 0u) << o.speculated[0];
  EXPECT_EQ(attempts(3), 2);
  const auto on = nodes(3);
  ASSERT_EQ(on.size(), 2u);
  EXPECT_NE(on[0], on[1]) << "the copy ran on the straggler's node";
  for (uint32_t t : {0u, 1u, 2u}) EXPECT_EQ(attempts(t), 1) << "task " << t;
  for (int i = 0; i < 200 && !first_stopped; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(first_stopped) << "the losing copy was not stopped";
  expect_ledger_whole();
}

TEST_F(Supervision, WithoutSpeculationAStragglerIsWaitedFor) {
  std::atomic<bool> first_stopped{false};
  start(straggler(&first_stopped, 600ms));
  outcome o = run(4);
  EXPECT_EQ(o.error, "");
  EXPECT_TRUE(o.speculated.empty());
  EXPECT_EQ(attempts(3), 1);
  EXPECT_FALSE(first_stopped);
  expect_ledger_whole();
}

}  // namespace
}  // namespace tranche
