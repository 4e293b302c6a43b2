// Planner rules: where programs are cut into portions, how portions are sized
// and partitioned, and that every plan the planner makes passes the plan
// decoder's validation (encode -> decode round trip).
#include "plan/planner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "plan/plan_codec.h"
#include "sql/sql.h"

namespace tranche {
namespace {

namespace fs = std::filesystem;

class Planner : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tranche-planner-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    for (int f = 0; f < 3; ++f) {
      std::ofstream o(dir_ / ("p" + std::to_string(f) + ".csv"));
      o << "key,price,quantity,shipdate,flag\n";
      for (int i = 0; i < 2000; ++i)
        o << i << "," << i << ".25," << i % 50 << ",1995-01-0" << 1 + i % 9 << ","
          << "ANR"[i % 3] << "\n";
    }
    ASSERT_TRUE(cat_.bind("t", (dir_ / "*.csv").string()).ok());
    opts_.parallelism = 4;
    opts_.split_bytes = 16 << 10;
  }
  void TearDown() override { fs::remove_all(dir_); }

  plan make(const std::string& sql) {
    auto logical = compile_sql(sql, cat_);
    EXPECT_TRUE(logical.ok()) << logical.status().message();
    auto p = make_plan(**logical, opts_);
    EXPECT_TRUE(p.ok()) << p.status().message();
    auto bytes = encode_plan(*p);
    auto back = decode_plan(bytes.data(), bytes.size());
    EXPECT_TRUE(back.ok()) << sql << ": " << back.status().message();
    return *p;
  }

  fs::path dir_;
  binding_catalog cat_;
  planner_options opts_;
};

TEST_F(Planner, GroupByOrderByCutsThreePortions) {
  plan p = make(
      "SELECT flag, sum(price) AS revenue, avg(quantity), count(*) FROM t "
      "WHERE shipdate < DATE '1998-09-02' GROUP BY flag ORDER BY flag");
  ASSERT_EQ(p.portions.size(), 3u);
  const auto& scan = p.portions[0];
  EXPECT_EQ(scan.source, source_kind::scan);
  EXPECT_GT(scan.tasks, 3);  // ~3 x 50 KiB of CSV in 16 KiB splits
  EXPECT_EQ(scan.tasks, static_cast<int>(scan.task_splits.size()));
  ASSERT_EQ(scan.steps.size(), 2u);
  EXPECT_EQ(scan.steps[0].kind, step_kind::filter);
  EXPECT_EQ(scan.steps[1].kind, step_kind::partial_aggregate);
  EXPECT_EQ(scan.sink, sink_kind::hash);
  EXPECT_EQ(scan.partitions, 4);
  EXPECT_EQ(scan.partition_keys, std::vector<int>{0});

  const auto& fin = p.portions[1];
  EXPECT_EQ(fin.source, source_kind::shuffle);
  EXPECT_EQ(fin.inputs, std::vector<int>{0});
  EXPECT_EQ(fin.tasks, 4);
  EXPECT_EQ(fin.steps.front().kind, step_kind::final_aggregate);
  EXPECT_EQ(fin.steps.back().kind, step_kind::sort);  // local sort before the merge
  EXPECT_EQ(fin.sink, sink_kind::single);

  const auto& res = p.portions[2];
  EXPECT_EQ(res.tasks, 1);
  EXPECT_EQ(res.inputs, std::vector<int>{1});
  EXPECT_EQ(res.steps.front().kind, step_kind::sort);
  EXPECT_EQ(p.result.fields[1].name, "revenue");
}

TEST_F(Planner, GlobalAggregateHasOneFinalTaskAndNoResultPortion) {
  plan p = make("SELECT count(*), sum(price) FROM t");
  ASSERT_EQ(p.portions.size(), 2u);
  EXPECT_EQ(p.portions[0].sink, sink_kind::single);
  EXPECT_EQ(p.portions[0].partitions, 1);
  EXPECT_EQ(p.portions[1].tasks, 1);
}

TEST_F(Planner, FilterProjectIsOnePortion) {
  plan p = make("SELECT key, price * 2 FROM t WHERE quantity > 3");
  ASSERT_EQ(p.portions.size(), 1u);
  EXPECT_EQ(p.portions[0].sink, sink_kind::single);
  ASSERT_EQ(p.portions[0].steps.size(), 2u);
  EXPECT_EQ(p.portions[0].steps[1].kind, step_kind::project);
}

TEST_F(Planner, OrderByLimitKeepsLocalTopNThenMerges) {
  plan p = make("SELECT key FROM t ORDER BY price DESC LIMIT 7");
  ASSERT_EQ(p.portions.size(), 2u);
  bool local_top_n = false;
  for (const auto& s : p.portions[0].steps)
    local_top_n = local_top_n || (s.kind == step_kind::sort && s.limit == 7);
  EXPECT_TRUE(local_top_n);
  EXPECT_EQ(p.portions[1].tasks, 1);
  EXPECT_EQ(p.result.size(), 1u);
}

TEST_F(Planner, SingleSplitNeedsNoMergePortion) {
  opts_.split_bytes = 1 << 30;
  ASSERT_TRUE(cat_.bind("one", (dir_ / "p0.csv").string()).ok());
  plan p = make("SELECT key FROM one ORDER BY key LIMIT 3");
  ASSERT_EQ(p.portions.size(), 1u);
  EXPECT_EQ(p.portions[0].tasks, 1);
}

TEST_F(Planner, ScansOnlyReferencedColumns) {
  plan p = make("SELECT flag, count(*) FROM t GROUP BY flag");
  ASSERT_EQ(p.portions[0].columns, std::vector<int>{4});
}

TEST_F(Planner, ExplainShowsPortionsPartitioningAndCapacity) {
  plan p = make("SELECT flag, count(*) FROM t GROUP BY flag ORDER BY flag");
  std::string text = explain(p);
  EXPECT_NE(text.find("portion 0 \"scan t\""), std::string::npos) << text;
  EXPECT_NE(text.find("sink: hash(flag) into 4 partitions"), std::string::npos) << text;
  EXPECT_NE(text.find("portion 2 \"result\": 1 task"), std::string::npos) << text;
  EXPECT_NE(text.find("asks up to"), std::string::npos) << text;
}

TEST_F(Planner, CountDistinctKeepsTheTwoPhaseShape) {
  plan p = make("SELECT flag, count(DISTINCT quantity), sum(price) FROM t GROUP BY flag");
  ASSERT_EQ(p.portions.size(), 2u);
  EXPECT_EQ(p.portions[0].output.fields[1].name, "count(distinct quantity)$value");
  std::string text = explain(p);
  EXPECT_NE(text.find("count(distinct quantity)"), std::string::npos) << text;
  EXPECT_NE(text.find("sink: hash(flag) into 4 partitions"), std::string::npos) << text;
}

TEST(BindingCatalog, MissingGlobIsAClearError) {
  binding_catalog cat;
  auto s = cat.bind("x", "/nonexistent-dir-tranche/*.csv");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "table x: no file matches \"/nonexistent-dir-tranche/*.csv\"");
}

}  // namespace
}  // namespace tranche
