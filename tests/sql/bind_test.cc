// Tests of the logical trees compile_sql builds: node shapes, the scan's
// projected columns, output schemas (names and types), expression typing, and
// the GROUP BY / HAVING / ORDER BY / LIMIT rules of SQL v1.
#include <gtest/gtest.h>

#include "plan_check.h"
#include "sql_test_util.h"

namespace tranche::sql_test {
namespace {

using ints = std::vector<int>;
using strings = std::vector<std::string>;

// Compiles `sql`, checks the tree is consistent, and returns its root.
logical_ptr plan_of(std::string_view sql) {
  logical_ptr p = compile_ok(sql);
  if (p) {
    EXPECT_EQ(check_plan(*p), "") << sql;
  }
  return p;
}

std::string expr_text(const expr_ptr& e, const schema& input) { return to_string(*e, &input); }

TEST(SqlBind, CanonicalAggregateQuery) {
  logical_ptr p = plan_of(
      "SELECT flag, sum(price) AS revenue, avg(quantity), count(*) FROM t "
      "WHERE shipdate < DATE '1998-09-02' GROUP BY flag ORDER BY flag");
  ASSERT_TRUE(p);
  EXPECT_EQ(shape(*p), "sort(project(aggregate(filter(scan))))");

  const logical_node& scan = below(*p, 4);
  EXPECT_EQ(scan.table, "t");
  EXPECT_EQ(scan.files, (strings{"/data/t/part-0.csv", "/data/t/part-1.csv"}));
  EXPECT_EQ(scan.format.delimiter, '|');
  EXPECT_EQ(scan.table_schema.size(), 5u);
  EXPECT_EQ(scan.columns, (ints{1, 2, 3, 4}));
  EXPECT_EQ(describe(scan.output), "price DOUBLE, quantity BIGINT, shipdate DATE, flag VARCHAR");

  const logical_node& filter = below(*p, 3);
  EXPECT_EQ(expr_text(filter.predicate, scan.output), "(shipdate < DATE '1998-09-02')");
  EXPECT_EQ(filter.predicate->args[0]->index, 2);

  const logical_node& agg = below(*p, 2);
  ASSERT_EQ(agg.group_keys.size(), 1u);
  EXPECT_EQ(agg.group_keys[0]->op, expr_op::column);
  EXPECT_EQ(agg.group_keys[0]->index, 3);
  ASSERT_EQ(agg.aggregates.size(), 3u);
  EXPECT_EQ(agg.aggregates[0].fn, agg_fn::sum);
  EXPECT_EQ(agg.aggregates[0].arg->index, 0);
  EXPECT_EQ(agg.aggregates[1].fn, agg_fn::avg);
  EXPECT_EQ(agg.aggregates[1].arg->index, 1);
  EXPECT_EQ(agg.aggregates[2].fn, agg_fn::count_star);
  EXPECT_EQ(agg.aggregates[2].arg, nullptr);
  EXPECT_EQ(describe(agg.output),
            "flag VARCHAR, sum(price) DOUBLE, avg(quantity) DOUBLE, count(*) BIGINT");

  const logical_node& project = below(*p, 1);
  EXPECT_EQ(describe(project.output),
            "flag VARCHAR, revenue DOUBLE, avg(quantity) DOUBLE, count(*) BIGINT");
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(project.exprs[i]->op, expr_op::column);
    EXPECT_EQ(project.exprs[i]->index, i);
  }
  ASSERT_EQ(p->keys.size(), 1u);
  EXPECT_EQ(p->keys[0].column, 0);
  EXPECT_TRUE(p->keys[0].ascending);
  EXPECT_FALSE(p->keys[0].nulls_first);
  EXPECT_EQ(describe(p->output), describe(project.output));
}

TEST(SqlBind, SelectStarReadsEveryColumn) {
  logical_ptr p = plan_of("SELECT * FROM t");
  ASSERT_TRUE(p);
  EXPECT_EQ(shape(*p), "project(scan)");
  EXPECT_EQ(below(*p, 1).columns, (ints{0, 1, 2, 3, 4}));
  EXPECT_EQ(describe(p->output),
            "key BIGINT, price DOUBLE, quantity BIGINT, shipdate DATE, flag VARCHAR");
  p = plan_of("SELECT x.*, 1 AS one FROM t AS x");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->output.size(), 6u);
}

TEST(SqlBind, ScanReadsOnlyReferencedColumnsInTableOrder) {
  logical_ptr p = plan_of("SELECT flag, key FROM t WHERE price > 1");
  ASSERT_TRUE(p);
  EXPECT_EQ(shape(*p), "project(filter(scan))");
  const logical_node& scan = below(*p, 2);
  EXPECT_EQ(scan.columns, (ints{0, 1, 4}));
  EXPECT_EQ(p->exprs[0]->index, 2);
  EXPECT_EQ(p->exprs[1]->index, 0);
  const expr_ptr& pred = below(*p, 1).predicate;
  EXPECT_EQ(pred->args[0]->index, 1);
  // The BIGINT literal compared with a DOUBLE is folded to a DOUBLE literal.
  EXPECT_EQ(pred->args[1]->op, expr_op::literal);
  EXPECT_EQ(pred->args[1]->type, type_id::float64);
}

TEST(SqlBind, GlobalCountReadsNoColumns) {
  logical_ptr p = plan_of("SELECT count(*) FROM t");
  ASSERT_TRUE(p);
  EXPECT_EQ(shape(*p), "project(aggregate(scan))");
  EXPECT_TRUE(below(*p, 2).columns.empty());
  EXPECT_TRUE(below(*p, 1).group_keys.empty());
  EXPECT_EQ(describe(p->output), "count(*) BIGINT");
}

TEST(SqlBind, GlobalAggregateTypes) {
  logical_ptr p = plan_of(
      "SELECT sum(key), sum(price), min(flag), max(shipdate), avg(price), count(flag), "
      "avg(key) FROM t");
  ASSERT_TRUE(p);
  EXPECT_EQ(describe(p->output),
            "sum(key) BIGINT, sum(price) DOUBLE, min(flag) VARCHAR, max(shipdate) DATE, "
            "avg(price) DOUBLE, count(flag) BIGINT, avg(key) DOUBLE");
  EXPECT_EQ(below(*p, 1).aggregates[5].fn, agg_fn::count);
}

TEST(SqlBind, DistinctAggregateCallsAreComputedOnce) {
  logical_ptr p = plan_of("SELECT sum(price), SUM(Price) + 1, sum(t.price) * count(*) FROM t");
  ASSERT_TRUE(p);
  const logical_node& agg = below(*p, 1);
  ASSERT_EQ(agg.aggregates.size(), 2u);
  EXPECT_EQ(agg.aggregates[0].name, "sum(price)");
  EXPECT_EQ(agg.aggregates[1].name, "count(*)");
  EXPECT_EQ(describe(p->output),
            "sum(price) DOUBLE, SUM(Price) + 1 DOUBLE, sum(t.price) * count(*) DOUBLE");
}

TEST(SqlBind, CountDistinct) {
  logical_ptr p = plan_of(
      "SELECT flag, COUNT(DISTINCT Key), count(key), count(distinct key) + 1, count(*) FROM t "
      "GROUP BY flag HAVING count(DISTINCT price) > 2");
  ASSERT_TRUE(p);
  EXPECT_EQ(shape(*p), "project(filter(aggregate(scan)))");
  const logical_node& agg = below(*p, 2);
  ASSERT_EQ(agg.aggregates.size(), 4u);
  EXPECT_EQ(agg.aggregates[0].fn, agg_fn::count_distinct);
  EXPECT_EQ(agg.aggregates[1].fn, agg_fn::count);
  EXPECT_EQ(agg.aggregates[3].fn, agg_fn::count_distinct);
  EXPECT_EQ(describe(agg.output),
            "flag VARCHAR, count(distinct key) BIGINT, count(key) BIGINT, count(*) BIGINT, "
            "count(distinct price) BIGINT");
  EXPECT_EQ(describe(p->output),
            "flag VARCHAR, count(distinct key) BIGINT, count(key) BIGINT, "
            "count(distinct key) + 1 BIGINT, count(*) BIGINT");
}

TEST(SqlBind, ArithmeticTyping) {
  logical_ptr p = plan_of(
      "SELECT key + quantity, key * price, key / quantity, -key, key % 3, price - 1, "
      "-price, 2 * 3 FROM t");
  ASSERT_TRUE(p);
  EXPECT_EQ(describe(p->output),
            "key + quantity BIGINT, key * price DOUBLE, key / quantity DOUBLE, -key BIGINT, "
            "key % 3 BIGINT, price - 1 DOUBLE, -price DOUBLE, 2 * 3 BIGINT");
}

TEST(SqlBind, OperatorPrecedence) {
  logical_ptr p = plan_of(
      "SELECT key + quantity * 2 - -key, (key + quantity) * 2, -key * 3 FROM t "
      "WHERE key = 1 OR key = 2 AND NOT price > 3 OR flag IS NOT NULL");
  ASSERT_TRUE(p);
  const schema& in = below(*p, 1).output;
  EXPECT_EQ(expr_text(p->exprs[0], in), "((key + (quantity * 2)) - -key)");
  EXPECT_EQ(expr_text(p->exprs[1], in), "((key + quantity) * 2)");
  EXPECT_EQ(expr_text(p->exprs[2], in), "(-key * 3)");
  EXPECT_EQ(expr_text(below(*p, 1).predicate, below(*p, 2).output),
            "(((key = 1) OR ((key = 2) AND NOT (price > 3))) OR flag IS NOT NULL)");
}

TEST(SqlBind, ComparisonTyping) {
  logical_ptr p = plan_of(
      "SELECT key < price, price = 1, shipdate >= '1998-01-01', flag = 'A', key = NULL, "
      "flag IS NULL, NOT (key > 1), TRUE = (key > 1) FROM t");
  ASSERT_TRUE(p);
  for (const field& f : p->output.fields) EXPECT_EQ(f.type, type_id::boolean) << f.name;
  // BIGINT side of a mixed comparison is cast to DOUBLE.
  EXPECT_EQ(p->exprs[0]->args[0]->op, expr_op::cast);
  EXPECT_EQ(p->exprs[0]->args[0]->type, type_id::float64);
  // A string literal compared with a DATE becomes a DATE literal.
  const expr_ptr& date = p->exprs[2]->args[1];
  EXPECT_EQ(date->op, expr_op::literal);
  EXPECT_EQ(date->type, type_id::date);
  EXPECT_EQ(tranche::to_string(date->literal), "1998-01-01");
  // NULL takes the other operand's type.
  EXPECT_EQ(p->exprs[4]->args[1]->type, type_id::int64);
  EXPECT_TRUE(is_null(p->exprs[4]->args[1]->literal));
  EXPECT_EQ(p->exprs[5]->op, expr_op::is_null);
}

TEST(SqlBind, CastTargets) {
  logical_ptr p = plan_of(
      "SELECT CAST(key AS DOUBLE), CAST(price AS INT), CAST(flag AS DATE), "
      "CAST('1998-01-02' AS DATE), CAST(price AS DECIMAL(12,2)), CAST(key AS VARCHAR), "
      "CAST(key AS TEXT), CAST(1 AS BOOLEAN), CAST(key AS BIGINT), CAST(price AS REAL), "
      "CAST(key AS FLOAT), CAST(flag AS STRING), CAST(quantity AS INTEGER), "
      "CAST(NULL AS DATE), cast(shipdate as varchar(10)) FROM t");
  ASSERT_TRUE(p);
  std::vector<type_id> want = {
      type_id::float64, type_id::int64,  type_id::date,    type_id::date,  type_id::float64,
      type_id::string,  type_id::string, type_id::boolean, type_id::int64, type_id::float64,
      type_id::float64, type_id::string, type_id::int64,   type_id::date,  type_id::string};
  ASSERT_EQ(p->output.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(p->output.fields[i].type, want[i]) << i;
  EXPECT_EQ(p->exprs[0]->op, expr_op::cast);
  EXPECT_EQ(p->exprs[3]->op, expr_op::literal);  // checked and folded at bind time
  EXPECT_EQ(p->exprs[8]->op, expr_op::column);   // a cast to the same type is dropped
}

TEST(SqlBind, Literals) {
  logical_ptr p = plan_of(
      "SELECT 1, 1.5, 1e3, .5, 'it''s', TRUE, false, NULL, DATE '2000-02-29', "
      "-9223372036854775808, -2.5 FROM t");
  ASSERT_TRUE(p);
  EXPECT_EQ(describe(p->output),
            "1 BIGINT, 1.5 DOUBLE, 1e3 DOUBLE, .5 DOUBLE, 'it''s' VARCHAR, TRUE BOOLEAN, "
            "false BOOLEAN, NULL VARCHAR, DATE '2000-02-29' DATE, -9223372036854775808 BIGINT, "
            "-2.5 DOUBLE");
  EXPECT_EQ(p->exprs[2]->literal, value(1000.0));
  EXPECT_EQ(p->exprs[3]->literal, value(0.5));
  EXPECT_EQ(p->exprs[4]->literal, value(std::string("it's")));
  EXPECT_EQ(p->exprs[9]->literal, value(INT64_MIN));
  EXPECT_TRUE(below(*p, 1).columns.empty());

  p = plan_of("SELECT 1., 1.e5, -.5, 1E+3, -(2), - 2.5, -(-(3)) FROM t");
  ASSERT_TRUE(p);
  std::vector<value> want = {1.0, 1e5, -0.5, 1000.0, int64_t{-2}, -2.5, int64_t{3}};
  ASSERT_EQ(p->exprs.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(p->exprs[i]->op, expr_op::literal) << i;  // negated constants are folded
    EXPECT_EQ(p->exprs[i]->literal, want[i]) << i;
  }
}

TEST(SqlBind, OutputNames) {
  logical_ptr p = plan_of(
      "select T.Price, \"FLAG\", key AS \"My Key\", quantity q, SUM( Price ), COUNT(*), "
      "  price*2  , (price) FROM T group by 1, 2, 3, 4, 8");
  ASSERT_TRUE(p);
  EXPECT_EQ(describe(p->output),
            "price DOUBLE, flag VARCHAR, My Key BIGINT, q BIGINT, sum(price) DOUBLE, "
            "count(*) BIGINT, price*2 DOUBLE, price DOUBLE");
}

TEST(SqlBind, CaseInsensitiveKeywordsCommentsAndSemicolon) {
  logical_ptr p = plan_of(
      "sElEcT key -- the key\n, /* a block\ncomment */ PRICE fRoM t wHeRe key > 0 "
      "Order By 1 DeSc LiMiT 3;");
  ASSERT_TRUE(p);
  EXPECT_EQ(shape(*p), "limit(sort(project(filter(scan))))");
  EXPECT_EQ(describe(p->output), "key BIGINT, price DOUBLE");
  EXPECT_EQ(p->limit, 3);
}

TEST(SqlBind, QualifiedNamesUseTheAlias) {
  logical_ptr p = plan_of("SELECT x.key, X.\"price\" FROM t x WHERE x.flag = 'R'");
  ASSERT_TRUE(p);
  EXPECT_EQ(below(*p, 2).columns, (ints{0, 1, 4}));
  EXPECT_TRUE(plan_of("SELECT t.key FROM t"));
  // With a single table, its name still qualifies columns after an alias.
  EXPECT_TRUE(plan_of("SELECT t.key, a.price, T.* FROM t AS a"));
}

TEST(SqlBind, OrderByNameAliasAndPosition) {
  logical_ptr p = plan_of("SELECT key, price AS p FROM t ORDER BY p DESC, key");
  ASSERT_TRUE(p);
  EXPECT_EQ(shape(*p), "sort(project(scan))");
  ASSERT_EQ(p->keys.size(), 2u);
  EXPECT_EQ(p->keys[0].column, 1);
  EXPECT_FALSE(p->keys[0].ascending);
  EXPECT_TRUE(p->keys[0].nulls_first);  // DESC defaults to NULLS FIRST
  EXPECT_EQ(p->keys[1].column, 0);
  EXPECT_TRUE(p->keys[1].ascending);
  EXPECT_FALSE(p->keys[1].nulls_first);

  p = plan_of("SELECT key, price FROM t ORDER BY 2 ASC NULLS FIRST, 1 DESC NULLS LAST");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->keys[0].column, 1);
  EXPECT_TRUE(p->keys[0].nulls_first);
  EXPECT_EQ(p->keys[1].column, 0);
  EXPECT_FALSE(p->keys[1].ascending);
  EXPECT_FALSE(p->keys[1].nulls_first);

  // An output alias wins over a table column of the same name.
  p = plan_of("SELECT price AS key FROM t ORDER BY key");
  ASSERT_TRUE(p);
  EXPECT_EQ(shape(*p), "sort(project(scan))");
  EXPECT_EQ(below(*p, 2).columns, (ints{1}));
}

TEST(SqlBind, OrderByExpressionInSelectListReusesIt) {
  logical_ptr p = plan_of("SELECT key * 2 AS k2, flag FROM t ORDER BY key*2, t.flag");
  ASSERT_TRUE(p);
  EXPECT_EQ(shape(*p), "sort(project(scan))");
  EXPECT_EQ(p->keys[0].column, 0);
  EXPECT_EQ(p->keys[1].column, 1);
}

TEST(SqlBind, OrderByHiddenExpressionIsDroppedAfterSort) {
  logical_ptr p = plan_of("SELECT key FROM t ORDER BY price DESC, key + 1 LIMIT 5");
  ASSERT_TRUE(p);
  EXPECT_EQ(shape(*p), "project(limit(sort(project(scan))))");
  const logical_node& inner = below(*p, 3);
  EXPECT_EQ(describe(inner.output), "key BIGINT, price DOUBLE, key + 1 BIGINT");
  const logical_node& sort = below(*p, 2);
  EXPECT_EQ(sort.keys[0].column, 1);
  EXPECT_EQ(sort.keys[1].column, 2);
  EXPECT_EQ(below(*p, 1).limit, 5);
  EXPECT_EQ(describe(p->output), "key BIGINT");
  EXPECT_EQ(p->exprs[0]->index, 0);
}

TEST(SqlBind, OrderByAggregates) {
  logical_ptr p =
      plan_of("SELECT flag, count(*) FROM t GROUP BY flag ORDER BY sum(price) DESC, count(*)");
  ASSERT_TRUE(p);
  EXPECT_EQ(shape(*p), "project(sort(project(aggregate(scan))))");
  const logical_node& agg = below(*p, 3);
  EXPECT_EQ(describe(agg.output), "flag VARCHAR, count(*) BIGINT, sum(price) DOUBLE");
  const logical_node& sort = below(*p, 1);
  EXPECT_EQ(sort.keys[0].column, 2);
  EXPECT_EQ(sort.keys[1].column, 1);
  EXPECT_EQ(describe(p->output), "flag VARCHAR, count(*) BIGINT");

  // An aggregate only in ORDER BY still makes the query grouped.
  p = plan_of("SELECT count(*) FROM t ORDER BY max(key)");
  ASSERT_TRUE(p);
  EXPECT_EQ(shape(*p), "project(sort(project(aggregate(scan))))");
}

TEST(SqlBind, GroupByPositionAndAlias) {
  for (const char* sql : {"SELECT flag AS f, count(*) FROM t GROUP BY 1",
                          "SELECT flag AS f, count(*) FROM t GROUP BY f",
                          "SELECT flag AS f, count(*) FROM t GROUP BY t.flag"}) {
    logical_ptr p = plan_of(sql);
    ASSERT_TRUE(p);
    EXPECT_EQ(shape(*p), "project(aggregate(scan))") << sql;
    EXPECT_EQ(describe(below(*p, 1).output), "flag VARCHAR, count(*) BIGINT") << sql;
    EXPECT_EQ(describe(p->output), "f VARCHAR, count(*) BIGINT") << sql;
  }
}

TEST(SqlBind, GroupByExpression) {
  for (const char* sql : {"SELECT key % 10 AS bucket, sum(price) FROM t GROUP BY bucket",
                          "SELECT key % 10, sum(price) FROM t GROUP BY key % 10",
                          "SELECT key % 10, sum(price) FROM t GROUP BY 1"}) {
    logical_ptr p = plan_of(sql);
    ASSERT_TRUE(p);
    const logical_node& agg = below(*p, 1);
    ASSERT_EQ(agg.group_keys.size(), 1u) << sql;
    EXPECT_EQ(describe(agg.output), "key % 10 BIGINT, sum(price) DOUBLE") << sql;
    EXPECT_EQ(p->exprs[0]->op, expr_op::column) << sql;
  }
  // Expressions built from keys and aggregates.
  logical_ptr p =
      plan_of("SELECT flag, sum(price) * 2 + count(*), key + 1 FROM t GROUP BY flag, key, flag");
  ASSERT_TRUE(p);
  const logical_node& agg = below(*p, 1);
  EXPECT_EQ(agg.group_keys.size(), 2u);  // the repeated flag is one key
  EXPECT_EQ(describe(p->output), "flag VARCHAR, sum(price) * 2 + count(*) DOUBLE, key + 1 BIGINT");
  EXPECT_EQ(expr_text(p->exprs[1], agg.output), "((sum(price) * 2) + count(*))");
}

TEST(SqlBind, Having) {
  logical_ptr p =
      plan_of("SELECT flag FROM t GROUP BY flag HAVING count(*) > 10 AND sum(price) > 100.5");
  ASSERT_TRUE(p);
  EXPECT_EQ(shape(*p), "project(filter(aggregate(scan)))");
  const logical_node& agg = below(*p, 2);
  EXPECT_EQ(describe(agg.output), "flag VARCHAR, count(*) BIGINT, sum(price) DOUBLE");
  EXPECT_EQ(expr_text(below(*p, 1).predicate, agg.output),
            "((count(*) > 10) AND (sum(price) > 100.5))");
  EXPECT_EQ(describe(p->output), "flag VARCHAR");

  p = plan_of("SELECT count(*) FROM t HAVING count(*) > 1");
  ASSERT_TRUE(p);
  EXPECT_EQ(shape(*p), "project(filter(aggregate(scan)))");
  EXPECT_TRUE(below(*p, 2).group_keys.empty());
}

TEST(SqlBind, Limit) {
  logical_ptr p = plan_of("SELECT key FROM t LIMIT 10");
  ASSERT_TRUE(p);
  EXPECT_EQ(shape(*p), "limit(project(scan))");
  EXPECT_EQ(p->limit, 10);
  p = plan_of("SELECT key FROM t LIMIT 0");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->limit, 0);
}

TEST(SqlBind, TableNamesAreCaseInsensitive) {
  logical_ptr p = plan_of("SELECT l_orderkey FROM LINEITEM");
  ASSERT_TRUE(p);
  EXPECT_EQ(below(*p, 1).table, "lineitem");
}

TEST(SqlBind, DeepButAllowedNesting) {
  std::string sql = "SELECT " + std::string(200, '(') + "key" + std::string(200, ')') + " FROM t";
  EXPECT_TRUE(plan_of(sql));
  std::string chain = "SELECT key FROM t WHERE key = 0";
  for (int i = 1; i < 400; ++i) chain += " OR key = " + std::to_string(i);
  EXPECT_TRUE(plan_of(chain));
}

}  // namespace
}  // namespace tranche::sql_test
