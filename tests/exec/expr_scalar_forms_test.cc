// Unit tests of the CASE, IN, LIKE, SUBSTRING and date kernels of evaluate():
// NULLs in every operand position, constant folding, LIKE's fast paths and
// general matcher (including UTF-8 and backtracking cases), SQL's treatment
// of out-of-range SUBSTRING starts, and month-end clamping across leap years.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "exec/expr.h"
#include "exec_test_util.h"

namespace tranche {
namespace {

using namespace test;

expr_ptr S_lit(const char* s) { return lit(S(s), type_id::string); }
expr_ptr I_lit(int64_t v) { return lit(I(v), type_id::int64); }

TEST(ExprCase, FirstTrueBranchWinsNullConditionsSkip) {
  auto b = column_batch(type_id::int64, {I(1), I(5), I(10), null_v});
  auto x = col(0, type_id::int64);
  auto e = nary(expr_op::case_,
                {binary(expr_op::lt, x, I_lit(3)), S_lit("small"), binary(expr_op::lt, x, I_lit(8)),
                 S_lit("medium"), S_lit("large")},
                type_id::string);
  // NULL makes both conditions NULL, so the row takes ELSE.
  EXPECT_EQ(eval(e, b), (std::vector<value>{S("small"), S("medium"), S("large"), S("large")}));
}

TEST(ExprCase, NoElseIsNullAndBranchValuesMayBeNull) {
  auto b = make_batch(schema{{{"c", type_id::boolean}, {"v", type_id::float64}}},
                      {{B(true), F(1.5)}, {B(false), F(2.5)}, {null_v, F(3.5)}, {B(true), null_v}});
  auto e =
      nary(expr_op::case_, {col(0, type_id::boolean), col(1, type_id::float64)}, type_id::float64);
  EXPECT_EQ(eval(e, b), (std::vector<value>{F(1.5), null_v, null_v, null_v}));
}

TEST(ExprCase, ConstantConditionsAndFolding) {
  auto b = column_batch(type_id::int64, {I(1), I(2)});
  auto t = lit(B(true), type_id::boolean);
  auto f = lit(B(false), type_id::boolean);
  auto x = col(0, type_id::int64);
  EXPECT_EQ(eval(nary(expr_op::case_, {f, I_lit(7), t, x, I_lit(9)}, type_id::int64), b),
            (std::vector<value>{I(1), I(2)}));
  EXPECT_EQ(
      eval(nary(expr_op::case_, {lit(value{}, type_id::boolean), I_lit(7)}, type_id::int64), b),
      (std::vector<value>{null_v, null_v}));
  // Dates and booleans gather through the same path.
  EXPECT_EQ(eval(nary(expr_op::case_,
                      {binary(expr_op::gt, x, I_lit(1)), lit(D("1995-03-01"), type_id::date)},
                      type_id::date),
                 b),
            (std::vector<value>{null_v, D("1995-03-01")}));
}

TEST(ExprInList, ThreeValuedWithNulls) {
  auto b = column_batch(type_id::int64, {I(1), I(2), I(3), null_v});
  auto x = col(0, type_id::int64);
  EXPECT_EQ(eval(nary(expr_op::in_list, {x, I_lit(1), I_lit(3)}), b),
            (std::vector<value>{B(true), B(false), B(true), null_v}));
  // A NULL item makes a miss unknown, never a hit.
  auto with_null = nary(expr_op::in_list, {x, I_lit(1), lit(value{}, type_id::int64)});
  EXPECT_EQ(eval(with_null, b), (std::vector<value>{B(true), null_v, null_v, null_v}));
  EXPECT_EQ(eval(unary(expr_op::not_, with_null), b),
            (std::vector<value>{B(false), null_v, null_v, null_v}));
}

TEST(ExprInList, StringsDoublesDates) {
  auto s = column_batch(type_id::string, {S("MAIL"), S("SHIP"), S(""), null_v});
  EXPECT_EQ(eval(nary(expr_op::in_list, {col(0, type_id::string), S_lit("SHIP"), S_lit("")}), s),
            (std::vector<value>{B(false), B(true), B(true), null_v}));
  auto f = column_batch(type_id::float64, {F(0.5), F(1.0)});
  EXPECT_EQ(
      eval(nary(expr_op::in_list, {col(0, type_id::float64), lit(F(1.0), type_id::float64)}), f),
      (std::vector<value>{B(false), B(true)}));
  auto d = column_batch(type_id::date, {D("1995-01-01"), D("1996-01-01")});
  EXPECT_EQ(
      eval(nary(expr_op::in_list, {col(0, type_id::date), lit(D("1996-01-01"), type_id::date)}), d),
      (std::vector<value>{B(false), B(true)}));
}

// LIKE of each string in `in` against `pattern`.
std::vector<value> like(const std::vector<value>& in, const char* pattern) {
  return eval(nary(expr_op::like, {col(0, type_id::string), S_lit(pattern)}),
              column_batch(type_id::string, in));
}

TEST(ExprLike, PercentOnlyFastPaths) {
  const std::vector<value> in = {S("PROMO BRUSHED"), S("STANDARD"), S("PROMO"), S(""), null_v};
  EXPECT_EQ(like(in, "PROMO%"), (std::vector<value>{B(true), B(false), B(true), B(false), null_v}));
  EXPECT_EQ(like(in, "%ED"), (std::vector<value>{B(true), B(false), B(false), B(false), null_v}));
  EXPECT_EQ(like(in, "%AN%"), (std::vector<value>{B(false), B(true), B(false), B(false), null_v}));
  EXPECT_EQ(like(in, "%"), (std::vector<value>{B(true), B(true), B(true), B(true), null_v}));
  EXPECT_EQ(like(in, ""), (std::vector<value>{B(false), B(false), B(false), B(true), null_v}));
  EXPECT_EQ(like(in, "PROMO"), (std::vector<value>{B(false), B(false), B(true), B(false), null_v}));
  EXPECT_EQ(like(in, "P%O%D"), (std::vector<value>{B(true), B(false), B(false), B(false), null_v}));
}

TEST(ExprLike, OverlappingPiecesAndRepeats) {
  // Prefix and suffix may not share characters.
  EXPECT_EQ(like({S("a"), S("aa"), S("aba")}, "a%a"),
            (std::vector<value>{B(false), B(true), B(true)}));
  // TPC-H Q13's shape: pieces found in order.
  EXPECT_EQ(like({S("x special y requests"), S("requests special"), S("specialrequests")},
                 "%special%requests%"),
            (std::vector<value>{B(true), B(false), B(true)}));
  EXPECT_EQ(like({S("aaa")}, "%%a%%"), (std::vector<value>{B(true)}));
}

TEST(ExprLike, UnderscoreMatchesOneCharacter) {
  EXPECT_EQ(like({S("abc"), S("ac"), S("abbc"), S("aéc")}, "a_c"),
            (std::vector<value>{B(true), B(false), B(false), B(true)}));
  EXPECT_EQ(like({S("é"), S("ab"), S("abc")}, "__"),
            (std::vector<value>{B(false), B(true), B(false)}));
  // Backtracking over %: the last "b_" must end the string.
  EXPECT_EQ(like({S("abxbyb"), S("abxby"), S("by")}, "%b_"),
            (std::vector<value>{B(false), B(true), B(true)}));
  EXPECT_EQ(like({S("mississippi")}, "m%s_s%i"), (std::vector<value>{B(true)}));
  EXPECT_EQ(like({S("mississippi")}, "m%s_z%i"), (std::vector<value>{B(false)}));
}

TEST(ExprLike, NullPatternAndConstantFolding) {
  auto b = column_batch(type_id::string, {S("x"), null_v});
  EXPECT_EQ(eval(nary(expr_op::like, {col(0, type_id::string), lit(value{}, type_id::string)}), b),
            (std::vector<value>{null_v, null_v}));
  EXPECT_EQ(eval(nary(expr_op::like, {S_lit("abc"), S_lit("a%")}), b),
            (std::vector<value>{B(true), B(true)}));
  EXPECT_EQ(
      eval(unary(expr_op::not_, nary(expr_op::like, {col(0, type_id::string), S_lit("x")})), b),
      (std::vector<value>{B(false), null_v}));
}

// SUBSTRING of one string constant.
value substring(const char* s, std::vector<expr_ptr> rest) {
  rest.insert(rest.begin(), S_lit(s));
  auto r = eval(nary(expr_op::substring, std::move(rest)), column_batch(type_id::int64, {I(0)}));
  return r.empty() ? value{} : r[0];
}

TEST(ExprSubstring, SqlSemantics) {
  EXPECT_EQ(substring("hello", {I_lit(2), I_lit(3)}), S("ell"));
  EXPECT_EQ(substring("hello", {I_lit(2)}), S("ello"));
  EXPECT_EQ(substring("hello", {I_lit(4), I_lit(10)}), S("lo"));
  EXPECT_EQ(substring("hello", {I_lit(6)}), S(""));
  EXPECT_EQ(substring("hello", {I_lit(99), I_lit(1)}), S(""));
  // Positions before 1 count towards the length but select nothing.
  EXPECT_EQ(substring("hello", {I_lit(0), I_lit(2)}), S("h"));
  EXPECT_EQ(substring("hello", {I_lit(-3), I_lit(5)}), S("h"));
  EXPECT_EQ(substring("hello", {I_lit(-3), I_lit(2)}), S(""));
  EXPECT_EQ(substring("hello", {I_lit(-3)}), S("hello"));
  EXPECT_EQ(substring("hello", {I_lit(2), I_lit(0)}), S(""));
  EXPECT_EQ(substring("hello", {I_lit(INT64_MAX), I_lit(INT64_MAX)}), S(""));
  EXPECT_EQ(substring("hello", {I_lit(INT64_MIN), I_lit(INT64_MAX)}), S(""));
  EXPECT_EQ(substring("héllo", {I_lit(2), I_lit(2)}), S("él"));
  EXPECT_EQ(substring("hello", {lit(value{}, type_id::int64)}), null_v);
  EXPECT_EQ(substring("hello", {I_lit(1), lit(value{}, type_id::int64)}), null_v);
}

TEST(ExprSubstring, ColumnsWithNullsAndNegativeLength) {
  auto b =
      make_batch(schema{{{"s", type_id::string}, {"k", type_id::int64}}},
                 {{S("13-555"), I(1)}, {null_v, I(1)}, {S("31-000"), null_v}, {S("ab"), I(2)}});
  EXPECT_EQ(
      eval(nary(expr_op::substring, {col(0, type_id::string), col(1, type_id::int64), I_lit(2)}),
           b),
      (std::vector<value>{S("13"), null_v, null_v, S("b")}));
  EXPECT_EQ(eval_error(nary(expr_op::substring, {col(0, type_id::string), I_lit(1), I_lit(-1)}), b),
            "negative substring length not allowed");
}

// `d` plus `k` of op (add_days or add_months), as text.
value date_add(expr_op op, const char* d, int64_t k) {
  auto r = eval(nary(op, {col(0, type_id::date), I_lit(k)}), column_batch(type_id::date, {D(d)}));
  return r.empty() ? value{} : r[0];
}

TEST(ExprDates, AddDaysAndMonthsClampToMonthEnd) {
  EXPECT_EQ(date_add(expr_op::add_days, "1998-12-01", -90), D("1998-09-02"));
  EXPECT_EQ(date_add(expr_op::add_days, "1996-02-28", 1), D("1996-02-29"));
  EXPECT_EQ(date_add(expr_op::add_days, "1999-12-31", 1), D("2000-01-01"));
  EXPECT_EQ(date_add(expr_op::add_months, "1995-01-31", 1), D("1995-02-28"));
  EXPECT_EQ(date_add(expr_op::add_months, "1996-01-31", 1), D("1996-02-29"));  // leap year
  EXPECT_EQ(date_add(expr_op::add_months, "2000-01-30", 1), D("2000-02-29"));  // 400-year leap
  EXPECT_EQ(date_add(expr_op::add_months, "1900-01-31", 1), D("1900-02-28"));  // no leap
  EXPECT_EQ(date_add(expr_op::add_months, "1996-02-29", 12), D("1997-02-28"));
  EXPECT_EQ(date_add(expr_op::add_months, "1995-03-31", -1), D("1995-02-28"));
  EXPECT_EQ(date_add(expr_op::add_months, "1995-05-31", 1), D("1995-06-30"));
  EXPECT_EQ(date_add(expr_op::add_months, "1995-12-15", 1), D("1996-01-15"));
  EXPECT_EQ(date_add(expr_op::add_months, "1995-01-15", -13), D("1993-12-15"));
  EXPECT_EQ(date_add(expr_op::add_months, "1994-01-01", 36), D("1997-01-01"));
}

TEST(ExprDates, OutOfRangeIsAnErrorAndNullsPropagate) {
  auto b = column_batch(type_id::date, {D("9999-12-01")});
  EXPECT_EQ(eval_error(nary(expr_op::add_months, {col(0, type_id::date), I_lit(1)}), b),
            "date out of range: 9999-12-01 + 1 months");
  EXPECT_EQ(eval_error(nary(expr_op::add_days, {col(0, type_id::date), I_lit(INT64_MAX)}), b),
            "date out of range: 9999-12-01 + 9223372036854775807 days");
  auto n = column_batch(type_id::date, {null_v, D("1995-01-01")});
  EXPECT_EQ(eval(nary(expr_op::add_days, {col(0, type_id::date), I_lit(INT64_MAX)}),
                 column_batch(type_id::date, {null_v})),
            (std::vector<value>{null_v}));
  EXPECT_EQ(
      eval(nary(expr_op::add_months, {col(0, type_id::date), lit(value{}, type_id::int64)}), n),
      (std::vector<value>{null_v, null_v}));
}

TEST(ExprDates, Extract) {
  auto b = column_batch(type_id::date, {D("1996-02-29"), D("0001-12-31"), null_v, D("1969-12-31")});
  auto d = col(0, type_id::date);
  EXPECT_EQ(eval(nary(expr_op::extract_year, {d}), b),
            (std::vector<value>{I(1996), I(1), null_v, I(1969)}));
  EXPECT_EQ(eval(nary(expr_op::extract_month, {d}), b),
            (std::vector<value>{I(2), I(12), null_v, I(12)}));
  EXPECT_EQ(eval(nary(expr_op::extract_day, {d}), b),
            (std::vector<value>{I(29), I(31), null_v, I(31)}));
}

}  // namespace
}  // namespace tranche
