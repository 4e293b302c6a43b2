// Regressions found by the SQL fuzz target (tools/fuzz/targets/sql.cc); the
// inputs themselves are in tools/fuzz/corpus/sql/ (replayed by ctest fuzz_sql).
#include <gtest/gtest.h>

#include <string>

#include "sql/parser.h"
#include "sql_test_util.h"

namespace tranche::sql_test {
namespace {

// Every UNION ALL term and every subquery kept its own copy of the whole
// statement text (for error spans), so memory grew with terms x text: a
// 600 KB union of 20,000 SELECTs needed more than 2 GB. They now share one.
TEST(SqlFuzzRegression, UnionTermsAndSubqueriesShareTheStatementText) {
  auto q = sql::parse_query(
      "SELECT key FROM t UNION ALL SELECT key FROM (SELECT key FROM t) x UNION ALL "
      "SELECT quantity FROM t");
  ASSERT_TRUE(q.ok()) << q.status();
  ASSERT_EQ(q->terms.size(), 3u);
  ASSERT_NE(q->sql, nullptr);
  for (const auto& term : q->terms) EXPECT_EQ(term->sql.get(), q->sql.get());
  ASSERT_EQ(q->terms[1]->from.size(), 1u);
  ASSERT_NE(q->terms[1]->from[0].derived, nullptr);
  EXPECT_EQ(q->terms[1]->from[0].derived->sql.get(), q->sql.get());
}

TEST(SqlFuzzRegression, AUnionOfThousandsOfTermsCompiles) {
  std::string sql = "SELECT key FROM t";
  for (int i = 1; i < 5000; ++i) sql += " UNION ALL SELECT key FROM t";
  logical_ptr plan = compile_ok(sql);
  ASSERT_NE(plan, nullptr);
  const logical_node* n = plan.get();
  while (n->kind != logical_kind::union_all && !n->inputs.empty()) n = n->inputs[0].get();
  ASSERT_EQ(n->kind, logical_kind::union_all);
  EXPECT_EQ(n->inputs.size(), 5000u);
}

}  // namespace
}  // namespace tranche::sql_test
