// Unit tests of evaluate(): three-valued logic, NULL propagation through every
// operator, arithmetic (division by zero, overflow errors), comparisons across
// types, casts and their error texts, and the zero-copy column/literal paths.
#include "exec/expr.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "exec_test_util.h"

namespace tranche {
namespace {

using namespace test;

constexpr int64_t k_max = std::numeric_limits<int64_t>::max();
constexpr int64_t k_min = std::numeric_limits<int64_t>::min();

// Two boolean columns a, b holding all nine (TRUE, FALSE, NULL) pairs.
batch truth_pairs() {
  const std::vector<value> tfn = {B(true), B(false), null_v};
  rows_t rows;
  for (const auto& x : tfn)
    for (const auto& y : tfn) rows.push_back({x, y});
  return make_batch(schema{{{"a", type_id::boolean}, {"b", type_id::boolean}}}, rows);
}

TEST(ExprLogic, AndTruthTable) {
  auto b = truth_pairs();
  auto e = binary(expr_op::and_, col(0, type_id::boolean), col(1, type_id::boolean));
  // Rows: TT TF TN FT FF FN NT NF NN.
  EXPECT_EQ(eval(e, b), (std::vector<value>{B(true), B(false), null_v, B(false), B(false), B(false),
                                            null_v, B(false), null_v}));
}

TEST(ExprLogic, OrTruthTable) {
  auto b = truth_pairs();
  auto e = binary(expr_op::or_, col(0, type_id::boolean), col(1, type_id::boolean));
  EXPECT_EQ(eval(e, b), (std::vector<value>{B(true), B(true), B(true), B(true), B(false), null_v,
                                            B(true), null_v, null_v}));
}

TEST(ExprLogic, NotKeepsNull) {
  auto b = column_batch(type_id::boolean, {B(true), B(false), null_v});
  EXPECT_EQ(eval(unary(expr_op::not_, col(0, type_id::boolean)), b),
            (std::vector<value>{B(false), B(true), null_v}));
}

TEST(ExprLogic, LiteralOperandsIncludingNull) {
  auto b = column_batch(type_id::boolean, {B(true), B(false), null_v});
  auto a = col(0, type_id::boolean);
  auto null_bool = lit(value{}, type_id::boolean);
  EXPECT_EQ(eval(binary(expr_op::and_, a, null_bool), b),
            (std::vector<value>{null_v, B(false), null_v}));
  EXPECT_EQ(eval(binary(expr_op::or_, null_bool, a), b),
            (std::vector<value>{B(true), null_v, null_v}));
  EXPECT_EQ(eval(binary(expr_op::and_, a, lit(B(false), type_id::boolean)), b),
            (std::vector<value>{B(false), B(false), B(false)}));
  EXPECT_EQ(eval(binary(expr_op::or_, a, lit(B(true), type_id::boolean)), b),
            (std::vector<value>{B(true), B(true), B(true)}));
}

TEST(ExprLogic, NoNullsMeansEmptyValidity) {
  auto b = truth_pairs();
  auto sub = take(b, {0, 1, 3, 4});  // only TRUE/FALSE pairs
  auto r =
      evaluate(*binary(expr_op::and_, col(0, type_id::boolean), col(1, type_id::boolean)), sub);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)->has_nulls());
  EXPECT_TRUE((*r)->valid().empty());
}

TEST(ExprNullTest, IsNullNeverNull) {
  auto b = column_batch(type_id::int64, {I(1), null_v, I(3)});
  auto r = evaluate(*unary(expr_op::is_null, col(0, type_id::int64)), b);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)->has_nulls());
  EXPECT_EQ(values_of(**r), (std::vector<value>{B(false), B(true), B(false)}));
  EXPECT_EQ(eval(unary(expr_op::is_not_null, col(0, type_id::int64)), b),
            (std::vector<value>{B(true), B(false), B(true)}));
  auto no_nulls = column_batch(type_id::string, {S("x"), S("")});
  EXPECT_EQ(eval(unary(expr_op::is_null, col(0, type_id::string)), no_nulls),
            (std::vector<value>{B(false), B(false)}));
  EXPECT_EQ(eval(unary(expr_op::is_null, lit(value{}, type_id::int64)), no_nulls),
            (std::vector<value>{B(true), B(true)}));
}

batch two_ints(const rows_t& rows) {
  return make_batch(schema{{{"a", type_id::int64}, {"b", type_id::int64}}}, rows);
}

TEST(ExprArith, NullPropagation) {
  auto b = two_ints({{I(1), I(2)}, {null_v, I(2)}, {I(1), null_v}, {null_v, null_v}});
  auto a = col(0, type_id::int64), c = col(1, type_id::int64);
  for (expr_op op : {expr_op::add, expr_op::sub, expr_op::mul, expr_op::div, expr_op::mod}) {
    auto v = eval(binary(op, a, c), b);
    ASSERT_EQ(v.size(), 4u);
    EXPECT_FALSE(is_null(v[0]));
    EXPECT_TRUE(is_null(v[1]) && is_null(v[2]) && is_null(v[3])) << static_cast<int>(op);
  }
  EXPECT_EQ(eval(binary(expr_op::add, a, lit(value{}, type_id::int64)), b),
            (std::vector<value>{null_v, null_v, null_v, null_v}));
  EXPECT_EQ(eval(unary(expr_op::neg, a), b), (std::vector<value>{I(-1), null_v, I(-1), null_v}));
}

TEST(ExprArith, IntegerResults) {
  auto b = two_ints({{I(7), I(2)}, {I(-7), I(3)}, {I(k_max), I(-1)}});
  auto a = col(0, type_id::int64), c = col(1, type_id::int64);
  auto add = binary(expr_op::add, a, c);
  EXPECT_EQ(add->type, type_id::int64);
  EXPECT_EQ(eval(add, b), (std::vector<value>{I(9), I(-4), I(k_max - 1)}));
  EXPECT_EQ(eval(binary(expr_op::sub, a, c), take(b, {0, 1})), (std::vector<value>{I(5), I(-10)}));
  EXPECT_EQ(eval(binary(expr_op::mul, a, c), b), (std::vector<value>{I(14), I(-21), I(-k_max)}));
}

TEST(ExprArith, DivisionAlwaysDoubleAndModSign) {
  auto b = two_ints({{I(7), I(2)}, {I(-7), I(3)}, {I(7), I(-3)}, {I(k_min), I(-1)}});
  auto a = col(0, type_id::int64), c = col(1, type_id::int64);
  auto div = binary(expr_op::div, a, c);
  EXPECT_EQ(div->type, type_id::float64);
  EXPECT_EQ(eval(div, b),
            (std::vector<value>{F(3.5), F(-7.0 / 3), F(7.0 / -3), F(9223372036854775808.0)}));
  EXPECT_EQ(eval(binary(expr_op::mod, a, c), b), (std::vector<value>{I(1), I(-1), I(1), I(0)}));
}

TEST(ExprArith, DivisionAndModuloByZeroAreNull) {
  auto b = two_ints({{I(7), I(0)}, {I(8), I(2)}, {null_v, I(0)}});
  auto a = col(0, type_id::int64), c = col(1, type_id::int64);
  EXPECT_EQ(eval(binary(expr_op::div, a, c), b), (std::vector<value>{null_v, F(4), null_v}));
  EXPECT_EQ(eval(binary(expr_op::mod, a, c), b), (std::vector<value>{null_v, I(0), null_v}));
  EXPECT_EQ(eval(binary(expr_op::div, a, lit(I(0), type_id::int64)), b),
            (std::vector<value>{null_v, null_v, null_v}));
  auto f = column_batch(type_id::float64, {F(1.5), F(-2), null_v});
  auto fa = col(0, type_id::float64);
  EXPECT_EQ(eval(binary(expr_op::div, fa, lit(F(0.0), type_id::float64)), f),
            (std::vector<value>{null_v, null_v, null_v}));
  EXPECT_EQ(eval(binary(expr_op::mod, fa, lit(F(-0.0), type_id::float64)), f),
            (std::vector<value>{null_v, null_v, null_v}));
  EXPECT_EQ(eval(binary(expr_op::mod, fa, lit(F(1.0), type_id::float64)), f),
            (std::vector<value>{F(0.5), F(-0.0), null_v}));
}

TEST(ExprArith, OverflowIsAnError) {
  auto b = two_ints({{I(k_max), I(1)}, {I(1), I(1)}});
  auto a = col(0, type_id::int64), c = col(1, type_id::int64);
  EXPECT_EQ(eval_error(binary(expr_op::add, a, c), b), "integer overflow in (a + b)");
  EXPECT_EQ(eval_error(binary(expr_op::add, a, lit(I(1), type_id::int64)), b),
            "integer overflow in (a + 1)");
  EXPECT_EQ(eval_error(binary(expr_op::mul, a, lit(I(2), type_id::int64)), b),
            "integer overflow in (a * 2)");
  EXPECT_EQ(eval_error(binary(expr_op::sub, lit(I(-2), type_id::int64), a), b),
            "integer overflow in (-2 - a)");
  auto m = column_batch(type_id::int64, {I(k_min)});
  EXPECT_EQ(eval_error(unary(expr_op::neg, col(0, type_id::int64)), m), "integer overflow in -a");
  // Near the edge but not over.
  EXPECT_EQ(eval(binary(expr_op::sub, a, c), b), (std::vector<value>{I(k_max - 1), I(0)}));
}

TEST(ExprArith, OverflowOnNullRowIsIgnored) {
  // The stored value under a NULL is arbitrary; it must not raise an error.
  auto c = std::make_shared<column>(type_id::int64);
  c->i64() = {k_max, 5};
  c->valid() = {0, 1};
  c->set_size(2);
  batch b{schema{{{"a", type_id::int64}}}, {c}, 2};
  EXPECT_EQ(eval(binary(expr_op::add, col(0, type_id::int64), lit(I(1), type_id::int64)), b),
            (std::vector<value>{null_v, I(6)}));
  EXPECT_EQ(eval(unary(expr_op::neg, col(0, type_id::int64)), b),
            (std::vector<value>{null_v, I(-5)}));
}

TEST(ExprArith, AllValidMapResultsHaveNoValidity) {
  // A validity map of all ones (e.g. from a builder) means no NULLs: results
  // come back in the compact form.
  auto c = std::make_shared<column>(type_id::int64);
  c->i64() = {1, 2};
  c->valid() = {1, 1};
  c->set_size(2);
  batch b{schema{{{"a", type_id::int64}}}, {c}, 2};
  for (const auto& e : {binary(expr_op::add, col(0, type_id::int64), lit(I(1), type_id::int64)),
                        binary(expr_op::lt, col(0, type_id::int64), lit(I(2), type_id::int64)),
                        cast(col(0, type_id::int64), type_id::string),
                        unary(expr_op::neg, col(0, type_id::int64))}) {
    auto r = evaluate(*e, b);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE((*r)->valid().empty()) << to_string(*e);
  }
}

TEST(ExprArith, MixedPromotesToDouble) {
  auto b = make_batch(schema{{{"i", type_id::int64}, {"f", type_id::float64}}},
                      {{I(1), F(2.5)}, {I(-3), F(0.25)}, {null_v, F(1)}});
  auto i = col(0, type_id::int64), f = col(1, type_id::float64);
  auto add = binary(expr_op::add, i, f);
  EXPECT_EQ(add->type, type_id::float64);
  EXPECT_EQ(eval(add, b), (std::vector<value>{F(3.5), F(-2.75), null_v}));
  EXPECT_EQ(eval(binary(expr_op::mul, f, i), b), (std::vector<value>{F(2.5), F(-0.75), null_v}));
  EXPECT_EQ(eval(binary(expr_op::sub, i, lit(F(0.5), type_id::float64)), b),
            (std::vector<value>{F(0.5), F(-3.5), null_v}));
}

TEST(ExprCompare, IntFloatAcrossTypesExactly) {
  const int64_t big = (int64_t{1} << 53) + 1;  // not representable as a double
  auto b = make_batch(schema{{{"i", type_id::int64}, {"f", type_id::float64}}},
                      {{I(3), F(3.5)},
                       {I(3), F(3.0)},
                       {I(4), F(3.5)},
                       {I(big), F(9007199254740992.0)},
                       {null_v, F(1)},
                       {I(-3), F(-3.5)}});
  auto i = col(0, type_id::int64), f = col(1, type_id::float64);
  EXPECT_EQ(eval(binary(expr_op::lt, i, f), b),
            (std::vector<value>{B(true), B(false), B(false), B(false), null_v, B(false)}));
  EXPECT_EQ(eval(binary(expr_op::eq, i, f), b),
            (std::vector<value>{B(false), B(true), B(false), B(false), null_v, B(false)}));
  EXPECT_EQ(eval(binary(expr_op::gt, f, i), b),  // float on the left: mirrored
            (std::vector<value>{B(true), B(false), B(false), B(false), null_v, B(false)}));
  EXPECT_EQ(eval(binary(expr_op::ge, i, lit(F(3.0), type_id::float64)), b),
            (std::vector<value>{B(true), B(true), B(true), B(true), null_v, B(false)}));
}

TEST(ExprCompare, AllOperatorsOnInts) {
  auto b = two_ints({{I(1), I(2)}, {I(2), I(2)}, {I(3), I(2)}});
  auto a = col(0, type_id::int64), c = col(1, type_id::int64);
  auto t = B(true), f = B(false);
  EXPECT_EQ(eval(binary(expr_op::eq, a, c), b), (std::vector<value>{f, t, f}));
  EXPECT_EQ(eval(binary(expr_op::ne, a, c), b), (std::vector<value>{t, f, t}));
  EXPECT_EQ(eval(binary(expr_op::lt, a, c), b), (std::vector<value>{t, f, f}));
  EXPECT_EQ(eval(binary(expr_op::le, a, c), b), (std::vector<value>{t, t, f}));
  EXPECT_EQ(eval(binary(expr_op::gt, a, c), b), (std::vector<value>{f, f, t}));
  EXPECT_EQ(eval(binary(expr_op::ge, a, c), b), (std::vector<value>{f, t, t}));
  EXPECT_EQ(eval(binary(expr_op::lt, lit(I(2), type_id::int64), a), b),
            (std::vector<value>{f, f, t}));
}

TEST(ExprCompare, DatesAgainstLiteral) {
  auto b = column_batch(type_id::date, {D("1998-09-01"), D("1998-09-02"), null_v, D("2000-01-01")},
                        "shipdate");
  auto e = binary(expr_op::lt, col(0, type_id::date), lit(D("1998-09-02"), type_id::date));
  auto r = evaluate(*e, b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(values_of(**r), (std::vector<value>{B(true), B(false), null_v, B(false)}));
  auto no_nulls = take(b, {0, 1, 3});
  r = evaluate(*e, no_nulls);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)->valid().empty());
  EXPECT_EQ(eval(binary(expr_op::ge, col(0, type_id::date), col(0, type_id::date)), b),
            (std::vector<value>{B(true), B(true), null_v, B(true)}));
}

TEST(ExprCompare, StringsBytewise) {
  auto b =
      make_batch(schema{{{"s", type_id::string}, {"t", type_id::string}}}, {{S("abc"), S("abc")},
                                                                            {S("abc"), S("abd")},
                                                                            {S(""), S("a")},
                                                                            {S("\xff"), S("a")},
                                                                            {S("ab"), S("abc")},
                                                                            {null_v, S("x")}});
  auto s = col(0, type_id::string), t = col(1, type_id::string);
  EXPECT_EQ(eval(binary(expr_op::eq, s, t), b),
            (std::vector<value>{B(true), B(false), B(false), B(false), B(false), null_v}));
  EXPECT_EQ(eval(binary(expr_op::lt, s, t), b),
            (std::vector<value>{B(false), B(true), B(true), B(false), B(true), null_v}));
  EXPECT_EQ(eval(binary(expr_op::eq, s, lit(S("abc"), type_id::string)), b),
            (std::vector<value>{B(true), B(true), B(false), B(false), B(false), null_v}));
  EXPECT_EQ(eval(binary(expr_op::ne, lit(S("ab"), type_id::string), s), b),
            (std::vector<value>{B(true), B(true), B(true), B(true), B(false), null_v}));
}

TEST(ExprCompare, BooleansAndNullLiteral) {
  auto b = truth_pairs();
  auto a = col(0, type_id::boolean), c = col(1, type_id::boolean);
  // FALSE < TRUE.
  EXPECT_EQ(eval(binary(expr_op::lt, a, c), take(b, {0, 1, 3, 4})),
            (std::vector<value>{B(false), B(false), B(true), B(false)}));
  auto ints = column_batch(type_id::int64, {I(1), I(2)});
  EXPECT_EQ(eval(binary(expr_op::eq, col(0, type_id::int64), lit(value{}, type_id::int64)), ints),
            (std::vector<value>{null_v, null_v}));
}

TEST(ExprCast, NumericConversions) {
  auto f = column_batch(type_id::float64, {F(2.5), F(-2.5), F(2.4), F(-0.4), null_v});
  EXPECT_EQ(eval(cast(col(0, type_id::float64), type_id::int64), f),
            (std::vector<value>{I(3), I(-3), I(2), I(0), null_v}));
  auto i = column_batch(type_id::int64, {I(3), I(0), null_v});
  EXPECT_EQ(eval(cast(col(0, type_id::int64), type_id::float64), i),
            (std::vector<value>{F(3), F(0), null_v}));
  EXPECT_EQ(eval(cast(col(0, type_id::int64), type_id::boolean), i),
            (std::vector<value>{B(true), B(false), null_v}));
  auto bl = column_batch(type_id::boolean, {B(true), B(false), null_v});
  EXPECT_EQ(eval(cast(col(0, type_id::boolean), type_id::int64), bl),
            (std::vector<value>{I(1), I(0), null_v}));
  auto big = column_batch(type_id::float64, {F(1e19)});
  EXPECT_EQ(eval_error(cast(col(0, type_id::float64), type_id::int64), big),
            "cannot cast 1e+19 to BIGINT: out of range");
}

TEST(ExprCast, ToString) {
  auto x = make_batch(schema{{{"i", type_id::int64},
                              {"f", type_id::float64},
                              {"b", type_id::boolean},
                              {"d", type_id::date}}},
                      {{I(-42), F(0.1), B(true), D("1998-09-02")},
                       {null_v, F(1e20), B(false), D("2024-02-29")},
                       {I(7), F(2.5), null_v, null_v}});
  EXPECT_EQ(eval(cast(col(0, type_id::int64), type_id::string), x),
            (std::vector<value>{S("-42"), null_v, S("7")}));
  EXPECT_EQ(eval(cast(col(1, type_id::float64), type_id::string), x),
            (std::vector<value>{S("0.1"), S("1e+20"), S("2.5")}));
  EXPECT_EQ(eval(cast(col(2, type_id::boolean), type_id::string), x),
            (std::vector<value>{S("true"), S("false"), null_v}));
  EXPECT_EQ(eval(cast(col(3, type_id::date), type_id::string), x),
            (std::vector<value>{S("1998-09-02"), S("2024-02-29"), null_v}));
}

TEST(ExprCast, FromStringAndErrors) {
  auto s = column_batch(type_id::string, {S("42"), S(" -7 "), S("+5"), null_v});
  auto c = col(0, type_id::string);
  EXPECT_EQ(eval(cast(c, type_id::int64), s), (std::vector<value>{I(42), I(-7), I(5), null_v}));
  EXPECT_EQ(eval(cast(c, type_id::float64), s), (std::vector<value>{F(42), F(-7), F(5), null_v}));
  auto bad = column_batch(type_id::string, {S("1"), S("abc")});
  EXPECT_EQ(eval_error(cast(c, type_id::int64), bad), "cannot cast \"abc\" to BIGINT");
  EXPECT_EQ(eval_error(cast(c, type_id::float64), bad), "cannot cast \"abc\" to DOUBLE");
  EXPECT_EQ(eval_error(cast(c, type_id::date), bad), "cannot cast \"1\" to DATE");
  EXPECT_EQ(eval_error(cast(c, type_id::int64),
                       column_batch(type_id::string, {S("99999999999999999999")})),
            "cannot cast \"99999999999999999999\" to BIGINT");
  auto dates = column_batch(type_id::string, {S("1998-09-02"), S("1998-13-01")});
  EXPECT_EQ(eval(cast(c, type_id::date), take(dates, {0})), (std::vector<value>{D("1998-09-02")}));
  EXPECT_EQ(eval_error(cast(c, type_id::date), dates), "cannot cast \"1998-13-01\" to DATE");
  auto bools = column_batch(type_id::string, {S("true"), S("F"), S("yes"), S("0")});
  EXPECT_EQ(eval(cast(c, type_id::boolean), bools),
            (std::vector<value>{B(true), B(false), B(true), B(false)}));
  EXPECT_EQ(eval_error(cast(c, type_id::boolean), bad), "cannot cast \"abc\" to BOOLEAN");
}

TEST(ExprCast, NullRowsNeverFail) {
  // The bytes under a NULL string are arbitrary; they must not be parsed.
  auto c = std::make_shared<column>(type_id::string);
  c->append_string("abc");
  c->append_string("12");
  c->valid() = {0, 1};
  batch b{schema{{{"s", type_id::string}}}, {c}, 2};
  EXPECT_EQ(eval(cast(col(0, type_id::string), type_id::int64), b),
            (std::vector<value>{null_v, I(12)}));
}

TEST(ExprCast, UnsupportedAndSameType) {
  auto d = column_batch(type_id::date, {D("2000-01-01")});
  EXPECT_EQ(eval_error(cast(col(0, type_id::date), type_id::int64), d),
            "cannot cast DATE to BIGINT");
  auto r = evaluate(*cast(col(0, type_id::date), type_id::date), d);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->get(), d.columns[0].get());
}

TEST(ExprEval, ColumnRefIsNotCopiedAndLiteralBroadcasts) {
  auto b = two_ints({{I(1), I(2)}, {I(3), I(4)}});
  auto r = evaluate(*col(1, type_id::int64), b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->get(), b.columns[1].get());
  EXPECT_EQ(eval(lit(S("x"), type_id::string), b), (std::vector<value>{S("x"), S("x")}));
  EXPECT_EQ(eval(lit(value{}, type_id::date), b), (std::vector<value>{null_v, null_v}));
}

TEST(ExprEval, ConstantSubtreesFoldOncePerBatch) {
  auto b = column_batch(type_id::date, {D("1998-09-01"), D("1998-09-03")});
  // CAST('1998-09-02' AS DATE) is folded, then compared as a constant.
  auto e = binary(expr_op::lt, col(0, type_id::date),
                  cast(lit(S("1998-09-02"), type_id::string), type_id::date));
  EXPECT_EQ(eval(e, b), (std::vector<value>{B(true), B(false)}));
  EXPECT_EQ(eval(binary(expr_op::mul, lit(I(6), type_id::int64), lit(I(7), type_id::int64)), b),
            (std::vector<value>{I(42), I(42)}));
  // An empty batch raises no row errors, even from a failing constant.
  auto bad = cast(lit(S("abc"), type_id::string), type_id::int64);
  EXPECT_EQ(eval_error(bad, b), "cannot cast \"abc\" to BIGINT");
  EXPECT_TRUE(evaluate(*bad, take(b, {})).ok());
}

TEST(ExprEval, BadColumnReferencesAreErrors) {
  auto b = two_ints({{I(1), I(2)}});
  EXPECT_EQ(eval_error(col(5, type_id::int64), b),
            "column #5 is out of range for a batch of 2 columns");
  EXPECT_EQ(eval_error(col(0, type_id::string), b),
            "column \"a\" has type BIGINT, expected VARCHAR");
}

}  // namespace
}  // namespace tranche
