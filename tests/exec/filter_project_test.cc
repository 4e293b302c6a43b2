// Unit tests of the streaming operators: filter (TRUE rows only, zero-copy
// pass-through, no empty batches), project and limit across batches.
#include <gtest/gtest.h>

#include "exec/operators.h"
#include "exec_test_util.h"

namespace tranche {
namespace {

using namespace test;

const schema k_schema{{{"id", type_id::int64}, {"name", type_id::string}, {"x", type_id::float64}}};

batch people(const rows_t& rows) { return make_batch(k_schema, rows); }

TEST(Filter, KeepsOnlyTrueRows) {
  auto in = people({{I(1), S("a"), F(1.5)},
                    {I(2), null_v, F(2.5)},
                    {null_v, S("c"), F(3.5)},
                    {I(4), S("d"), null_v}});
  // id > 1: NULL for row 3 (dropped), FALSE for row 1.
  auto op = make_filter(binary(expr_op::gt, col(0, type_id::int64), lit(I(1), type_id::int64)));
  auto r = run(*op, {in});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(rows_of(r.out), (rows_t{{I(2), null_v, F(2.5)}, {I(4), S("d"), null_v}}));
  EXPECT_EQ(r.out[0].schema, k_schema);
}

TEST(Filter, AllRowsPassWithoutCopy) {
  auto in = people({{I(1), S("a"), F(1)}, {I(2), S("b"), F(2)}});
  auto op = make_filter(unary(expr_op::is_not_null, col(0, type_id::int64)));
  auto r = run(*op, {in});
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.out.size(), 1u);
  for (size_t c = 0; c < in.columns.size(); ++c)
    EXPECT_EQ(r.out[0].columns[c].get(), in.columns[c].get());
}

TEST(Filter, SkipsEmptyOutputBatches) {
  auto a = people({{I(1), S("a"), F(1)}});
  auto b = people({{I(5), S("b"), F(2)}, {I(6), S("c"), F(3)}});
  auto op = make_filter(binary(expr_op::ge, col(0, type_id::int64), lit(I(5), type_id::int64)));
  auto r = run(*op, {a, b, a, people({})});
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.out[0].rows, 2u);
}

TEST(Filter, NullPredicateLiteralDropsEverything) {
  auto op = make_filter(lit(value{}, type_id::boolean));
  auto r = run(*op, {people({{I(1), S("a"), F(1)}})});
  ASSERT_TRUE(r.status.ok());
  EXPECT_TRUE(r.out.empty());
}

TEST(Filter, EvaluationErrorsPropagate) {
  auto op = make_filter(binary(expr_op::gt, cast(col(1, type_id::string), type_id::int64),
                               lit(I(0), type_id::int64)));
  auto r = run(*op, {people({{I(1), S("x1"), F(1)}})});
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(), "cannot cast \"x1\" to BIGINT");
}

TEST(Project, ComputesNamedColumns) {
  auto in = people({{I(1), S("a"), F(1.5)}, {I(2), null_v, F(2.5)}});
  schema out{
      {{"double_id", type_id::int64}, {"name", type_id::string}, {"ratio", type_id::float64}}};
  auto op = make_project({binary(expr_op::mul, col(0, type_id::int64), lit(I(2), type_id::int64)),
                          col(1, type_id::string),
                          binary(expr_op::div, col(2, type_id::float64), col(0, type_id::int64))},
                         out);
  auto r = run(*op, {in});
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.out[0].schema, out);
  EXPECT_EQ(r.out[0].columns[1].get(), in.columns[1].get());  // column refs are shared
  EXPECT_EQ(rows_of(r.out), (rows_t{{I(2), S("a"), F(1.5)}, {I(4), null_v, F(1.25)}}));
}

TEST(Project, TypeMismatchIsAnError) {
  auto op = make_project({col(0, type_id::int64)}, schema{{{"s", type_id::string}}});
  auto r = run(*op, {people({{I(1), S("a"), F(1)}})});
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
}

TEST(Limit, AcrossBatches) {
  std::vector<batch> in;
  for (int b = 0; b < 3; ++b)
    in.push_back(people(
        {{I(b * 3), S("a"), F(0)}, {I(b * 3 + 1), S("b"), F(0)}, {I(b * 3 + 2), S("c"), F(0)}}));
  auto op = make_limit(5);
  auto r = run(*op, in);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.out.size(), 2u);
  EXPECT_EQ(r.out[0].rows, 3u);
  EXPECT_EQ(r.out[1].rows, 2u);
  auto rows = rows_of(r.out);
  ASSERT_EQ(rows.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(rows[i][0], I(i));

  auto zero = make_limit(0);
  r = run(*zero, in);
  ASSERT_TRUE(r.status.ok());
  EXPECT_TRUE(r.out.empty());

  auto exact = make_limit(6);
  r = run(*exact, in);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(rows_of(r.out).size(), 6u);
}

}  // namespace
}  // namespace tranche
