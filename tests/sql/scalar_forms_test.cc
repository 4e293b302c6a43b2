// Tests of the scalar forms TPC-H needs: CASE (searched and simple), [NOT]
// LIKE, [NOT] IN, [NOT] BETWEEN, date +/- INTERVAL, EXTRACT and SUBSTRING —
// how they parse and bind (result types, coercions, desugaring) and their
// positioned error messages.
#include <gtest/gtest.h>

#include "plan_check.h"
#include "sql_test_util.h"

namespace tranche::sql_test {
namespace {

// The projection's expressions of `sql` rendered over the scan's schema.
std::vector<std::string> projected(std::string_view sql) {
  logical_ptr p = compile_ok(sql);
  if (!p) return {};
  EXPECT_EQ(check_plan(*p), "") << sql;
  std::vector<std::string> out;
  for (const expr_ptr& e : p->exprs) out.push_back(to_string(*e, &below(*p, 1).output));
  return out;
}

// The output column types of `sql`.
std::vector<type_id> types_of(std::string_view sql) {
  logical_ptr p = compile_ok(sql);
  if (!p) return {};
  std::vector<type_id> out;
  for (const field& f : p->output.fields) out.push_back(f.type);
  return out;
}

void expect_error(const char* sql, const char* message) {
  absl::Status s = compile_status(sql);
  EXPECT_EQ(std::string(s.message()), message) << sql;
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << sql << " -> " << s;
}

TEST(SqlScalarForms, CaseTypesAndRendering) {
  EXPECT_EQ(
      projected("SELECT CASE WHEN key > 1 THEN 'big' WHEN key = 1 THEN 'one' END FROM t"),
      std::vector<std::string>{"CASE WHEN (key > 1) THEN 'big' WHEN (key = 1) THEN 'one' END"});
  // BIGINT and DOUBLE branches meet as DOUBLE; an untyped NULL takes the type.
  EXPECT_EQ(types_of("SELECT CASE WHEN flag = 'A' THEN key ELSE price END, "
                     "CASE WHEN flag = 'A' THEN NULL ELSE shipdate END, "
                     "CASE WHEN TRUE THEN NULL END FROM t"),
            (std::vector<type_id>{type_id::float64, type_id::date, type_id::string}));
  EXPECT_EQ(
      projected("SELECT CASE WHEN flag = 'A' THEN key ELSE 0.5 END FROM t"),
      std::vector<std::string>{"CASE WHEN (flag = 'A') THEN CAST(key AS DOUBLE) ELSE 0.5 END"});
}

TEST(SqlScalarForms, SimpleCaseComparesTheOperand) {
  EXPECT_EQ(projected("SELECT CASE flag WHEN 'A' THEN 1 WHEN 'B' THEN 2 ELSE 0 END FROM t"),
            std::vector<std::string>{
                "CASE WHEN (flag = 'A') THEN 1 WHEN (flag = 'B') THEN 2 ELSE 0 END"});
  EXPECT_EQ(projected("SELECT CASE shipdate WHEN '1998-01-01' THEN 1 END FROM t"),
            std::vector<std::string>{"CASE WHEN (shipdate = DATE '1998-01-01') THEN 1 END"});
}

TEST(SqlScalarForms, CaseInsideAggregates) {
  logical_ptr p = compile_ok(
      "SELECT flag, sum(CASE WHEN flag LIKE 'A%' THEN price ELSE 0 END) / sum(price) FROM t "
      "GROUP BY flag");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->output.fields[1].type, type_id::float64);
}

TEST(SqlScalarForms, LikeInBetween) {
  EXPECT_EQ(projected("SELECT flag LIKE 'a%', flag NOT LIKE '%b_', key IN (1, 2, 3), "
                      "key NOT IN (1, NULL), key BETWEEN 1 AND 10, price NOT BETWEEN 1 AND 2 "
                      "FROM t"),
            (std::vector<std::string>{"flag LIKE 'a%'", "NOT flag LIKE '%b_'", "key IN (1, 2, 3)",
                                      "NOT key IN (1, NULL)", "((key >= 1) AND (key <= 10))",
                                      "NOT ((price >= 1) AND (price <= 2))"}));
  // The list meets the value's type: DATE strings become dates, a DOUBLE item
  // makes a BIGINT value DOUBLE.
  EXPECT_EQ(
      projected("SELECT shipdate IN ('1998-01-01', DATE '1998-01-02'), key IN (1, 2.5), "
                "shipdate BETWEEN '1998-01-01' AND '1998-12-31' FROM t"),
      (std::vector<std::string>{
          "shipdate IN (DATE '1998-01-01', DATE '1998-01-02')", "CAST(key AS DOUBLE) IN (1, 2.5)",
          "((shipdate >= DATE '1998-01-01') AND (shipdate <= DATE '1998-12-31'))"}));
  // BETWEEN binds tighter than AND.
  logical_ptr p = compile_ok("SELECT key FROM t WHERE key BETWEEN 1 AND 2 AND flag = 'A'");
  ASSERT_TRUE(p);
  EXPECT_EQ(to_string(*below(*p, 1).predicate, &below(*p, 2).output),
            "(((key >= 1) AND (key <= 2)) AND (flag = 'A'))");
}

TEST(SqlScalarForms, DateArithmeticAndExtract) {
  EXPECT_EQ(projected("SELECT shipdate + INTERVAL '3' DAY, shipdate - INTERVAL '1' MONTH, "
                      "DATE '1995-01-31' + interval '2' year, shipdate + INTERVAL '5 days', "
                      "EXTRACT(YEAR FROM shipdate), extract(month from shipdate), "
                      "EXTRACT(DAY FROM '1998-02-03') FROM t"),
            (std::vector<std::string>{
                "(shipdate + INTERVAL '3' DAY)", "(shipdate + INTERVAL '-1' MONTH)",
                "(DATE '1995-01-31' + INTERVAL '24' MONTH)", "(shipdate + INTERVAL '5' DAY)",
                "EXTRACT(YEAR FROM shipdate)", "EXTRACT(MONTH FROM shipdate)",
                "EXTRACT(DAY FROM DATE '1998-02-03')"}));
  EXPECT_EQ(types_of("SELECT shipdate + INTERVAL '1' DAY, EXTRACT(YEAR FROM shipdate) FROM t"),
            (std::vector<type_id>{type_id::date, type_id::int64}));
  // The words stay usable as column names.
  EXPECT_EQ(compile_status("SELECT key AS interval, key AS extract FROM t ORDER BY interval"),
            absl::OkStatus());
}

TEST(SqlScalarForms, Substring) {
  EXPECT_EQ(projected("SELECT SUBSTRING(flag FROM 2 FOR 3), substring(flag, 1, 2), "
                      "SUBSTRING(flag FROM 2), substring(flag, key) FROM t"),
            (std::vector<std::string>{"SUBSTRING(flag, 2, 3)", "SUBSTRING(flag, 1, 2)",
                                      "SUBSTRING(flag, 2)", "SUBSTRING(flag, key)"}));
  EXPECT_EQ(compile_ok("SELECT substring(flag, 1, 2) FROM t")->output.fields[0].name,
            "substring(flag, 1, 2)");
}

TEST(SqlScalarForms, Errors) {
  expect_error("SELECT key FROM t WHERE key LIKE 'a%'",
               "line 1, column 29: LIKE needs a string operand, got BIGINT");
  expect_error("SELECT key FROM t WHERE flag LIKE flag",
               "line 1, column 35: LIKE pattern must be a string constant");
  expect_error("SELECT key FROM t WHERE key IN (1, key)",
               "line 1, column 36: IN list items must be constants");
  expect_error("SELECT key FROM t WHERE key IN (1, 'a')",
               "line 1, column 36: cannot compare BIGINT with VARCHAR");
  expect_error("SELECT key FROM t WHERE shipdate IN ('1998-13-01')",
               "line 1, column 38: invalid date literal '1998-13-01'");
  expect_error("SELECT key FROM t WHERE key BETWEEN 'a' AND 2",
               "line 1, column 29: cannot compare BIGINT with VARCHAR");
  expect_error("SELECT CASE WHEN key THEN 1 END FROM t",
               "line 1, column 18: argument of CASE/WHEN must be BOOLEAN, got BIGINT");
  expect_error("SELECT CASE WHEN key > 1 THEN 1 ELSE 'x' END FROM t",
               "line 1, column 38: CASE types BIGINT and VARCHAR cannot be matched");
  expect_error("SELECT CASE key WHEN 'a' THEN 1 END FROM t",
               "line 1, column 22: cannot compare BIGINT with VARCHAR");
  expect_error("SELECT CASE key THEN 1 END FROM t",
               "line 1, column 17: syntax error: expected WHEN, got \"THEN\"");
  expect_error("SELECT CASE WHEN key > 1 THEN 1 FROM t",
               "line 1, column 33: syntax error: expected END, got \"FROM\"");
  expect_error("SELECT key + INTERVAL '1' DAY FROM t",
               "line 1, column 12: operator does not exist: BIGINT + INTERVAL");
  expect_error("SELECT shipdate + INTERVAL 'x' DAY FROM t",
               "line 1, column 28: invalid interval 'x'");
  expect_error("SELECT shipdate + INTERVAL '1' WEEK FROM t",
               "line 1, column 32: syntax error: expected DAY, MONTH or YEAR, got \"WEEK\"");
  expect_error("SELECT INTERVAL '1' DAY FROM t",
               "line 1, column 8: INTERVAL is only supported added to or subtracted from a DATE");
  expect_error("SELECT EXTRACT(WEEK FROM shipdate) FROM t",
               "line 1, column 16: syntax error: expected YEAR, MONTH or DAY, got \"WEEK\"");
  expect_error("SELECT EXTRACT(YEAR FROM key) FROM t",
               "line 1, column 26: EXTRACT needs a DATE operand, got BIGINT");
  expect_error("SELECT SUBSTRING(key FROM 1) FROM t",
               "line 1, column 18: SUBSTRING needs a string operand, got BIGINT");
  expect_error("SELECT SUBSTRING(flag FROM 1.5) FROM t",
               "line 1, column 28: SUBSTRING start must be BIGINT, got DOUBLE");
  expect_error("SELECT SUBSTRING(flag, 1 FOR 2) FROM t",
               "line 1, column 26: syntax error: expected \")\", got \"FOR\"");
  expect_error("SELECT key FROM t WHERE key NOT 1",
               "line 1, column 29: syntax error: expected end of input, got \"NOT\"");
}

}  // namespace
}  // namespace tranche::sql_test
