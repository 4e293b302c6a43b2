// What a session kernel submits, end to end on an embedded 2-node cluster:
// a temporary table is the columnar files a COPY ... TO ... FORMAT COLUMNAR
// wrote, bound with table_binding::columnar, and temporary views travel in
// submit_options::views; the rows must be those sqlite3 computes from the
// CSV files directly. A session statement typed where there is no session
// is refused by the planner, naming it. After every program the broker's
// ledger must be whole.
#include <gtest/gtest.h>

#include <filesystem>

#include "oracle.h"
#include "test_cluster.h"
#include "tranche/client.h"

namespace tranche {
namespace {

namespace fs = std::filesystem;

class SqlProgramsWithSession : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::make_temp_dir("tranche-session"));
    ASSERT_NO_FATAL_FAILURE(testing::make_sample(*dir_ + "/t", 60000, 3));
    std::unique_ptr<cluster> cl;
    testing::start_cluster(testing::two_node_options(2, 256 << 10), cl);
    cluster_ = cl.release();
    // The kernel's CREATE TEMP TABLE groups AS <query>: the query's result
    // written as columnar files into the session's directory.
    fs::create_directories(*dir_ + "/session-1");
    auto copied = cluster_->run_sql(
        "COPY (SELECT flag, quantity, count(*) AS n, sum(price) AS revenue FROM t "
        "GROUP BY flag, quantity) TO '" +
            groups_dir() + "' FORMAT COLUMNAR",
        {{"t", *dir_ + "/t/*.csv"}});
    ASSERT_TRUE(copied.ok()) << copied.status().message();
  }

  static void TearDownTestSuite() {
    delete cluster_;
    testing::remove_temp_dir(*dir_);
    delete dir_;
  }

  static std::string groups_dir() { return *dir_ + "/session-1/groups"; }

  static std::vector<table_binding> bindings() {
    table_binding groups{"groups", groups_dir() + "/*.tcol"};
    groups.columnar = true;
    return {{"t", *dir_ + "/t/*.csv"}, groups};
  }

  static std::vector<testing::oracle_table> oracle_tables() {
    std::vector<std::string> files;
    for (auto& e : fs::directory_iterator(*dir_ + "/t")) files.push_back(e.path());
    return {testing::sample_oracle_table("t", files)};
  }

  // The session's views: each uses the temporary table or an earlier view.
  static submit_options session_views() {
    submit_options o;
    o.views = {{"big_groups", "SELECT flag, quantity, n, revenue FROM groups WHERE n > 400"},
               {"by_flag",
                "SELECT flag, sum(n) AS rows, count(*) AS big FROM big_groups "
                "GROUP BY flag"}};
    return o;
  }

  static std::string* dir_;
  static cluster* cluster_;
};

std::string* SqlProgramsWithSession::dir_ = nullptr;
cluster* SqlProgramsWithSession::cluster_ = nullptr;

// The views' rows computed by sqlite3 from the CSV files.
constexpr char kGroupsOracle[] =
    "(SELECT flag, quantity, count(*) AS n, sum(price) AS revenue FROM t GROUP BY flag, "
    "quantity)";

TEST_F(SqlProgramsWithSession, ViewsOverAColumnarTempTableGiveTheDirectRows) {
  ASSERT_TRUE(fs::exists(groups_dir() + "/part-00000.tcol"));
  auto r = cluster_->run_sql("SELECT flag, rows, big FROM by_flag ORDER BY flag", bindings(),
                             nullptr, session_views());
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto expected = testing::sqlite_rows(
      oracle_tables(), std::string("SELECT flag, sum(n), count(*) FROM ") + kGroupsOracle +
                           " WHERE n > 400 GROUP BY flag ORDER BY flag");
  ASSERT_EQ(expected.size(), 3u);
  EXPECT_EQ(testing::compare_rows(expected, testing::result_rows(*r), true), "");
  testing::expect_ledger_whole(*cluster_);
}

TEST_F(SqlProgramsWithSession, AViewJoinedWithATableAndUsedInASubquery) {
  auto r = cluster_->run_sql(
      "SELECT g.flag, count(*) AS c, sum(t.price) AS p FROM t JOIN big_groups g "
      "ON t.flag = g.flag AND t.quantity = g.quantity "
      "WHERE g.revenue > (SELECT avg(revenue) FROM big_groups) GROUP BY g.flag",
      bindings(), nullptr, session_views());
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::string g = std::string("(SELECT * FROM ") + kGroupsOracle + " WHERE n > 400)";
  const auto expected = testing::sqlite_rows(
      oracle_tables(), "SELECT g.flag, count(*), sum(t.price) FROM t JOIN " + g +
                           " g ON t.flag = g.flag AND t.quantity = g.quantity WHERE g.revenue > "
                           "(SELECT avg(revenue) FROM " +
                           g + ") GROUP BY g.flag");
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(testing::compare_rows(expected, testing::result_rows(*r), false), "");
  // EXPLAIN sees the same views.
  auto text = cluster_->explain("SELECT * FROM by_flag", bindings(), session_views());
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_NE(text->find("groups"), std::string::npos) << *text;
  testing::expect_ledger_whole(*cluster_);
}

TEST_F(SqlProgramsWithSession, AnErrorInAViewNamesIt) {
  submit_options o;
  o.views = {{"v", "SELECT flag, nope FROM groups"}};
  auto r = cluster_->run_sql("SELECT * FROM v", bindings(), nullptr, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(r.status().message())
                .rfind("in view \"v\": line 1, column 14: unknown column \"nope\"", 0),
            0u)
      << r.status().message();
  // Refused before it is sent: a view without a name.
  o.views = {{"", "SELECT 1"}};
  r = cluster_->run_sql("SELECT 1", bindings(), nullptr, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "view 1 has an empty name");
  testing::expect_ledger_whole(*cluster_);
}

TEST_F(SqlProgramsWithSession, ThePlannerRefusesSessionStatements) {
  const std::string where = "; run it in a session (tranche shell, or a session's notebook)";
  const std::pair<std::string, std::string> cases[] = {
      {"CREATE TEMP VIEW v AS SELECT 1",
       "line 1, column 1: CREATE TEMPORARY VIEW keeps its view in a session" + where},
      {"create temporary table x as select flag from t",
       "line 1, column 1: CREATE TEMPORARY TABLE keeps its table in a session" + where},
      {"DROP VIEW IF EXISTS v",
       "line 1, column 1: DROP VIEW drops a session's temporary view" + where},
      {"SET parallelism = 4", "line 1, column 1: SET changes a session's setting" + where},
      {"RESET ALL", "line 1, column 1: RESET resets a session's setting" + where},
      {"SHOW SETTINGS", "line 1, column 1: SHOW SETTINGS lists a session's settings" + where},
      {"  SHOW VIEWS;", "line 1, column 3: SHOW VIEWS lists a session's temporary views" + where},
  };
  for (const auto& [sql, message] : cases) {
    auto r = cluster_->run_sql(sql, bindings());
    ASSERT_FALSE(r.ok()) << sql;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << sql;
    EXPECT_EQ(r.status().message(), message) << sql;
  }
  testing::expect_ledger_whole(*cluster_);
}

}  // namespace
}  // namespace tranche
