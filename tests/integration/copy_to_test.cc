// COPY (SELECT ...) TO 'dir' end to end on an embedded 2-node cluster: the
// files read back (as a bound CSV or columnar table) give the direct SELECT's
// rows; a program that fails at run time or is cancelled leaves neither the
// target nor its staging directory; a non-empty target is refused at plan
// time. After every program the broker's ledger must be whole.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cancel_util.h"
#include "oracle.h"
#include "test_cluster.h"
#include "tranche/client.h"

namespace tranche {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class CopyTo : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::make_temp_dir("tranche-copy"));
    ASSERT_NO_FATAL_FAILURE(testing::make_sample(*dir_ + "/t", 60000, 3));
    // Big enough that a scan-only COPY of it runs for a while (cancel test).
    ASSERT_NO_FATAL_FAILURE(testing::make_sample(*dir_ + "/big", 400000, 4));
    // NULLs, quoted strings, a delimiter and a line break inside quotes.
    fs::create_directories(*dir_ + "/n");
    std::ofstream(*dir_ + "/n/a.csv") << "a,b,s\n"
                                         "1,1.5,x\n"
                                         ",2.5,\"say \"\"hi\"\"\"\n"
                                         "3,,\"a,b\"\n"
                                         "4,0.1,\"two\nlines\"\n"
                                         "5,3.25,\"\"\n"
                                         "6,,\"p|q\"\n";
    // Many scan tasks: a scan-only COPY writes many files.
    std::unique_ptr<cluster> cl;
    testing::start_cluster(testing::two_node_options(2, 16 << 10), cl);
    cluster_ = cl.release();
  }

  static void TearDownTestSuite() {
    delete cluster_;
    testing::remove_temp_dir(*dir_);
    delete dir_;
  }

  // A fresh, empty directory for one test's target (its parent is checked
  // for leftovers).
  void SetUp() override {
    work_ = fs::path(*dir_) / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(work_);
  }

  static std::vector<table_binding> tables() {
    return {{"t", *dir_ + "/t/*.csv"}, {"n", *dir_ + "/n/*.csv"}, {"big", *dir_ + "/big/*.csv"}};
  }

  std::vector<std::string> entries(const fs::path& d) const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(d)) out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
  }

  // Runs the COPY and checks its one result row against the files in `out`.
  void copy_ok(const std::string& sql, const fs::path& out, const std::string& ext,
               size_t expected_rows) {
    auto r = cluster_->run_sql(sql, tables());
    ASSERT_TRUE(r.ok()) << sql << "\n" << r.status().message();
    ASSERT_EQ(r->columns.size(), 3u);
    EXPECT_EQ(r->columns.fields[0].name, "rows");
    EXPECT_EQ(r->columns.fields[1].name, "files");
    EXPECT_EQ(r->columns.fields[2].name, "path");
    auto rows = testing::result_rows(*r);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0][0], std::to_string(expected_rows));
    EXPECT_EQ(rows[0][2], out.string());
    const auto names = entries(out);
    EXPECT_EQ(rows[0][1], std::to_string(names.size()));
    for (size_t i = 0; i < names.size(); ++i)  // nothing but the tasks' files
      EXPECT_EQ(names[i], absl::StrFormat("part-%05d.%s", i, ext));
    testing::expect_ledger_whole(*cluster_);
  }

  // `select` directly, and again from the files COPY wrote, compare equal.
  void expect_same_rows(const std::string& select, const std::string& reread,
                        const table_binding& written) {
    auto direct = cluster_->run_sql(select, tables());
    ASSERT_TRUE(direct.ok()) << direct.status().message();
    auto back = cluster_->run_sql(reread, {written});
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(
        testing::compare_rows(testing::result_rows(*direct), testing::result_rows(*back), true),
        "");
    EXPECT_GT(direct->rows, 0u);
    testing::expect_ledger_whole(*cluster_);
  }

  static std::string* dir_;
  static cluster* cluster_;
  fs::path work_;
};

std::string* CopyTo::dir_ = nullptr;
cluster* CopyTo::cluster_ = nullptr;

constexpr char kGrouped[] =
    "SELECT flag, quantity, count(*) AS n, sum(price) AS revenue, avg(price) AS mean, "
    "min(shipdate) AS first FROM t WHERE key % 3 <> 0 GROUP BY flag, quantity";

TEST_F(CopyTo, GroupedQueryToCsvReadsBackTheSameRows) {
  const fs::path out = work_ / "out";
  auto direct = cluster_->run_sql(kGrouped, tables());
  ASSERT_TRUE(direct.ok());
  copy_ok(absl::StrCat("COPY (", kGrouped, ") TO '", out.string(), "'"), out, "csv", direct->rows);
  EXPECT_EQ(entries(work_), std::vector<std::string>{"out"}) << "no staging directory left";
  EXPECT_GT(entries(out).size(), 1u) << "one file per final-aggregate task";
  std::ifstream first(out / "part-00000.csv");
  std::string header;
  std::getline(first, header);
  EXPECT_EQ(header, "flag,quantity,n,revenue,mean,first");
  expect_same_rows(absl::StrCat(kGrouped, " ORDER BY flag, quantity"),
                   "SELECT * FROM x ORDER BY flag, quantity", {"x", out.string() + "/*.csv"});
}

TEST_F(CopyTo, GroupedQueryToColumnarKeepsTypesAndRows) {
  const fs::path out = work_ / "out";
  fs::create_directories(out);  // an empty target is fine
  auto direct = cluster_->run_sql(kGrouped, tables());
  ASSERT_TRUE(direct.ok());
  copy_ok(absl::StrCat("COPY (", kGrouped, ") TO '", out.string(), "' FORMAT COLUMNAR"), out,
          "tcol", direct->rows);
  auto back = cluster_->run_sql("SELECT * FROM x", {{"x", out.string() + "/*.tcol"}});
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->columns, direct->columns);
  expect_same_rows(absl::StrCat(kGrouped, " ORDER BY flag, quantity"),
                   "SELECT * FROM x ORDER BY flag, quantity", {"x", out.string() + "/*.tcol"});
}

TEST_F(CopyTo, PostgresOptionsQuotingAndNulls) {
  const fs::path out = work_ / "a" / "b" / "out";  // parents are created
  copy_ok(absl::StrCat("COPY (SELECT a, b, s FROM n) TO '", out.string(),
                       "' WITH (FORMAT csv, HEADER false, DELIMITER '|')"),
          out, "csv", 6);
  table_binding written{"x", out.string() + "/*.csv", '|', false};
  expect_same_rows("SELECT a, b, s FROM n ORDER BY a", "SELECT * FROM x ORDER BY c1", written);
  // NULL and the empty string stay apart.
  auto back = cluster_->run_sql("SELECT count(*), count(c3), count(c2) FROM x", {written});
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(testing::result_rows(*back), (std::vector<std::vector<std::string>>{{"6", "6", "4"}}));
}

TEST_F(CopyTo, ScanOnlyQueryWritesOneFilePerScanTask) {
  const fs::path out = work_ / "out";
  auto count = cluster_->run_sql("SELECT count(*) FROM t WHERE quantity > 25", tables());
  ASSERT_TRUE(count.ok());
  copy_ok(absl::StrCat("COPY (SELECT key, price, shipdate FROM t WHERE quantity > 25) TO '",
                       out.string(), "'"),
          out, "csv", std::stoul(testing::result_rows(*count)[0][0]));
  EXPECT_GT(entries(out).size(), 4u) << "one file per scan task";
  expect_same_rows(
      "SELECT key, price, shipdate FROM t WHERE quantity > 25 ORDER BY key, price, shipdate",
      "SELECT * FROM x ORDER BY key, price, shipdate", {"x", out.string() + "/*.csv"});
}

TEST_F(CopyTo, AFailingProgramLeavesNothing) {
  const fs::path out = work_ / "out";
  // The final aggregate's task for flag 'N' fails at run time; the other
  // tasks have written their files by then.
  auto r = cluster_->run_sql(
      absl::StrCat("COPY (SELECT flag, CAST(CASE WHEN flag = 'N' THEN 'x' ELSE '1' END AS BIGINT) "
                   "AS v, count(*) FROM t GROUP BY flag) TO '",
                   out.string(), "'"),
      tables());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cannot cast \"x\" to BIGINT"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(entries(work_), std::vector<std::string>{}) << "neither target nor staging";
  testing::expect_ledger_whole(*cluster_);
}

TEST_F(CopyTo, ACancelledCopyLeavesNothing) {
  const fs::path out = work_ / "out";
  caf::scoped_actor self{cluster_->system()};
  // A scan-only COPY: every one of its many scan tasks writes a file.
  auto id = cluster_->submit(
      absl::StrCat("COPY (SELECT key, price, flag FROM big WHERE price * quantity > 10) TO '",
                   out.string(), "'"),
      tables(), caf::actor_cast<caf::actor>(self));
  ASSERT_TRUE(id.ok());
  auto outcome = testing::cancel_when_running(*cluster_, *id, self);
  ASSERT_EQ(outcome.ended_before, "not done") << "the program ended before it could be cancelled";
  EXPECT_EQ(outcome.error, "cancelled");
  EXPECT_EQ(outcome.results, 0);
  testing::expect_ledger_whole(*cluster_);
  // Tasks already running when the cancel came may still be ending: they can
  // no longer create anything (the staging directory is gone).
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(entries(work_), std::vector<std::string>{}) << "neither target nor staging";
}

TEST_F(CopyTo, ANonEmptyTargetIsRefusedAtPlanTime) {
  const fs::path out = work_ / "out";
  fs::create_directories(out);
  std::ofstream(out / "keep.txt") << "mine\n";
  const std::string sql = absl::StrCat("COPY (SELECT flag FROM t) TO '", out.string(), "'");
  auto r = cluster_->run_sql(sql, tables());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), absl::StrCat("line 1, column 30: COPY target '", out.string(),
                                               "' exists and is not empty"));
  EXPECT_EQ(entries(out), std::vector<std::string>{"keep.txt"});
  EXPECT_EQ(entries(work_), std::vector<std::string>{"out"});
  // A file in the target's place.
  const fs::path file = work_ / "file";
  std::ofstream(file) << "x\n";
  r = cluster_->run_sql(absl::StrCat("COPY (SELECT flag FROM t) TO '", file.string(), "'"),
                        tables());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("exists and is not a directory"), std::string::npos)
      << r.status().message();
  testing::expect_ledger_whole(*cluster_);
}

TEST_F(CopyTo, ExplainShowsTheWriteStepAndWritesNothing) {
  const fs::path out = work_ / "out";
  auto text = cluster_->explain(
      absl::StrCat("COPY (", kGrouped, ") TO '", out.string(), "' FORMAT COLUMNAR"), tables());
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_NE(text->find("write one columnar file per task to " + (work_ / ".out").string() +
                       ".tranche-staging-"),
            std::string::npos)
      << *text;
  EXPECT_EQ(entries(work_), std::vector<std::string>{});
}

}  // namespace
}  // namespace tranche
