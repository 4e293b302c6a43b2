// Tests of compile_sql's error reporting: the exact message, with the line and
// column of the offending token, for lexical, syntax, name, type and clause
// errors, and the status codes (NotFound for an unknown table).
#include <gtest/gtest.h>

#include "sql_test_util.h"

namespace tranche::sql_test {
namespace {

struct error_case {
  const char* sql;
  const char* message;
};

void expect_errors(const std::vector<error_case>& cases) {
  for (const error_case& c : cases) {
    absl::Status s = compile_status(c.sql);
    EXPECT_EQ(std::string(s.message()), c.message) << c.sql;
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << c.sql << " -> " << s;
  }
}

TEST(SqlErrors, UnknownTableIsNotFoundWithSuggestion) {
  absl::Status s = compile_status("SELECT key FROM tt");
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_EQ(s.message(), "line 1, column 17: unknown table \"tt\" (did you mean \"t\"?)");
  s = compile_status("SELECT key FROM lineitme");
  EXPECT_EQ(s.message(),
            "line 1, column 17: unknown table \"lineitme\" (did you mean \"lineitem\"?)");
  s = compile_status("SELECT key FROM orders");
  EXPECT_EQ(s.message(), "line 1, column 17: unknown table \"orders\"");
}

TEST(SqlErrors, UnknownColumns) {
  expect_errors({
      {"SELECT prce FROM t", "line 1, column 8: unknown column \"prce\" (did you mean \"price\"?)"},
      {"SELECT key FROM t WHERE shipdat < DATE '1998-01-01'",
       "line 1, column 25: unknown column \"shipdat\" (did you mean \"shipdate\"?)"},
      {"SELECT key, bogus FROM t", "line 1, column 13: unknown column \"bogus\""},
      {"SELECT t.prce FROM t",
       "line 1, column 10: unknown column \"prce\" (did you mean \"price\"?)"},
      {"SELECT x.key FROM t", "line 1, column 8: missing FROM-clause entry for table \"x\""},
      {"SELECT tt.key FROM t AS a",
       "line 1, column 8: missing FROM-clause entry for table \"tt\" (did you mean \"t\"?)"},
      {"SELECT y.* FROM t", "line 1, column 8: missing FROM-clause entry for table \"y\""},
      // Multi-line: positions count lines and columns from 1.
      {"SELECT key\nFROM t\nWHERE prce > 1",
       "line 3, column 7: unknown column \"prce\" (did you mean \"price\"?)"},
      // Name errors come out in the order they were written, across clauses.
      {"SELECT nope FROM t WHERE flag = 1", "line 1, column 8: unknown column \"nope\""},
      {"SELECT key FROM t ORDER BY prize",
       "line 1, column 28: unknown column \"prize\" (did you mean \"price\"?)"},
  });
}

TEST(SqlErrors, SyntaxErrors) {
  expect_errors({
      {"SELECT key WHERE key = 1", "line 1, column 12: syntax error: expected FROM, got \"WHERE\""},
      {"SELECT key FROM", "line 1, column 16: syntax error: unexpected end of input"},
      {"SELECT key FROM t WHERE", "line 1, column 24: syntax error: unexpected end of input"},
      {"", "line 1, column 1: syntax error: unexpected end of input"},
      {"SELEC key FROM t", "line 1, column 1: syntax error: expected SELECT, got \"SELEC\""},
      {"SELECT FROM t", "line 1, column 8: syntax error: expected an expression, got \"FROM\""},
      {"SELECT key FROM t ORDER key", "line 1, column 25: syntax error: expected BY, got \"key\""},
      {"SELECT key FROM t GROUP key", "line 1, column 25: syntax error: expected BY, got \"key\""},
      {"SELECT (key FROM t", "line 1, column 13: syntax error: expected \")\", got \"FROM\""},
      {"SELECT key FROM t;;", "line 1, column 19: syntax error: expected end of input, got \";\""},
      {"SELECT key FROM t x y",
       "line 1, column 21: syntax error: expected end of input, got \"y\""},
      {"SELECT key FROM t WHERE key IS 1",
       "line 1, column 32: syntax error: expected NULL, got \"1\""},
      {"SELECT key FROM t ORDER BY key NULLS MIDDLE",
       "line 1, column 38: syntax error: expected FIRST or LAST, got \"MIDDLE\""},
      {"SELECT CAST(key) FROM t", "line 1, column 16: syntax error: expected AS, got \")\""},
      {"SELECT count(*, key) FROM t",
       "line 1, column 14: syntax error: expected an expression, got \"*\""},
      {"SELECT key FROM t RIGHT JOIN u ON key = u.key",
       "line 1, column 19: syntax error: RIGHT is not supported in SQL v1"},
      {"SELECT key FROM t FULL OUTER JOIN u ON key = u.key",
       "line 1, column 19: syntax error: FULL is not supported in SQL v1"},
      {"SELECT key FROM t UNION SELECT 1",
       "line 1, column 25: only UNION ALL is supported (UNION without ALL would remove "
       "duplicates)"},
      {"SELECT key FROM t JOIN t ON t.key = t.key",
       "line 1, column 24: table name \"t\" specified more than once (give it an alias)"},
      {"SELECT key FROM t, (SELECT 1 FROM t)",
       "line 1, column 20: a derived table needs an alias: (SELECT ...) AS name"},
      {"SELECT key FROM select",
       "line 1, column 17: syntax error: expected table name, got \"select\""},
  });
}

TEST(SqlErrors, LexicalErrors) {
  expect_errors({
      {"SELECT 'abc FROM t", "line 1, column 8: unterminated string literal"},
      {"SELECT key FROM t WHERE flag = 'it''s", "line 1, column 32: unterminated string literal"},
      {"SELECT \"key FROM t", "line 1, column 8: unterminated quoted identifier"},
      {"SELECT \"\" FROM t", "line 1, column 8: zero-length quoted identifier"},
      {"SELECT key /* never closed", "line 1, column 12: unterminated /* comment"},
      {"SELECT key @ 1 FROM t", "line 1, column 12: unexpected character \"@\""},
      {"SELECT key\x01 FROM t", "line 1, column 11: unexpected character \"\\x01\""},
      {"SELECT 123abc FROM t", "line 1, column 8: invalid numeric literal \"123abc\""},
      {"SELECT 1e FROM t", "line 1, column 8: invalid numeric literal \"1e\""},
      {"SELECT 9223372036854775808 FROM t",
       "line 1, column 8: integer literal 9223372036854775808 is out of range for BIGINT"},
      {"SELECT 1e999 FROM t", "line 1, column 8: numeric literal 1e999 is out of range for DOUBLE"},
      {"SELECT flag || 'x' FROM t", "line 1, column 13: operator || is not supported"},
      {"SELECT 'a\xff' FROM t", "line 1, column 10: invalid UTF-8 byte 0xff"},
      {"SELECT 'é'\n, '\xc3(' FROM t", "line 2, column 4: invalid UTF-8 byte 0xc3"},
      // Columns count characters, not UTF-8 bytes.
      {"SELECT 'é', prce FROM t",
       "line 1, column 13: unknown column \"prce\" (did you mean \"price\"?)"},
  });
}

TEST(SqlErrors, DateLiterals) {
  expect_errors({
      {"SELECT key FROM t WHERE shipdate < DATE '1998-13-01'",
       "line 1, column 41: invalid date literal '1998-13-01'"},
      {"SELECT DATE '1999-02-29' FROM t", "line 1, column 13: invalid date literal '1999-02-29'"},
      {"SELECT key FROM t WHERE shipdate < 'yesterday'",
       "line 1, column 36: invalid date literal 'yesterday'"},
      {"SELECT key FROM t WHERE '1998-02-30' = shipdate",
       "line 1, column 25: invalid date literal '1998-02-30'"},
      {"SELECT CAST('1998-1-1' AS DATE) FROM t",
       "line 1, column 13: invalid date literal '1998-1-1'"},
  });
}

TEST(SqlErrors, TypeErrors) {
  expect_errors({
      {"SELECT key FROM t WHERE flag = 1", "line 1, column 30: cannot compare VARCHAR with BIGINT"},
      {"SELECT key FROM t WHERE shipdate < flag",
       "line 1, column 34: cannot compare DATE with VARCHAR"},
      {"SELECT key FROM t WHERE TRUE = 1", "line 1, column 30: cannot compare BOOLEAN with BIGINT"},
      {"SELECT flag + 1 FROM t", "line 1, column 13: operator does not exist: VARCHAR + BIGINT"},
      {"SELECT shipdate - 1 FROM t", "line 1, column 17: operator does not exist: DATE - BIGINT"},
      {"SELECT -flag FROM t", "line 1, column 8: operator does not exist: -VARCHAR"},
      {"SELECT - -9223372036854775808 FROM t",
       "line 1, column 8: integer out of range for BIGINT: -(-9223372036854775808)"},
      {"SELECT key FROM t WHERE key",
       "line 1, column 25: argument of WHERE must be BOOLEAN, got BIGINT"},
      {"SELECT key FROM t WHERE NOT key",
       "line 1, column 29: argument of NOT must be BOOLEAN, got BIGINT"},
      {"SELECT key FROM t WHERE key > 1 AND price",
       "line 1, column 37: argument of AND must be BOOLEAN, got DOUBLE"},
      {"SELECT key FROM t WHERE flag OR TRUE",
       "line 1, column 25: argument of OR must be BOOLEAN, got VARCHAR"},
      {"SELECT flag FROM t GROUP BY flag HAVING sum(price)",
       "line 1, column 41: argument of HAVING must be BOOLEAN, got DOUBLE"},
      {"SELECT sum(flag) FROM t",
       "line 1, column 12: sum requires a numeric argument, got VARCHAR"},
      {"SELECT avg(shipdate) FROM t",
       "line 1, column 12: avg requires a numeric argument, got DATE"},
      {"SELECT CAST(shipdate AS BIGINT) FROM t", "line 1, column 8: cannot cast DATE to BIGINT"},
      {"SELECT CAST(TRUE AS DATE) FROM t", "line 1, column 8: cannot cast BOOLEAN to DATE"},
      {"SELECT CAST(key AS foo) FROM t", "line 1, column 20: unknown type \"foo\""},
  });
}

TEST(SqlErrors, AggregateMisuse) {
  expect_errors({
      {"SELECT key FROM t WHERE sum(price) > 1",
       "line 1, column 25: aggregate functions are not allowed in WHERE"},
      {"SELECT sum(count(*)) FROM t",
       "line 1, column 12: nested aggregate functions are not allowed"},
      {"SELECT max(key + min(key)) FROM t",
       "line 1, column 18: nested aggregate functions are not allowed"},
      {"SELECT count(*) FROM t GROUP BY sum(price)",
       "line 1, column 33: aggregate functions are not allowed in GROUP BY"},
      {"SELECT count(*) AS c FROM t GROUP BY c",
       "line 1, column 8: aggregate functions are not allowed in GROUP BY"},
      {"SELECT summ(price) FROM t",
       "line 1, column 8: unknown function \"summ\" (did you mean \"sum\"?)"},
      {"SELECT key FROM t WHERE lower(flag) = 'a'",
       "line 1, column 25: unknown function \"lower\""},
      {"SELECT sum(*) FROM t", "line 1, column 8: sum(*) is not allowed; only count(*) takes *"},
      {"SELECT count() FROM t", "line 1, column 8: function count takes exactly one argument"},
      {"SELECT sum(key, price) FROM t",
       "line 1, column 8: function sum takes exactly one argument"},
      {"SELECT key, sum(DISTINCT price) FROM t GROUP BY key",
       "line 1, column 13: sum(DISTINCT ...) is not supported; only count(DISTINCT ...) is"},
      {"SELECT avg(DISTINCT key) FROM t",
       "line 1, column 8: avg(DISTINCT ...) is not supported; only count(DISTINCT ...) is"},
      {"SELECT count(DISTINCT key, flag) FROM t",
       "line 1, column 8: function count takes exactly one argument"},
      {"SELECT key FROM t WHERE count(DISTINCT flag) > 1",
       "line 1, column 25: aggregate functions are not allowed in WHERE"},
      {"SELECT count(DISTINCT count(key)) FROM t",
       "line 1, column 23: nested aggregate functions are not allowed"},
  });
}

TEST(SqlErrors, GroupByRules) {
  const char* kMsg = "must appear in the GROUP BY clause or be used in an aggregate function";
  expect_errors({
      {"SELECT flag, price FROM t GROUP BY flag",
       "line 1, column 14: column \"price\" "
       "must appear in the GROUP BY clause or be used in "
       "an aggregate function"},
  });
  EXPECT_EQ(compile_error("SELECT flag, sum(price) + quantity FROM t GROUP BY flag"),
            std::string("line 1, column 27: column \"quantity\" ") + kMsg);
  EXPECT_EQ(compile_error("SELECT key, count(*) FROM t"),
            std::string("line 1, column 8: column \"key\" ") + kMsg);
  EXPECT_EQ(compile_error("SELECT * FROM t GROUP BY key"),
            std::string("line 1, column 8: column \"price\" ") + kMsg);
  EXPECT_EQ(compile_error("SELECT flag FROM t GROUP BY flag HAVING price > 1"),
            std::string("line 1, column 41: column \"price\" ") + kMsg);
  EXPECT_EQ(compile_error("SELECT flag FROM t GROUP BY flag ORDER BY key"),
            std::string("line 1, column 43: column \"key\" ") + kMsg);
  // A table column wins over a select alias in GROUP BY (as in PostgreSQL).
  EXPECT_EQ(compile_error("SELECT price AS key, count(*) FROM t GROUP BY key"),
            std::string("line 1, column 8: column \"price\" ") + kMsg);
  expect_errors({
      {"SELECT flag, count(*) FROM t GROUP BY 3",
       "line 1, column 39: GROUP BY position 3 is not in select list"},
      {"SELECT flag, count(*) FROM t GROUP BY 0",
       "line 1, column 39: GROUP BY position 0 is not in select list"},
  });
}

TEST(SqlErrors, OrderByAndLimit) {
  expect_errors({
      {"SELECT key, price, flag FROM t ORDER BY 4",
       "line 1, column 41: ORDER BY position 4 is not in select list"},
      {"SELECT key FROM t ORDER BY 0",
       "line 1, column 28: ORDER BY position 0 is not in select list"},
      {"SELECT key AS k, price AS k FROM t ORDER BY k",
       "line 1, column 45: ORDER BY \"k\" is ambiguous"},
      {"SELECT key FROM t LIMIT -1", "line 1, column 25: LIMIT must be a non-negative integer"},
      {"SELECT key FROM t LIMIT 1.5", "line 1, column 25: LIMIT must be a non-negative integer"},
      {"SELECT key FROM t LIMIT 'ten'", "line 1, column 25: LIMIT must be a non-negative integer"},
      {"SELECT key FROM t LIMIT 99999999999999999999",
       "line 1, column 25: LIMIT must be a non-negative integer"},
      {"SELECT key FROM t LIMIT", "line 1, column 24: syntax error: unexpected end of input"},
  });
}

TEST(SqlErrors, NestingTooDeep) {
  std::string parens =
      "SELECT " + std::string(201, '(') + "key" + std::string(201, ')') + " FROM t";
  EXPECT_EQ(compile_error(parens), "line 1, column 208: expression nested too deeply");
  std::string nots = "SELECT key FROM t WHERE ";
  for (int i = 0; i < 300; ++i) nots += "NOT ";
  nots += "TRUE";
  EXPECT_EQ(compile_error(nots), "line 1, column 825: expression nested too deeply");
  std::string chain = "SELECT key";
  for (int i = 0; i < 2000; ++i) chain += "+key";
  chain += " FROM t";
  // The 1000th "+" makes the tree 1001 levels tall.
  EXPECT_EQ(compile_error(chain), "line 1, column 4007: expression nested too deeply");
}

}  // namespace
}  // namespace tranche::sql_test
