// Fuzz-style robustness tests: thousands of random, truncated and mutated
// statements must each compile or fail with a positioned error, never crash,
// throw or build an inconsistent tree; pathological nesting must fail cleanly
// instead of exhausting the stack.
#include <gtest/gtest.h>

#include <random>

#include "plan_check.h"
#include "sql_test_util.h"

namespace tranche::sql_test {
namespace {

const std::vector<std::string> kCorpus = {
    "SELECT flag, sum(price) AS revenue, avg(quantity), count(*) FROM t WHERE shipdate < DATE "
    "'1998-09-02' GROUP BY flag ORDER BY flag",
    "SELECT * FROM t",
    "SELECT key, price * 2 AS p FROM t WHERE key > 10 AND NOT flag IS NULL ORDER BY p DESC "
    "NULLS LAST LIMIT 5;",
    "SELECT key % 10 AS b, count(key), min(shipdate) FROM t GROUP BY b HAVING count(*) > 1 "
    "ORDER BY 2, sum(price)",
    "select CAST(key AS DOUBLE) / 3, -price, 'it''s', \"flag\" from t x where x.price >= 1.5e2 "
    "or shipdate = '1998-01-01' -- comment\n order by key + 1",
    "SELECT max(price) - min(price), count(*) FROM t /* block */ HAVING avg(quantity) > 2",
};

const std::vector<std::string> kTokens = {
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "BY",
    "HAVING",
    "ORDER",
    "LIMIT",
    "AS",
    "AND",
    "OR",
    "NOT",
    "IS",
    "NULL",
    "TRUE",
    "FALSE",
    "ASC",
    "DESC",
    "NULLS",
    "FIRST",
    "LAST",
    "CAST",
    "DATE",
    "DOUBLE",
    "VARCHAR",
    "DECIMAL",
    "t",
    "x",
    "key",
    "price",
    "quantity",
    "shipdate",
    "flag",
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "summ",
    "*",
    "+",
    "-",
    "/",
    "%",
    "=",
    "<>",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "(",
    ")",
    ",",
    ".",
    ";",
    "1",
    "0",
    "-1",
    "2.5",
    "1e3",
    "'a'",
    "'1998-01-01'",
    "'1998-13-01'",
    "\"key\"",
    "JOIN",
    "IN",
    "--",
    "/*",
    "*/",
    "'",
    "\"",
};

// The result must be OK with a consistent tree, or an error with a position.
void check_outcome(const std::string& sql) {
  static const fake_catalog cat;
  absl::StatusOr<logical_ptr> r = compile_sql(sql, cat);
  if (r.ok()) {
    ASSERT_NE(*r, nullptr) << sql;
    EXPECT_EQ(check_plan(**r), "") << sql;
    return;
  }
  EXPECT_TRUE(absl::IsInvalidArgument(r.status()) || absl::IsNotFound(r.status()))
      << sql << " -> " << r.status();
  EXPECT_EQ(r.status().message().substr(0, 5), "line ") << sql << " -> " << r.status();
}

TEST(SqlRobustness, CorpusCompiles) {
  for (const std::string& sql : kCorpus) {
    absl::StatusOr<logical_ptr> r = compile_sql(sql, fake_catalog());
    ASSERT_TRUE(r.ok()) << sql << " -> " << r.status();
    EXPECT_EQ(check_plan(**r), "") << sql;
  }
}

TEST(SqlRobustness, EveryPrefixOfTheCorpus) {
  for (const std::string& sql : kCorpus)
    for (size_t n = 0; n <= sql.size(); ++n) check_outcome(sql.substr(0, n));
}

TEST(SqlRobustness, MutatedCorpus) {
  std::mt19937 rng(12345);
  for (int i = 0; i < 4000; ++i) {
    std::string sql = kCorpus[rng() % kCorpus.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !sql.empty(); ++e) {
      size_t at = rng() % sql.size();
      switch (rng() % 4) {
        case 0:
          sql.erase(at, 1 + rng() % 8);
          break;
        case 1:
          sql.insert(at, kTokens[rng() % kTokens.size()] + " ");
          break;
        case 2:
          sql[at] = static_cast<char>(rng() % 256);
          break;
        case 3:
          sql.insert(at, sql.substr(rng() % sql.size(), rng() % 12));
          break;
      }
    }
    check_outcome(sql);
  }
}

TEST(SqlRobustness, RandomTokenSequences) {
  std::mt19937 rng(777);
  for (int i = 0; i < 4000; ++i) {
    std::string sql = rng() % 2 ? "SELECT " : "";
    int n = static_cast<int>(rng() % 30);
    for (int k = 0; k < n; ++k) sql += kTokens[rng() % kTokens.size()] + " ";
    check_outcome(sql);
  }
}

TEST(SqlRobustness, RandomBytes) {
  std::mt19937 rng(99);
  for (int i = 0; i < 2000; ++i) {
    std::string sql(rng() % 64, '\0');
    for (char& c : sql) c = static_cast<char>(rng() % 256);
    check_outcome(sql);
  }
}

TEST(SqlRobustness, PathologicalNestingFailsCleanly) {
  const int kHuge = 200000;
  for (const std::string& unit : {std::string("("), std::string("NOT "), std::string("- "),
                                  std::string("sum("), std::string("CAST(")}) {
    std::string sql = "SELECT key FROM t WHERE ";
    for (int i = 0; i < kHuge; ++i) sql += unit;
    EXPECT_NE(compile_error(sql).find("expression nested too deeply"), std::string::npos);
  }
  std::string chain = "SELECT 1";
  for (int i = 0; i < kHuge; ++i) chain += " + 1";
  EXPECT_NE(compile_error(chain).find("expression nested too deeply"), std::string::npos);
  std::string items = "SELECT 1";
  for (int i = 0; i < 20000; ++i) items += ", key";
  EXPECT_EQ(compile_error(items + " FROM t"), "OK");
}

}  // namespace
}  // namespace tranche::sql_test
