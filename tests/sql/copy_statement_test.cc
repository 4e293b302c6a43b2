// COPY (SELECT ...) TO 'dir' in the statement parser (sql/statement.h): both
// option syntaxes, the defaults, that the query keeps its positions for
// compile_sql's errors, and that parse errors name what and where.
#include <gtest/gtest.h>

#include "sql/sql.h"
#include "sql/statement.h"
#include "sql_test_util.h"
#include "statement_test_util.h"

namespace tranche::sql {
namespace {

copy_to parse_copy(const std::string& text) {
  if (auto s = parse_statement(text); s.ok())
    EXPECT_FALSE(is_ddl(*s)) << "a COPY is planned, not executed by the catalog";
  return parse_as<copy_to>(text);
}

TEST(CopyStatement, DefaultsAreCsvWithHeader) {
  auto c = parse_copy("COPY (SELECT flag, count(*) FROM t GROUP BY flag) TO '/tmp/out';");
  EXPECT_EQ(c.query, "      SELECT flag, count(*) FROM t GROUP BY flag");
  EXPECT_EQ(c.target, "/tmp/out");
  EXPECT_EQ(c.format, "csv");
  EXPECT_TRUE(c.header);
  EXPECT_EQ(c.delimiter, ',');
  EXPECT_EQ(c.query_pos.column, 7);
  EXPECT_EQ(c.target_pos.column, 54);
}

TEST(CopyStatement, BareOptionsInAnyOrder) {
  auto c = parse_copy("copy (select a from t) to 'o' delimiter '|' header false format csv");
  EXPECT_EQ(c.format, "csv");
  EXPECT_FALSE(c.header);
  EXPECT_EQ(c.delimiter, '|');
  c = parse_copy("COPY (SELECT a FROM t) TO 'o' HEADER");
  EXPECT_TRUE(c.header);
  c = parse_copy("COPY (SELECT a FROM t) TO 'o' FORMAT COLUMNAR");
  EXPECT_EQ(c.format, "columnar");
}

TEST(CopyStatement, PostgresWithList) {
  auto c = parse_copy("COPY (SELECT a FROM t) TO 'o' WITH (FORMAT csv, HEADER, DELIMITER '|')");
  EXPECT_EQ(c.format, "csv");
  EXPECT_TRUE(c.header);
  EXPECT_EQ(c.delimiter, '|');
  c = parse_copy("COPY (SELECT a FROM t) TO 'o' WITH (HEADER false)");
  EXPECT_FALSE(c.header);
  c = parse_copy("COPY (SELECT a FROM t) TO 'o' WITH (FORMAT 'columnar')");
  EXPECT_EQ(c.format, "columnar");
}

TEST(CopyStatement, NestedParenthesesAndSubqueriesStayInTheQuery) {
  auto c = parse_copy(
      "COPY (WITH x AS (SELECT a FROM t) SELECT (a + 1) * 2 FROM x WHERE a IN (SELECT a FROM t)) "
      "TO 'o'");
  EXPECT_EQ(c.query,
            "      WITH x AS (SELECT a FROM t) SELECT (a + 1) * 2 FROM x WHERE a IN (SELECT a FROM "
            "t)");
}

TEST(CopyStatement, QueryErrorsPointIntoTheWholeStatement) {
  auto c = parse_copy("COPY (\n  SELECT nosuch\n  FROM t) TO 'o'");
  sql_test::fake_catalog cat;
  auto r = compile_sql(c.query, cat);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().substr(0, 18), "line 2, column 10:") << r.status().message();
}

TEST(CopyStatement, ErrorsNameWhatAndWhere) {
  EXPECT_EQ(error_of("COPY t TO 'o'"),
            "line 1, column 6: COPY takes a query in parentheses: COPY (SELECT ...) TO 'dir'");
  EXPECT_EQ(error_of("COPY () TO 'o'"),
            "line 1, column 7: expected a query inside COPY ( ), got \")\"");
  EXPECT_EQ(error_of("COPY (SELECT a FROM t TO 'o'"),
            "line 1, column 6: unbalanced \"(\": COPY's query has no closing \")\"");
  EXPECT_EQ(error_of("COPY (SELECT a FROM t) 'o'"), "line 1, column 24: expected TO, got 'o'");
  EXPECT_EQ(error_of("COPY (SELECT a FROM t) TO o"),
            "line 1, column 27: expected a quoted directory, got \"o\"");
  EXPECT_EQ(error_of("COPY (SELECT a FROM t) TO ''"),
            "line 1, column 27: COPY's target directory is empty");
  EXPECT_EQ(error_of("COPY (SELECT a FROM t) TO 'o' FORMAT PARQUET"),
            "line 1, column 38: expected CSV or COLUMNAR, got \"PARQUET\"");
  EXPECT_EQ(error_of("COPY (SELECT a FROM t) TO 'o' FORMAT COLUMNAR DELIMITER '|'"),
            "line 1, column 47: DELIMITER applies to FORMAT CSV only");
  EXPECT_EQ(error_of("COPY (SELECT a FROM t) TO 'o' HEADER HEADER"),
            "line 1, column 38: HEADER is given twice");
  EXPECT_EQ(error_of("COPY (SELECT a FROM t) TO 'o' WITH (FORMAT csv, QUOTE '\"')"),
            "line 1, column 49: expected FORMAT, HEADER or DELIMITER, got \"QUOTE\"");
  EXPECT_EQ(error_of("COPY (SELECT a FROM t) TO 'o' WITH (FORMAT csv"),
            "line 1, column 47: expected \")\", got end of input");
  EXPECT_EQ(error_of("COPY (SELECT a FROM t) TO 'o' DELIMITER ',,'"),
            "line 1, column 41: DELIMITER must be one character other than a quote or a line "
            "break, got ',,'");
  EXPECT_EQ(error_of("COPY (SELECT a FROM t) TO 'o' extra"),
            "line 1, column 31: expected end of statement, got \"extra\"");
}

}  // namespace
}  // namespace tranche::sql
