// The binder's join, subquery and set-operation rules: where WHERE terms go
// (pushed below joins, turned into keys), how subqueries decorrelate, and the
// errors for what is not supported, with positions.
#include <gtest/gtest.h>

#include <functional>

#include "plan_check.h"
#include "sql_test_util.h"

namespace tranche::sql_test {
namespace {

// Every node of the tree, depth first.
void walk(const logical_node& n, const std::function<void(const logical_node&)>& f) {
  f(n);
  for (const logical_ptr& in : n.inputs) walk(*in, f);
}

std::vector<const logical_node*> nodes_of(const logical_node& root, logical_kind kind) {
  std::vector<const logical_node*> out;
  walk(root, [&](const logical_node& n) {
    if (n.kind == kind) out.push_back(&n);
  });
  return out;
}

logical_ptr compiled(const std::string& sql) {
  fake_catalog cat;
  auto p = compile_sql(sql, cat);
  EXPECT_TRUE(p.ok()) << sql << ": " << p.status();
  if (!p.ok()) return nullptr;
  EXPECT_EQ(check_plan(**p), "") << sql;
  return *p;
}

TEST(SqlJoins, EquiTermsBecomeKeysAndSingleTableTermsArePushedDown) {
  auto p = compiled(
      "SELECT a.key, b.price FROM t a, t b WHERE a.key = b.quantity AND a.flag = 'A' AND "
      "b.price > 2");
  ASSERT_TRUE(p);
  auto joins = nodes_of(*p, logical_kind::join);
  ASSERT_EQ(joins.size(), 1u);
  EXPECT_EQ(joins[0]->join, join_type::inner);
  EXPECT_EQ(joins[0]->left_keys.size(), 1u);
  EXPECT_FALSE(joins[0]->predicate);
  // Both filters sit below the join, each right above its scan.
  for (const logical_ptr& in : joins[0]->inputs) {
    const logical_node* n = in.get();
    while (n->kind == logical_kind::project) n = n->inputs[0].get();
    EXPECT_EQ(n->kind, logical_kind::filter);
    EXPECT_EQ(n->inputs[0]->kind, logical_kind::scan);
  }
  // Only the columns used are scanned.
  for (const logical_node* s : nodes_of(*p, logical_kind::scan)) EXPECT_LE(s->columns.size(), 3u);
}

TEST(SqlJoins, OrBranchesShareTheirJoinKey) {
  auto p = compiled(
      "SELECT count(*) FROM t a, lineitem l WHERE (a.key = l.l_orderkey AND a.flag = 'A') OR "
      "(a.key = l.l_orderkey AND a.price > 5)");
  ASSERT_TRUE(p);
  auto joins = nodes_of(*p, logical_kind::join);
  ASSERT_EQ(joins.size(), 1u);
  EXPECT_EQ(joins[0]->left_keys.size(), 1u);
}

TEST(SqlJoins, SubqueriesBecomeSemiAndAntiJoins) {
  auto kinds = [](const std::string& sql) {
    std::vector<join_type> out;
    auto p = compiled(sql);
    if (p)
      for (const logical_node* j : nodes_of(*p, logical_kind::join)) out.push_back(j->join);
    return out;
  };
  EXPECT_EQ(kinds("SELECT key FROM t WHERE EXISTS (SELECT * FROM lineitem WHERE l_orderkey = "
                  "key)"),
            std::vector<join_type>{join_type::semi});
  EXPECT_EQ(kinds("SELECT key FROM t WHERE NOT EXISTS (SELECT * FROM lineitem WHERE l_orderkey = "
                  "key AND l_comment <> flag)"),
            std::vector<join_type>{join_type::anti});
  EXPECT_EQ(kinds("SELECT key FROM t WHERE key NOT IN (SELECT l_orderkey FROM lineitem)"),
            std::vector<join_type>{join_type::anti_null_aware});
  EXPECT_EQ(kinds("SELECT key FROM t WHERE key IN (SELECT l_orderkey FROM lineitem GROUP BY "
                  "l_orderkey HAVING count(*) > 2)"),
            std::vector<join_type>{join_type::semi});
}

TEST(SqlJoins, ScalarSubqueryIsAOneRowJoin) {
  auto p = compiled("SELECT key FROM t WHERE price > (SELECT avg(price) FROM t)");
  ASSERT_TRUE(p);
  EXPECT_EQ(nodes_of(*p, logical_kind::single_row).size(), 1u);
  auto joins = nodes_of(*p, logical_kind::join);
  ASSERT_EQ(joins.size(), 1u);
  EXPECT_TRUE(joins[0]->left_keys.empty());
}

TEST(SqlJoins, WithUnionAndDistinct) {
  auto p = compiled(
      "WITH x AS (SELECT key FROM t) SELECT key FROM x UNION ALL SELECT l_orderkey FROM lineitem "
      "ORDER BY 1 LIMIT 5");
  ASSERT_TRUE(p);
  EXPECT_EQ(nodes_of(*p, logical_kind::union_all).size(), 1u);
  p = compiled("SELECT DISTINCT flag FROM t");
  ASSERT_TRUE(p);
  EXPECT_EQ(nodes_of(*p, logical_kind::aggregate).size(), 1u);
}

TEST(SqlLiterals, DecimalArithmeticOnLiteralsIsExact) {
  // In doubles .06 + 0.01 < 0.07; as SQL DECIMALs it is 0.07 (TPC-H Q6).
  auto p = compiled("SELECT .06 + 0.01, .06 - 0.01, 1.1 * 3, 0.1 + 0.2 FROM t");
  ASSERT_TRUE(p);
  const logical_node* proj = p.get();
  while (proj->kind != logical_kind::project) proj = proj->inputs[0].get();
  ASSERT_EQ(proj->exprs.size(), 4u);
  EXPECT_EQ(std::get<double>(proj->exprs[0]->literal), 0.07);
  EXPECT_EQ(std::get<double>(proj->exprs[1]->literal), 0.05);
  EXPECT_EQ(std::get<double>(proj->exprs[2]->literal), 3.3);
  EXPECT_EQ(std::get<double>(proj->exprs[3]->literal), 0.3);
  EXPECT_EQ(proj->output.fields[0].name, ".06 + 0.01");
}

TEST(SqlJoins, Errors) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"SELECT key FROM t a, t b", "line 1, column 8: column reference \"key\" is ambiguous"},
      {"SELECT x.key FROM t a, t b", "line 1, column 8: missing FROM-clause entry for table \"x\""},
      {"SELECT key FROM t WHERE price > (SELECT l_orderkey FROM lineitem WHERE l_orderkey = key)",
       "line 1, column 85: \"key\" is a column of the enclosing query: correlated subqueries are "
       "supported in EXISTS and IN conditions, in the subquery's WHERE clause"},
      {"SELECT key FROM t WHERE key IN (SELECT l_orderkey, l_comment FROM lineitem)",
       "line 1, column 40: a subquery used with IN must return one column"},
      {"SELECT key FROM t UNION ALL SELECT key, price FROM t",
       "line 1, column 36: each UNION ALL query must have the same number of columns (1 and 2)"},
      {"SELECT flag FROM t UNION ALL SELECT key FROM t",
       "line 1, column 37: UNION ALL column 1 has types VARCHAR and BIGINT"},
      {"WITH x AS (SELECT 1 FROM t), x AS (SELECT 2 FROM t) SELECT * FROM x",
       "line 1, column 30: WITH query name \"x\" specified more than once"},
      {"SELECT key FROM t WHERE flag OR EXISTS (SELECT * FROM lineitem)",
       "line 1, column 33: EXISTS is only supported as a condition of WHERE, combined with the "
       "others by AND"},
      {"SELECT DISTINCT flag FROM t ORDER BY price",
       "line 1, column 38: for SELECT DISTINCT, ORDER BY expressions must appear in select list"},
  };
  for (const auto& [sql, message] : cases) {
    absl::Status s = compile_status(sql);
    EXPECT_EQ(std::string(s.message()), message) << sql;
  }
}

}  // namespace
}  // namespace tranche::sql_test
