// Unit tests of the sort operator: multi-key ASC/DESC, NULLS FIRST/LAST per
// key, stability across batches, top-N against a reference stable sort, and
// batching of large outputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "exec/operators.h"
#include "exec_test_util.h"

namespace tranche {
namespace {

using namespace test;

const schema k_schema{{{"a", type_id::int64}, {"s", type_id::string}, {"seq", type_id::int64}}};

rows_t sorted(const std::vector<sort_key>& keys, int64_t limit, const std::vector<batch>& in) {
  auto op = make_sort(keys, limit);
  auto r = run(*op, in);
  EXPECT_TRUE(r.status.ok()) << r.status;
  return rows_of(r.out);
}

std::vector<value> column_of(const rows_t& rows, size_t c) {
  std::vector<value> out;
  for (const auto& r : rows) out.push_back(r[c]);
  return out;
}

TEST(Sort, MultiKeyAscDesc) {
  auto b = make_batch(
      k_schema,
      {{I(2), S("x"), I(0)}, {I(1), S("y"), I(1)}, {I(2), S("z"), I(2)}, {I(1), S("a"), I(3)}});
  // a ASC, s DESC.
  auto rows = sorted({{0, true, false}, {1, false, false}}, -1, {b});
  EXPECT_EQ(column_of(rows, 2), (std::vector<value>{I(1), I(3), I(2), I(0)}));
  // a DESC, s ASC.
  rows = sorted({{0, false, false}, {1, true, false}}, -1, {b});
  EXPECT_EQ(column_of(rows, 2), (std::vector<value>{I(0), I(2), I(3), I(1)}));
}

TEST(Sort, NullsFirstAndLastPerKey) {
  auto b = make_batch(k_schema, {{I(2), S("x"), I(0)},
                                 {null_v, S("y"), I(1)},
                                 {I(1), null_v, I(2)},
                                 {null_v, null_v, I(3)},
                                 {I(1), S("b"), I(4)}});
  EXPECT_EQ(column_of(sorted({{0, true, false}}, -1, {b}), 2),
            (std::vector<value>{I(2), I(4), I(0), I(1), I(3)}));  // ASC NULLS LAST
  EXPECT_EQ(column_of(sorted({{0, true, true}}, -1, {b}), 2),
            (std::vector<value>{I(1), I(3), I(2), I(4), I(0)}));  // ASC NULLS FIRST
  EXPECT_EQ(column_of(sorted({{0, false, true}}, -1, {b}), 2),
            (std::vector<value>{I(1), I(3), I(0), I(2), I(4)}));  // DESC NULLS FIRST
  EXPECT_EQ(column_of(sorted({{0, false, false}}, -1, {b}), 2),
            (std::vector<value>{I(0), I(2), I(4), I(1), I(3)}));  // DESC NULLS LAST
  // a ASC NULLS LAST, s DESC NULLS FIRST.
  EXPECT_EQ(column_of(sorted({{0, true, false}, {1, false, true}}, -1, {b}), 2),
            (std::vector<value>{I(2), I(4), I(0), I(3), I(1)}));
}

TEST(Sort, StableAcrossBatches) {
  std::vector<batch> in;
  int seq = 0;
  for (int b = 0; b < 4; ++b) {
    rows_t rows;
    for (int i = 0; i < 5; ++i) rows.push_back({I(i % 2), S("same"), I(seq++)});
    in.push_back(make_batch(k_schema, rows));
  }
  auto rows = sorted({{1, true, false}, {0, false, false}}, -1, in);
  ASSERT_EQ(rows.size(), 20u);
  // Within each key, arrival order.
  for (size_t i = 1; i < rows.size(); ++i) {
    if (rows[i][0] == rows[i - 1][0]) {
      EXPECT_LT(std::get<int64_t>(rows[i - 1][2]), std::get<int64_t>(rows[i][2]));
    }
  }
  EXPECT_EQ(rows[0][0], I(1));
}

TEST(Sort, DoublesAndDates) {
  const schema s{{{"f", type_id::float64}, {"d", type_id::date}}};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto b = make_batch(s, {{F(1.5), D("2000-01-02")},
                          {F(nan), D("1999-12-31")},
                          {F(-2), null_v},
                          {null_v, D("2000-01-01")}});
  auto rows = sorted({{0, true, false}}, -1, {b});
  EXPECT_EQ(rows[0][0], F(-2));
  EXPECT_EQ(rows[1][0], F(1.5));
  EXPECT_TRUE(std::isnan(std::get<double>(rows[2][0])));  // NaN after every number
  EXPECT_TRUE(is_null(rows[3][0]));
  rows = sorted({{1, false, false}}, -1, {b});
  EXPECT_EQ(column_of(rows, 1),
            (std::vector<value>{D("2000-01-02"), D("2000-01-01"), D("1999-12-31"), null_v}));
}

// Reference: std::stable_sort of all rows by the same keys.
rows_t reference_sort(rows_t rows, const std::vector<sort_key>& keys, int64_t limit) {
  std::stable_sort(rows.begin(), rows.end(), [&](const auto& x, const auto& y) {
    for (const auto& k : keys) {
      const value& a = x[k.column];
      const value& b = y[k.column];
      if (is_null(a) || is_null(b)) {
        if (is_null(a) && is_null(b)) continue;
        return is_null(a) == k.nulls_first;
      }
      if (a == b) continue;
      return k.ascending ? a < b : b < a;
    }
    return false;
  });
  if (limit >= 0 && static_cast<size_t>(limit) < rows.size()) rows.resize(limit);
  return rows;
}

std::vector<batch> random_batches(size_t batches, size_t rows_per_batch, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<batch> out;
  int64_t seq = 0;
  for (size_t b = 0; b < batches; ++b) {
    rows_t rows;
    for (size_t i = 0; i < rows_per_batch; ++i) {
      value a = rng() % 7 == 0 ? null_v : I(static_cast<int64_t>(rng() % 20));
      value s = rng() % 9 == 0 ? null_v : S(std::string(1, static_cast<char>('a' + rng() % 4)));
      rows.push_back({a, s, I(seq++)});
    }
    out.push_back(make_batch(k_schema, rows));
  }
  return out;
}

TEST(Sort, TopNMatchesStableReference) {
  auto in = random_batches(40, 97, 11);
  const std::vector<std::vector<sort_key>> key_sets = {{{0, true, false}},
                                                       {{0, false, true}, {1, true, false}},
                                                       {{1, false, false}, {0, true, true}}};
  for (const auto& keys : key_sets) {
    for (int64_t limit : {0, 1, 5, 100, 1000, 5000, -1}) {
      EXPECT_EQ(sorted(keys, limit, in), reference_sort(rows_of(in), keys, limit))
          << "limit " << limit;
    }
  }
}

TEST(Sort, TopNOverManyRowsKeepsBoundAndOrder) {
  // Enough rows to trigger compactions of the kept set.
  auto in = random_batches(12, 10000, 12);
  const std::vector<sort_key> keys = {{0, false, false}, {1, true, true}};
  const rows_t all = reference_sort(rows_of(in), keys, -1);
  for (int64_t limit : {10, 70000}) {
    const rows_t expected(all.begin(), all.begin() + limit);
    EXPECT_EQ(sorted(keys, limit, in), expected) << "limit " << limit;
  }
}

TEST(Sort, StringKeysBeyondTheEightBytePrefix) {
  // Values share their first 8 bytes, so the order is decided past the
  // normalized prefix; "a" vs "a\0" differ only in length.
  const schema s{{{"s", type_id::string}, {"seq", type_id::int64}}};
  const std::vector<std::string> values = {"prefix__b",           "prefix__a", "prefix__",  "a",
                                           std::string("a\0", 2), "",          "prefix__a", "\xff"};
  rows_t rows;
  for (size_t i = 0; i < values.size(); ++i)
    rows.push_back({S(values[i]), I(static_cast<int64_t>(i))});
  rows.push_back({null_v, I(static_cast<int64_t>(values.size()))});
  auto b = make_batch(s, rows);
  for (bool asc : {true, false}) {
    const std::vector<sort_key> keys = {{0, asc, asc}};
    EXPECT_EQ(sorted(keys, -1, {b}), reference_sort(rows, keys, -1)) << asc;
    EXPECT_EQ(sorted(keys, 3, {b}), reference_sort(rows, keys, 3)) << asc;
  }
  EXPECT_EQ(column_of(sorted({{0, true, false}}, -1, {b}), 1),
            (std::vector<value>{I(5), I(3), I(4), I(2), I(1), I(6), I(0), I(7), I(8)}));
}

TEST(Sort, MixedTypeKeysMatchReference) {
  // Doubles (with -0.0 == 0.0 ties kept in arrival order), strings with a long
  // shared prefix, and booleans, each with NULLs.
  const schema s{{{"f", type_id::float64},
                  {"s", type_id::string},
                  {"b", type_id::boolean},
                  {"seq", type_id::int64}}};
  std::mt19937_64 rng(21);
  std::vector<batch> in;
  rows_t all;
  int64_t seq = 0;
  for (int b = 0; b < 5; ++b) {
    rows_t rows;
    for (int i = 0; i < 400; ++i) {
      const double fs[] = {-1.5, -0.0, 0.0, 2.25, 1e300};
      value f = rng() % 8 == 0 ? null_v : F(fs[rng() % 5]);
      value str = rng() % 8 == 0 ? null_v : S("same-prefix-" + std::to_string(rng() % 5));
      value bl = rng() % 8 == 0 ? null_v : B(rng() % 2 == 0);
      rows.push_back({f, str, bl, I(seq++)});
    }
    for (const auto& r : rows) all.push_back(r);
    in.push_back(make_batch(s, rows));
  }
  const std::vector<std::vector<sort_key>> key_sets = {
      {{0, true, false}, {1, false, true}, {2, true, true}},
      {{1, true, true}, {0, false, false}},
      {{2, false, false}, {1, true, false}, {0, true, true}},
      {{0, false, true}}};
  for (const auto& keys : key_sets) {
    for (int64_t limit : {-1, 7, 500}) {
      // The reference sees -0.0 == 0.0 too (variant compares doubles with
      // ==), and `seq` checks that such ties stay in arrival order.
      EXPECT_EQ(sorted(keys, limit, in), reference_sort(all, keys, limit)) << "limit " << limit;
    }
  }
}

TEST(Sort, NoKeysKeepsArrivalOrder) {
  auto in = random_batches(3, 10, 14);
  EXPECT_EQ(sorted({}, -1, in), rows_of(in));
  const rows_t all = rows_of(in);
  EXPECT_EQ(sorted({}, 4, in), rows_t(all.begin(), all.begin() + 4));
}

TEST(Sort, LargeOutputIsBatched) {
  auto in = random_batches(3, 50000, 13);
  auto op = make_sort({{2, false, false}}, -1);
  auto r = run(*op, in);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.out.size(), 3u);
  EXPECT_EQ(r.out[0].rows, 65536u);
  EXPECT_EQ(r.out[0].schema, k_schema);
  auto rows = rows_of(r.out);
  ASSERT_EQ(rows.size(), 150000u);
  EXPECT_EQ(rows.front()[2], I(149999));
  EXPECT_EQ(rows.back()[2], I(0));
}

TEST(Sort, EmptyInputAndBadKey) {
  EXPECT_TRUE(sorted({{0, true, false}}, -1, {}).empty());
  EXPECT_TRUE(sorted({{0, true, false}}, 3, {make_batch(k_schema, {})}).empty());
  auto op = make_sort({{7, true, false}});
  auto r = run(*op, {make_batch(k_schema, {{I(1), S("a"), I(0)}})});
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tranche
