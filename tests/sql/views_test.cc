// A session's temporary views in compile_sql(sql, catalog, views): bound in
// order as an outermost WITH, so a view shadows a catalog table of its name,
// a WITH name shadows a view, a view may use earlier views (and the catalog
// table it is named after), and an error inside a view names the view.
#include <gtest/gtest.h>

#include <functional>

#include "plan_check.h"
#include "sql/statement.h"
#include "sql_test_util.h"

namespace tranche::sql_test {
namespace {

void walk(const logical_node& n, const std::function<void(const logical_node&)>& f) {
  f(n);
  for (const logical_ptr& in : n.inputs) walk(*in, f);
}

// The tables scanned, in tree order ("t,lineitem").
std::string scans(const logical_node& root) {
  std::string out;
  walk(root, [&](const logical_node& n) {
    if (n.kind == logical_kind::scan) out += (out.empty() ? "" : ",") + n.table;
  });
  return out;
}

int count_of(const logical_node& root, logical_kind kind) {
  int count = 0;
  walk(root, [&](const logical_node& n) { count += n.kind == kind ? 1 : 0; });
  return count;
}

logical_ptr compiled(const std::string& sql, const std::vector<view_definition>& views) {
  fake_catalog cat;
  auto p = compile_sql(sql, cat, views);
  EXPECT_TRUE(p.ok()) << sql << ": " << p.status();
  if (!p.ok()) return nullptr;
  EXPECT_EQ(check_plan(**p), "") << sql;
  return *p;
}

absl::Status status_of(const std::string& sql, const std::vector<view_definition>& views) {
  fake_catalog cat;
  auto p = compile_sql(sql, cat, views);
  return p.ok() ? absl::OkStatus() : p.status();
}

std::string error_of(const std::string& sql, const std::vector<view_definition>& views) {
  absl::Status s = status_of(sql, views);
  return s.ok() ? "OK" : std::string(s.message());
}

const std::vector<view_definition> kCheap = {
    {"cheap", "SELECT key, price, flag FROM t WHERE price < 10"}};

TEST(SqlViews, AViewReadsAsATable) {
  auto p = compiled("SELECT flag, count(*) AS n FROM cheap GROUP BY flag", kCheap);
  ASSERT_TRUE(p);
  EXPECT_EQ(describe(p->output), "flag VARCHAR, n BIGINT");
  EXPECT_EQ(scans(*p), "t");
  EXPECT_EQ(count_of(*p, logical_kind::filter), 1) << "the view's WHERE";
  // Qualified by the view's name, in any case.
  ASSERT_TRUE(compiled("SELECT CHEAP.key FROM Cheap WHERE cheap.flag = 'A'", kCheap));
  // No views: the same as compile_sql without them.
  EXPECT_EQ(error_of("SELECT * FROM cheap", {}), compile_error("SELECT * FROM cheap"));
}

TEST(SqlViews, AViewShadowsACatalogTableOfItsName) {
  auto p = compiled("SELECT l_orderkey FROM lineitem",
                    {{"LineItem", "SELECT key AS l_orderkey FROM t"}});
  ASSERT_TRUE(p);
  EXPECT_EQ(scans(*p), "t");
  // Named after the table it narrows, a view reads that table: it binds to
  // what existed before it.
  p = compiled("SELECT count(*) FROM t", {{"t", "SELECT * FROM t WHERE flag = 'A'"}});
  ASSERT_TRUE(p);
  EXPECT_EQ(scans(*p), "t");
  EXPECT_EQ(count_of(*p, logical_kind::filter), 1);
}

TEST(SqlViews, AWithNameShadowsAView) {
  auto p = compiled("WITH cheap AS (SELECT l_orderkey FROM lineitem) SELECT * FROM cheap", kCheap);
  ASSERT_TRUE(p);
  EXPECT_EQ(scans(*p), "lineitem");
  EXPECT_EQ(describe(p->output), "l_orderkey BIGINT");
}

TEST(SqlViews, AViewOverAnEarlierView) {
  const std::vector<view_definition> views = {
      kCheap[0], {"cheap_a", "SELECT key, price FROM cheap WHERE flag = 'A'"}};
  auto p = compiled("SELECT sum(price) AS s FROM cheap_a", views);
  ASSERT_TRUE(p);
  EXPECT_EQ(scans(*p), "t");
  EXPECT_EQ(describe(p->output), "s DOUBLE");
}

TEST(SqlViews, AViewUsedTwiceInAJoinAndInSubqueries) {
  auto p = compiled("SELECT a.key, b.flag FROM cheap a JOIN cheap b ON a.key = b.key + 1", kCheap);
  ASSERT_TRUE(p);
  EXPECT_EQ(scans(*p), "t,t");
  EXPECT_EQ(count_of(*p, logical_kind::join), 1);
  p = compiled(
      "SELECT l.l_comment FROM lineitem l JOIN cheap c ON l.l_orderkey = c.key WHERE c.flag = 'R'",
      kCheap);
  ASSERT_TRUE(p);
  EXPECT_EQ(count_of(*p, logical_kind::join), 1);
  EXPECT_EQ(count_of(*p, logical_kind::scan), 2);
  p = compiled("SELECT key FROM t WHERE key IN (SELECT key FROM cheap)", kCheap);
  ASSERT_TRUE(p);
  EXPECT_EQ(count_of(*p, logical_kind::join), 1) << "IN becomes a semi join";
  p = compiled(
      "SELECT key, (SELECT max(price) FROM cheap) AS top FROM t WHERE EXISTS "
      "(SELECT 1 FROM cheap c WHERE c.key = t.key)",
      kCheap);
  ASSERT_TRUE(p);
  EXPECT_EQ(describe(p->output), "key BIGINT, top DOUBLE");
  EXPECT_EQ(scans(*p), "t,t,t");
}

TEST(SqlViews, AnErrorInsideAViewNamesIt) {
  const std::string bad_column = error_of("SELECT * FROM v", {{"v", "SELECT prce FROM t"}});
  EXPECT_EQ(bad_column, "in view \"v\": " + compile_error("SELECT prce FROM t"));
  EXPECT_EQ(bad_column.rfind("in view \"v\": line 1, column 8: unknown column \"prce\"", 0), 0u)
      << bad_column;
  EXPECT_EQ(error_of("SELECT * FROM v", {{"v", "SELECT FROM t"}}),
            "in view \"v\": " + compile_error("SELECT FROM t"));
  // The code stays: an unknown table is NotFound.
  absl::Status s = status_of("SELECT * FROM v", {{"v", "SELECT * FROM nope"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "in view \"v\": line 1, column 15: unknown table \"nope\"");
  // An error in the query itself is the query's, as without views.
  EXPECT_EQ(error_of("SELECT nope FROM cheap", kCheap).rfind("line 1, column 8: unknown column", 0),
            0u);
}

TEST(SqlViews, AViewMadeByCreateTempViewKeepsItsStatementsPositions) {
  auto st = sql::parse_statement("CREATE TEMP VIEW v AS\n  SELECT prce FROM t");
  ASSERT_TRUE(st.ok()) << st.status();
  const auto& v = std::get<sql::create_temp_view>(*st);
  EXPECT_EQ(error_of("SELECT * FROM v", {{v.name, v.query}})
                .rfind("in view \"v\": line 2, column 10: unknown column \"prce\"", 0),
            0u);
}

TEST(SqlViews, AViewCannotUseItselfOrALaterView) {
  EXPECT_EQ(error_of("SELECT * FROM a", {{"a", "SELECT key FROM a"}}),
            "in view \"a\": line 1, column 17: view \"a\" refers to itself");
  EXPECT_EQ(error_of("SELECT * FROM a", {{"a", "SELECT * FROM b"}, {"b", "SELECT key FROM t"}}),
            "in view \"a\": line 1, column 15: view \"b\" is defined after view \"a\"; a view "
            "can use only the tables and the views defined before it");
  // Through another view, the error is the broken view's own.
  EXPECT_EQ(
      error_of("SELECT * FROM c",
               {{"a", "SELECT * FROM b"}, {"b", "SELECT key FROM t"}, {"c", "SELECT * FROM a"}}),
      "in view \"a\": line 1, column 15: view \"b\" is defined after view \"a\"; a view "
      "can use only the tables and the views defined before it");
}

TEST(SqlViews, ABrokenViewFailsOnlyTheQueriesThatUseIt) {
  const std::vector<view_definition> views = {{"broken", "SELECT * FROM dropped"}, kCheap[0]};
  ASSERT_TRUE(compiled("SELECT count(*) FROM cheap", views));
  // It still shadows: a catalog table of its name is not read instead.
  EXPECT_EQ(error_of("SELECT * FROM t", {{"t", "SELECT nope FROM t"}}),
            "in view \"t\": " + compile_error("SELECT nope FROM t"));
}

TEST(SqlViews, DuplicateOrNamelessViewsAreRefused) {
  EXPECT_EQ(error_of("SELECT 1", {kCheap[0], {"CHEAP", "SELECT 1"}}),
            "view \"CHEAP\" is given twice");
  EXPECT_EQ(error_of("SELECT 1", {kCheap[0], {"", "SELECT 1"}}), "view 2 has an empty name");
}

}  // namespace
}  // namespace tranche::sql_test
