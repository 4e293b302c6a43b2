// End-to-end SQL programs through an embedded 2-node cluster, each compared
// with the rows sqlite3 computes over the same CSV files. After every program
// the broker's ledger must be whole: no lease left, all capacity free.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "oracle.h"
#include "test_cluster.h"
#include "tranche/client.h"

namespace tranche {
namespace {

namespace fs = std::filesystem;
using testing::oracle_table;

class SqlPrograms : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::make_temp_dir("tranche-it"));
    ASSERT_NO_FATAL_FAILURE(testing::make_sample(*dir_ + "/t", 60000, 3));
    // A table with NULLs (empty unquoted fields), quoted strings and a delimiter inside quotes.
    fs::create_directories(*dir_ + "/n");
    std::ofstream(*dir_ + "/n/a.csv") << "a,b,s\n"
                                         "1,1.5,x\n"
                                         ",2.5,y\n"
                                         "3,,\"x\"\n"
                                         "4,0.5,\n"
                                         ",,\"a,b\"\n"
                                         "6,3.25,y\n";
    std::ofstream(*dir_ + "/n/b.csv") << "a,b,s\n"
                                         "7,1.0,z\n"
                                         "-2,-1.5,x\n";
    std::unique_ptr<cluster> cl;
    testing::start_cluster(testing::two_node_options(2, 256 << 10), cl);  // many scan tasks
    cluster_ = cl.release();
  }

  static void TearDownTestSuite() {
    delete cluster_;
    testing::remove_temp_dir(*dir_);
    delete dir_;
  }

  static std::vector<table_binding> bindings() {
    return {{"t", *dir_ + "/t/*.csv"}, {"n", *dir_ + "/n/*.csv"}};
  }

  static std::vector<oracle_table> oracle_tables() {
    std::vector<std::string> tf, nf;
    for (auto& e : fs::directory_iterator(*dir_ + "/t")) tf.push_back(e.path());
    for (auto& e : fs::directory_iterator(*dir_ + "/n")) nf.push_back(e.path());
    return {
        testing::sample_oracle_table("t", tf),
        {"n", "CREATE TABLE n(a INTEGER, b REAL, s TEXT)", nf, {"a", "b", "s"}},
    };
  }

  // Runs `sql` on tranche and `oracle_sql` on sqlite3 and compares.
  void check(const std::string& sql, const std::string& oracle_sql, bool ordered) {
    auto r = cluster_->run_sql(sql, bindings());
    ASSERT_TRUE(r.ok()) << sql << "\n" << r.status().message();
    auto expected = testing::sqlite_rows(oracle_tables(), oracle_sql);
    auto diff = testing::compare_rows(expected, testing::result_rows(*r), ordered);
    EXPECT_EQ(diff, "") << sql;
    testing::expect_ledger_whole(*cluster_);
  }

  static std::string* dir_;
  static cluster* cluster_;
};

std::string* SqlPrograms::dir_ = nullptr;
cluster* SqlPrograms::cluster_ = nullptr;

TEST_F(SqlPrograms, CountStar) { check("SELECT count(*) FROM t", "SELECT count(*) FROM t", true); }

TEST_F(SqlPrograms, IssueExampleGroupByFlag) {
  check(
      "SELECT flag, sum(price) AS revenue, avg(quantity), count(*) FROM t "
      "WHERE shipdate < DATE '1998-09-02' GROUP BY flag ORDER BY flag",
      "SELECT flag, sum(price), avg(quantity), count(*) FROM t WHERE shipdate < '1998-09-02' "
      "GROUP BY flag ORDER BY flag",
      true);
}

TEST_F(SqlPrograms, GroupByKeyWithLimit) {
  check("SELECT key, count(*), min(price), max(price) FROM t GROUP BY key ORDER BY key LIMIT 20",
        "SELECT key, count(*), min(price), max(price) FROM t GROUP BY key ORDER BY key LIMIT 20",
        true);
}

TEST_F(SqlPrograms, GroupByAllKeysUnordered) {
  check("SELECT key, sum(quantity), count(*) FROM t GROUP BY key",
        "SELECT key, sum(quantity), count(*) FROM t GROUP BY key", false);
}

TEST_F(SqlPrograms, TwoGroupKeysWithFilter) {
  check(
      "SELECT flag, quantity, count(*) FROM t WHERE price > 5000 GROUP BY flag, quantity "
      "ORDER BY flag, quantity",
      "SELECT flag, quantity, count(*) FROM t WHERE price > 5000 GROUP BY flag, quantity "
      "ORDER BY flag, quantity",
      true);
}

TEST_F(SqlPrograms, SelectStarPointLookup) {
  check("SELECT * FROM t WHERE key = 42 ORDER BY price, quantity, shipdate, flag",
        "SELECT * FROM t WHERE key = 42 ORDER BY price, quantity, shipdate, flag", true);
}

TEST_F(SqlPrograms, ExpressionTopN) {
  check(
      "SELECT key, price * quantity AS total FROM t WHERE quantity >= 49 AND flag = 'A' "
      "ORDER BY total DESC, key LIMIT 10",
      "SELECT key, price * quantity AS total FROM t WHERE quantity >= 49 AND flag = 'A' "
      "ORDER BY total DESC, key LIMIT 10",
      true);
}

TEST_F(SqlPrograms, GlobalAggregatesOverDates) {
  check("SELECT count(*), sum(quantity), min(shipdate), max(shipdate) FROM t WHERE flag <> 'N'",
        "SELECT count(*), sum(quantity), min(shipdate), max(shipdate) FROM t WHERE flag <> 'N'",
        true);
}

TEST_F(SqlPrograms, HavingAndOrderByPosition) {
  check("SELECT flag, count(*) FROM t GROUP BY flag HAVING count(*) > 100 ORDER BY 2 DESC",
        "SELECT flag, count(*) FROM t GROUP BY flag HAVING count(*) > 100 ORDER BY 2 DESC", true);
}

TEST_F(SqlPrograms, GroupByExpression) {
  check("SELECT quantity % 7 AS m, avg(price) FROM t GROUP BY quantity % 7 ORDER BY m",
        "SELECT quantity % 7 AS m, avg(price) FROM t GROUP BY quantity % 7 ORDER BY m", true);
}

TEST_F(SqlPrograms, DateRangeSpread) {
  check(
      "SELECT max(price) - min(price), count(*) FROM t "
      "WHERE shipdate >= DATE '1995-01-01' AND shipdate < DATE '1996-01-01'",
      "SELECT max(price) - min(price), count(*) FROM t "
      "WHERE shipdate >= '1995-01-01' AND shipdate < '1996-01-01'",
      true);
}

TEST_F(SqlPrograms, OrderByDescLimitWithoutAggregate) {
  check("SELECT key, price FROM t WHERE price < 3 ORDER BY key DESC, price LIMIT 5",
        "SELECT key, price FROM t WHERE price < 3 ORDER BY key DESC, price LIMIT 5", true);
}

TEST_F(SqlPrograms, AggregatesSkipNulls) {
  check("SELECT count(*), count(a), sum(a), avg(b), min(s), max(s) FROM n",
        "SELECT count(*), count(a), sum(a), avg(b), min(s), max(s) FROM n", true);
}

TEST_F(SqlPrograms, NullGroupKey) {
  check("SELECT s, count(*), sum(b) FROM n GROUP BY s ORDER BY s NULLS FIRST",
        "SELECT s, count(*), sum(b) FROM n GROUP BY s ORDER BY s NULLS FIRST", true);
}

TEST_F(SqlPrograms, NullPredicates) {
  check("SELECT a, b FROM n WHERE a IS NULL OR b > 1.5 ORDER BY a NULLS LAST, b NULLS LAST",
        "SELECT a, b FROM n WHERE a IS NULL OR b > 1.5 ORDER BY a NULLS LAST, b NULLS LAST", true);
}

TEST_F(SqlPrograms, CastAndGroupByAlias) {
  check(
      "SELECT CAST(quantity AS DOUBLE) / 2 AS half, count(*) FROM t GROUP BY half "
      "ORDER BY half LIMIT 5",
      "SELECT CAST(quantity AS REAL) / 2 AS half, count(*) FROM t GROUP BY half ORDER BY half "
      "LIMIT 5",
      true);
}

TEST_F(SqlPrograms, EmptyInputGlobalAggregate) {
  check("SELECT count(*), sum(price) FROM t WHERE price > 1000000",
        "SELECT count(*), sum(price) FROM t WHERE price > 1000000", true);
}

TEST_F(SqlPrograms, EmptyInputGroupedAggregate) {
  check("SELECT flag, sum(price) FROM t WHERE price > 1000000 GROUP BY flag",
        "SELECT flag, sum(price) FROM t WHERE price > 1000000 GROUP BY flag", false);
}

TEST_F(SqlPrograms, CountDistinctGlobalAndOverEmptyInput) {
  check("SELECT count(DISTINCT key), count(DISTINCT flag), count(*) FROM t",
        "SELECT count(DISTINCT key), count(DISTINCT flag), count(*) FROM t", true);
  check("SELECT count(DISTINCT key), count(*), sum(price) FROM t WHERE price > 1000000",
        "SELECT count(DISTINCT key), count(*), sum(price) FROM t WHERE price > 1000000", true);
}

TEST_F(SqlPrograms, CountDistinctGroupedMixedWithOtherAggregates) {
  check(
      "SELECT flag, count(DISTINCT key), sum(quantity), count(*), count(DISTINCT quantity) "
      "FROM t GROUP BY flag ORDER BY flag",
      "SELECT flag, count(DISTINCT key), sum(quantity), count(*), count(DISTINCT quantity) "
      "FROM t GROUP BY flag ORDER BY flag",
      true);
}

TEST_F(SqlPrograms, CountDistinctInHaving) {
  check(
      "SELECT quantity, count(*) FROM t GROUP BY quantity HAVING count(DISTINCT key) > 520 "
      "ORDER BY quantity",
      "SELECT quantity, count(*) FROM t GROUP BY quantity HAVING count(DISTINCT key) > 520 "
      "ORDER BY quantity",
      true);
}

TEST_F(SqlPrograms, CountDistinctSkipsNulls) {
  check("SELECT count(DISTINCT a), count(DISTINCT b), count(DISTINCT s), count(a), sum(b) FROM n",
        "SELECT count(DISTINCT a), count(DISTINCT b), count(DISTINCT s), count(a), sum(b) FROM n",
        true);
  check("SELECT s, count(DISTINCT a), count(*) FROM n GROUP BY s ORDER BY s NULLS FIRST",
        "SELECT s, count(DISTINCT a), count(*) FROM n GROUP BY s ORDER BY s NULLS FIRST", true);
}

TEST_F(SqlPrograms, DivisionByZeroIsNull) {
  check("SELECT a, a % 0, b / 0 FROM n WHERE a IS NOT NULL ORDER BY a",
        "SELECT a, a % 0, b / 0 FROM n WHERE a IS NOT NULL ORDER BY a", true);
}

TEST_F(SqlPrograms, NegationAndArithmetic) {
  check("SELECT -a + 2 * a - 1 AS v, b * -1 FROM n WHERE a > 0 ORDER BY v",
        "SELECT -a + 2 * a - 1 AS v, b * -1 FROM n WHERE a > 0 ORDER BY v", true);
}

TEST_F(SqlPrograms, CaseInsideAggregates) {
  check(
      "SELECT flag, sum(CASE WHEN quantity < 10 THEN price ELSE 0 END) AS small, "
      "count(CASE WHEN price > 5000 THEN 1 END), "
      "min(CASE flag WHEN 'A' THEN 'alpha' WHEN 'N' THEN 'nu' ELSE 'other' END) "
      "FROM t GROUP BY flag ORDER BY flag",
      "SELECT flag, sum(CASE WHEN quantity < 10 THEN price ELSE 0 END), "
      "count(CASE WHEN price > 5000 THEN 1 END), "
      "min(CASE flag WHEN 'A' THEN 'alpha' WHEN 'N' THEN 'nu' ELSE 'other' END) "
      "FROM t GROUP BY flag ORDER BY flag",
      true);
}

TEST_F(SqlPrograms, InListsWithNullsAndCase) {
  const char* sql =
      "SELECT a, b, CASE WHEN a IN (1, 3, 7) THEN 'in' WHEN a NOT IN (1, NULL) THEN 'out' "
      "ELSE 'unknown' END, CASE WHEN s IN ('x', 'a,b') THEN b END FROM n "
      "ORDER BY a NULLS FIRST, b NULLS FIRST";
  check(sql, sql, true);
}

TEST_F(SqlPrograms, LikePatterns) {
  // Lowercase data and patterns only: sqlite's LIKE ignores ASCII case.
  check("SELECT a, s FROM n WHERE s LIKE 'x%' OR s LIKE '%,_' OR s NOT LIKE '%y%'",
        "SELECT a, s FROM n WHERE s LIKE 'x%' OR s LIKE '%,_' OR s NOT LIKE '%y%'", false);
  check("SELECT flag, count(*) FROM t WHERE flag LIKE '%A%' OR flag LIKE 'R' GROUP BY flag",
        "SELECT flag, count(*) FROM t WHERE flag LIKE '%A%' OR flag LIKE 'R' GROUP BY flag", false);
}

TEST_F(SqlPrograms, BetweenOnDatesAndNumbers) {
  check(
      "SELECT count(*), sum(price) FROM t WHERE shipdate BETWEEN DATE '1995-01-01' AND "
      "'1995-12-31' AND quantity NOT BETWEEN 10 AND 40",
      "SELECT count(*), sum(price) FROM t WHERE shipdate BETWEEN '1995-01-01' AND '1995-12-31' "
      "AND quantity NOT BETWEEN 10 AND 40",
      true);
}

TEST_F(SqlPrograms, DateArithmeticAndExtract) {
  // Thresholds on the first of a month after a 31-day month, so that sqlite's
  // unclamped month arithmetic (1995-01-31 +1 month = 1995-03-03) agrees.
  check(
      "SELECT EXTRACT(YEAR FROM shipdate) AS y, EXTRACT(MONTH FROM shipdate) AS m, count(*), "
      "max(shipdate - INTERVAL '10' DAY), min(EXTRACT(DAY FROM shipdate + INTERVAL '3' DAY)) "
      "FROM t WHERE shipdate + INTERVAL '1' MONTH < DATE '1995-06-01' "
      "AND shipdate - INTERVAL '2' YEAR >= DATE '1992-08-01' GROUP BY y, m ORDER BY y, m",
      "SELECT CAST(strftime('%Y', shipdate) AS INTEGER) AS y, "
      "CAST(strftime('%m', shipdate) AS INTEGER) AS m, count(*), "
      "max(date(shipdate, '-10 days')), min(CAST(strftime('%d', date(shipdate, '+3 days')) AS "
      "INTEGER)) FROM t WHERE date(shipdate, '+1 month') < '1995-06-01' "
      "AND date(shipdate, '-2 years') >= '1992-08-01' GROUP BY y, m ORDER BY y, m",
      true);
}

TEST_F(SqlPrograms, Substrings) {
  check(
      "SELECT SUBSTRING(CAST(shipdate AS VARCHAR) FROM 1 FOR 4) AS y, "
      "substring(CAST(shipdate AS VARCHAR), 6) AS md, count(*) FROM t "
      "WHERE SUBSTRING(flag, 1, 1) = 'A' GROUP BY y, md ORDER BY y, md LIMIT 50",
      "SELECT substr(shipdate, 1, 4) AS y, substr(shipdate, 6) AS md, count(*) FROM t "
      "WHERE substr(flag, 1, 1) = 'A' GROUP BY y, md ORDER BY y, md LIMIT 50",
      true);
  check("SELECT a, SUBSTRING(s FROM 2), substring(s, 1, 2), SUBSTRING(s, a, 1) FROM n",
        "SELECT a, substr(s, 2), substr(s, 1, 2), substr(s, a, 1) FROM n WHERE a IS NULL "
        "OR a > 0 UNION ALL SELECT a, substr(s, 2), substr(s, 1, 2), '' FROM n WHERE a <= 0",
        false);
}

TEST_F(SqlPrograms, ResultWithoutRowsStillHasColumns) {
  auto r = cluster_->run_sql("SELECT key, flag FROM t WHERE key < 0", bindings());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->rows, 0u);
  ASSERT_EQ(r->columns.size(), 2u);
  EXPECT_EQ(r->columns.fields[1].name, "flag");
  testing::expect_ledger_whole(*cluster_);
}

TEST_F(SqlPrograms, UnknownColumnErrorNamesPositionAndSuggestion) {
  auto r = cluster_->run_sql("SELECT prce FROM t", bindings());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("line 1, column 8: unknown column \"prce\""),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("did you mean \"price\""), std::string::npos);
  testing::expect_ledger_whole(*cluster_);
}

TEST_F(SqlPrograms, MissingFilesAreAClearError) {
  auto r = cluster_->run_sql("SELECT count(*) FROM x", {{"x", *dir_ + "/none/*.csv"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no file matches"), std::string::npos)
      << r.status().message();
  testing::expect_ledger_whole(*cluster_);
}

TEST_F(SqlPrograms, MalformedRowFailsTheProgramWithFileAndLine) {
  fs::create_directories(*dir_ + "/bad");
  {
    // Past the rows that schema inference samples, so v is inferred as DOUBLE.
    std::ofstream f(*dir_ + "/bad/a.csv");
    f << "k,v\n";
    for (int i = 1; i < 3000; ++i) f << i << "," << i << ".5\n";
    f << "3000,x7\n3001,1.0\n";
  }
  auto r = cluster_->run_sql("SELECT sum(v) FROM b", {{"b", *dir_ + "/bad/*.csv"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("a.csv:3001:2"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("x7"), std::string::npos) << r.status().message();
  testing::expect_ledger_whole(*cluster_);
}

TEST_F(SqlPrograms, ProgressEventsShowCapacityObtainedAndYielded) {
  auto r =
      cluster_->run_sql("SELECT flag, count(*) FROM t GROUP BY flag ORDER BY flag", bindings());
  ASSERT_TRUE(r.ok()) << r.status().message();
  int obtained = 0, yielded = 0, finished = 0, handed = 0;
  for (const auto& e : r->events) {
    obtained += e.kind == progress_kind::capacity_obtained;
    yielded += e.kind == progress_kind::capacity_yielded;
    finished += e.kind == progress_kind::portion_finished;
    handed += e.kind == progress_kind::capacity_yielded && e.to.rfind("portion", 0) == 0;
  }
  EXPECT_EQ(finished, 3);        // scan, final aggregate, result
  EXPECT_EQ(obtained, yielded);  // every lease obtained is given back
  EXPECT_GE(handed, 1);          // a finishing portion handed a lease to its successor
  testing::expect_ledger_whole(*cluster_);
}

}  // namespace
}  // namespace tranche
