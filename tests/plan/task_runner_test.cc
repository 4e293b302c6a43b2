// run_task: one task of a portion, end to end without actors — a scan task
// that filters, partially aggregates and hash-partitions, and a shuffle task
// that merges the blocks it is given.
#include "plan/task_runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "plan/planner.h"
#include "sql/sql.h"

namespace tranche {
namespace {

namespace fs = std::filesystem;

class fake_blocks : public block_source {
 public:
  std::map<std::tuple<uint32_t, uint32_t, uint32_t>, std::vector<batch_ptr>> blocks;
  int fetches = 0;
  absl::Status fetch(const block_ref& r, const consumer& consume) override {
    ++fetches;
    auto it = blocks.find({r.portion, r.task, r.partition});
    if (it == blocks.end()) return absl::UnavailableError("no such block");
    for (const auto& b : it->second)
      if (auto s = consume(*b); !s.ok()) return s;
    return absl::OkStatus();
  }
};

class TaskRunner : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tranche-task-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::ofstream o(dir_ / "a.csv");
    o << "k,v\n";
    for (int i = 0; i < 1000; ++i) o << i % 10 << "," << i << "\n";
    o.close();
    ASSERT_TRUE(cat_.bind("t", (dir_ / "*.csv").string()).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The plan of `sql` over t with the default options.
  plan plan_of(const std::string& sql) {
    auto logical = compile_sql(sql, cat_);
    EXPECT_TRUE(logical.ok()) << logical.status().message();
    auto p = make_plan(**logical, planner_options{});
    EXPECT_TRUE(p.ok());
    return *std::move(p);
  }

  fs::path dir_;
  binding_catalog cat_;
};

TEST_F(TaskRunner, AStoppedTaskEndsWithCancelled) {
  const plan p = plan_of("SELECT k, sum(v) FROM t GROUP BY k");
  fake_blocks blocks;
  std::atomic<bool> stop{true};
  auto out = run_task(task_spec{1, p.portions[0], 0, {}}, blocks, &stop);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(out.status().message(), "task 0 of portion 0 was cancelled");
  stop = false;
  EXPECT_TRUE(run_task(task_spec{1, p.portions[0], 0, {}}, blocks, &stop).ok());
}

TEST_F(TaskRunner, ScanThenShuffleComputesTheAggregate) {
  auto logical = compile_sql("SELECT k, sum(v), count(*) FROM t WHERE v >= 100 GROUP BY k", cat_);
  ASSERT_TRUE(logical.ok()) << logical.status().message();
  planner_options po;
  po.parallelism = 3;
  po.split_bytes = 1500;  // several scan tasks
  auto p = make_plan(**logical, po);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->portions.size(), 2u);
  const portion_spec& scan = p->portions[0];
  ASSERT_GT(scan.tasks, 1);

  fake_blocks blocks;
  for (int t = 0; t < scan.tasks; ++t) {
    task_spec ts{1, scan, static_cast<uint32_t>(t), {}};
    auto out = run_task(ts, blocks);
    ASSERT_TRUE(out.ok()) << out.status().message();
    ASSERT_EQ(out->partitions.size(), 3u);
    for (uint32_t part = 0; part < 3; ++part)
      blocks.blocks[{0, static_cast<uint32_t>(t), part}] = out->partitions[part];
  }
  EXPECT_EQ(blocks.fetches, 0);  // a scan reads files, not blocks

  std::map<int64_t, std::pair<int64_t, int64_t>> got;
  const portion_spec& fin = p->portions[1];
  for (uint32_t part = 0; part < 3; ++part) {
    task_spec ts{1, fin, part, {}};
    for (int t = 0; t < scan.tasks; ++t)
      ts.inputs.push_back(block_ref{1, 1, 0, static_cast<uint32_t>(t), part});
    auto out = run_task(ts, blocks);
    ASSERT_TRUE(out.ok()) << out.status().message();
    for (const auto& b : out->partitions[0])
      for (size_t i = 0; i < b->rows; ++i) {
        int64_t k = std::get<int64_t>(b->get(i, 0));
        EXPECT_FALSE(got.count(k)) << "group " << k << " in two partitions";
        got[k] = {std::get<int64_t>(b->get(i, 1)), std::get<int64_t>(b->get(i, 2))};
      }
  }
  ASSERT_EQ(got.size(), 10u);
  for (int64_t k = 0; k < 10; ++k) {
    int64_t sum = 0, n = 0;
    for (int i = 100; i < 1000; ++i)
      if (i % 10 == k) sum += i, ++n;
    EXPECT_EQ(got[k].first, sum);
    EXPECT_EQ(got[k].second, n);
  }
}

TEST_F(TaskRunner, AMissingUpstreamBlockFailsTheTask) {
  const plan p = plan_of("SELECT k, count(*) FROM t GROUP BY k");
  fake_blocks blocks;
  task_spec ts{1, p.portions[1], 0, {block_ref{1, 1, 0, 0, 0}}};
  auto out = run_task(ts, blocks);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "no such block");
}

TEST_F(TaskRunner, OperatorsShareTheLease) {
  portion_spec q;
  for (step_kind k : {step_kind::filter, step_kind::final_aggregate, step_kind::project,
                      step_kind::sort}) {
    q.steps.emplace_back();
    q.steps.back().kind = k;
  }
  q.memory_per_task = 64ll << 20;
  EXPECT_EQ(operator_memory_limit(q), 16ll << 20);  // half of the lease, for two operators
  q.memory_per_task = 1ll << 20;
  EXPECT_EQ(operator_memory_limit(q), 1ll << 20);  // never below 1 MiB
  q.memory_per_task = 0;
  EXPECT_EQ(operator_memory_limit(q), 0);  // no lease: no limit
}

// With a tiny lease the scan task's partial aggregate and the final task's
// aggregate spill, reporting how much, and the answer is the same.
TEST_F(TaskRunner, ASmallLeaseSpillsToTheGivenDirectory) {
  {
    std::ofstream o(dir_ / "a.csv");
    o << "k,v\n";
    for (int i = 0; i < 200000; ++i) o << i << "," << i % 7 << "\n";
  }
  plan p = plan_of("SELECT k, sum(v) FROM t GROUP BY k");
  ASSERT_EQ(p.portions.size(), 2u);
  for (auto& por : p.portions) por.memory_per_task = 1;  // -> 1 MiB per operator
  const fs::path spill = dir_ / "spill" / "nested";     // created by run_task
  fake_blocks blocks;
  const portion_spec& scan = p.portions[0];
  uint64_t spilled = 0;
  for (int t = 0; t < scan.tasks; ++t) {
    auto out = run_task(task_spec{1, scan, static_cast<uint32_t>(t), {}}, blocks, nullptr,
                        spill.string());
    ASSERT_TRUE(out.ok()) << out.status().message();
    for (uint32_t part = 0; part < out->partitions.size(); ++part)
      blocks.blocks[{0, static_cast<uint32_t>(t), part}] = out->partitions[part];
  }
  EXPECT_TRUE(fs::is_directory(spill));
  std::vector<bool> seen(200000, false);
  const portion_spec& fin = p.portions[1];
  for (uint32_t part = 0; part < static_cast<uint32_t>(fin.tasks); ++part) {
    task_spec ts{1, fin, part, {}};
    for (int t = 0; t < scan.tasks; ++t)
      ts.inputs.push_back(block_ref{1, 1, 0, static_cast<uint32_t>(t), part});
    auto out = run_task(ts, blocks, nullptr, spill.string());
    ASSERT_TRUE(out.ok()) << out.status().message();
    spilled += out->spilled_bytes;
    for (const auto& b : out->partitions[0])
      for (size_t i = 0; i < b->rows; ++i) {
        const int64_t k = std::get<int64_t>(b->get(i, 0));
        ASSERT_FALSE(seen[k]) << k;
        seen[k] = true;
        ASSERT_EQ(std::get<int64_t>(b->get(i, 1)), k % 7) << k;
      }
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), true), 200000);
  EXPECT_GT(spilled, 0u);
  EXPECT_TRUE(fs::is_empty(spill));  // spill files are unlinked at once
}

}  // namespace
}  // namespace tranche
