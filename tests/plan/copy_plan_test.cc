// COPY's plan hook and commit (plan/copy_plan.h) without actors: a query's
// plan with the write step survives the plan codec, its tasks write their
// files into the staging directory through run_task, and the commit moves
// them into place whole (or abort_copy removes them).
#include "plan/copy_plan.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "plan/plan_codec.h"
#include "plan/planner.h"
#include "plan/task_runner.h"
#include "sql/sql.h"

namespace tranche {
namespace {

namespace fs = std::filesystem;

class no_blocks : public block_source {
 public:
  absl::Status fetch(const block_ref&, const consumer&) override {
    return absl::UnavailableError("no blocks here");
  }
};

class CopyPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tranche-copyplan-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "in");
    std::ofstream o(dir_ / "in" / "a.csv");
    o << "k,v\n";
    for (int i = 0; i < 1000; ++i) o << i % 10 << "," << i << "\n";
    o.close();
    ASSERT_TRUE(cat_.bind("t", (dir_ / "in" / "*.csv").string()).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> entries(const fs::path& d) const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(d)) out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
  }

  // The scan-only plan of `sql` (several scan tasks) with a COPY sink.
  plan copy_plan_of(const std::string& sql, const std::string& staging, csv_format fmt) {
    auto logical = compile_sql(sql, cat_);
    EXPECT_TRUE(logical.ok()) << logical.status().message();
    planner_options po;
    po.split_bytes = 2000;  // several scan tasks
    auto p = make_plan(**logical, po);
    EXPECT_TRUE(p.ok());
    EXPECT_TRUE(add_copy_sink(*p, staging, fmt).ok());
    // Through the codec, as the job receives it.
    auto bytes = encode_plan(*p);
    auto back = decode_plan(bytes.data(), bytes.size());
    EXPECT_TRUE(back.ok()) << back.status().message();
    return back.ok() ? *std::move(back) : plan{};
  }

  // Runs every task of the (single-portion) plan; returns what they reported.
  std::vector<written_file> run_all(const plan& p) {
    std::vector<written_file> out;
    no_blocks blocks;
    const portion_spec& por = p.portions.back();
    for (int t = 0; t < por.tasks; ++t) {
      auto r = run_task(task_spec{1, por, static_cast<uint32_t>(t), {}}, blocks);
      EXPECT_TRUE(r.ok()) << r.status().message();
      if (!r.ok()) continue;
      for (const auto& b : r->partitions[0])
        for (size_t i = 0; i < b->rows; ++i)
          out.push_back({std::string(b->columns[0]->str(i)), b->columns[1]->i64()[i]});
    }
    return out;
  }

  fs::path dir_;
  binding_catalog cat_;
};

TEST(CopyPaths, StagingIsAHiddenSiblingThatNamesItsTarget) {
  const std::string s = copy_staging_dir("/data/out", 0xabc);
  EXPECT_EQ(s, "/data/.out.tranche-staging-0000000000000abc");
  EXPECT_EQ(copy_target_of(s), "/data/out");
  EXPECT_EQ(copy_target_of("/data/out"), std::nullopt);
}

TEST_F(CopyPlan, TargetCheck) {
  EXPECT_TRUE(check_copy_target((dir_ / "absent").string()).ok());
  fs::create_directories(dir_ / "empty");
  EXPECT_TRUE(check_copy_target((dir_ / "empty").string()).ok());
  EXPECT_EQ(check_copy_target((dir_ / "in").string()).message(),
            "COPY target '" + (dir_ / "in").string() + "' exists and is not empty");
  EXPECT_EQ(check_copy_target((dir_ / "in" / "a.csv").string()).message(),
            "COPY target '" + (dir_ / "in" / "a.csv").string() + "' exists and is not a directory");
}

TEST_F(CopyPlan, WriteStepIsTheResultAndExplained) {
  const std::string staging = copy_staging_dir((dir_ / "out").string(), 1);
  const plan p = copy_plan_of("SELECT k, v FROM t WHERE v > 10", staging, csv_format{});
  ASSERT_NE(find_copy_step(p), nullptr);
  EXPECT_EQ(find_copy_step(p)->path, staging);
  EXPECT_EQ(p.result.fields.size(), 2u);
  EXPECT_EQ(p.result.fields[0].type, type_id::string);
  EXPECT_EQ(p.result.fields[1].type, type_id::int64);
  EXPECT_NE(explain(p).find("write one CSV file per task to " + staging), std::string::npos)
      << explain(p);
}

TEST_F(CopyPlan, TasksWriteIntoStagingAndTheCommitMovesThemWhole) {
  const fs::path out = dir_ / "nested" / "out";
  const std::string staging = copy_staging_dir(out.string(), 7);
  csv_format fmt;
  fmt.columnar = true;
  const plan p = copy_plan_of("SELECT k, v FROM t WHERE v >= 100", staging, fmt);
  ASSERT_GT(p.portions.back().tasks, 1);
  fs::create_directories(staging);  // the job's part
  auto files = run_all(p);
  ASSERT_EQ(files.size(), static_cast<size_t>(p.portions.back().tasks));
  std::ofstream(fs::path(staging) / ".part-00000.tcol.lost-attempt.tmp") << "half";
  EXPECT_FALSE(fs::exists(out));
  auto summary = commit_copy(staging, files);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->rows, 900);
  EXPECT_EQ(summary->files, p.portions.back().tasks);
  EXPECT_EQ(summary->path, out.string());
  EXPECT_FALSE(fs::exists(staging));
  const auto names = entries(out);
  ASSERT_EQ(names.size(), files.size()) << "the lost attempt's file is not committed";
  EXPECT_EQ(names[0], "part-00000.tcol");
}

TEST_F(CopyPlan, CommitRefusesATargetThatFilledUpMeanwhile) {
  const fs::path out = dir_ / "out";
  const std::string staging = copy_staging_dir(out.string(), 8);
  const plan p = copy_plan_of("SELECT k FROM t", staging, csv_format{});
  fs::create_directories(staging);
  auto files = run_all(p);
  fs::create_directories(out);
  std::ofstream(out / "theirs.csv") << "x\n";
  auto summary = commit_copy(staging, files);
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.status().message(),
            "COPY target '" + out.string() + "' exists and is not empty");
  abort_copy(staging);
  EXPECT_EQ(entries(dir_), (std::vector<std::string>{"in", "out"}));
  EXPECT_EQ(entries(out), std::vector<std::string>{"theirs.csv"});
}

TEST_F(CopyPlan, AbortRemovesEverything) {
  const std::string staging = copy_staging_dir((dir_ / "out").string(), 9);
  const plan p = copy_plan_of("SELECT k FROM t", staging, csv_format{});
  fs::create_directories(staging);
  ASSERT_FALSE(run_all(p).empty());
  abort_copy(staging);
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"in"});
}

}  // namespace
}  // namespace tranche
