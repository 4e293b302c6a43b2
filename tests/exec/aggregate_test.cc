// Unit tests of the two-phase hash aggregate: random input split over several
// partial tasks, partial outputs hash-partitioned, one final aggregate per
// partition; the union must equal a reference computed here with std::map.
// Also: NULL keys and values, MIN/MAX over strings and dates, the global
// aggregate over empty input, SUM overflow, many groups, and COUNT(DISTINCT)
// mixed with the others.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "exec/operators.h"
#include "exec_test_util.h"

namespace tranche {
namespace {

using namespace test;

// Input columns.
enum { c_kint, c_kstr, c_vint, c_vdbl, c_vstr, c_vdate };
const schema k_input{{{"kint", type_id::int64},
                      {"kstr", type_id::string},
                      {"vint", type_id::int64},
                      {"vdbl", type_id::float64},
                      {"vstr", type_id::string},
                      {"vdate", type_id::date}}};

// Random rows; doubles are multiples of 0.25 so every sum is exact whatever
// the order of addition, and results compare with ==.
std::vector<batch> random_input(size_t batches, size_t rows_per_batch, int int_keys,
                                uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  std::vector<batch> out;
  for (size_t b = 0; b < batches; ++b) {
    rows_t rows;
    for (size_t i = 0; i < rows_per_batch; ++i) {
      std::vector<value> r(6);
      r[c_kint] = pick(10) == 0 ? null_v : I(pick(int_keys));
      r[c_kstr] = pick(12) == 0 ? null_v : S("k" + std::to_string(pick(30)));
      r[c_vint] = pick(8) == 0 ? null_v : I(pick(2001) - 1000);
      r[c_vdbl] = pick(8) == 0 ? null_v : F((pick(4001) - 2000) * 0.25);
      r[c_vstr] =
          pick(5) == 0 ? null_v : S(std::string(1 + pick(3), static_cast<char>('a' + pick(26))));
      r[c_vdate] = pick(6) == 0 ? null_v : value{date_value{10000 + pick(3000)}};
      rows.push_back(std::move(r));
    }
    out.push_back(make_batch(k_input, rows));
  }
  return out;
}

aggregate_call agg(agg_fn fn, int column, type_id result, const std::string& name) {
  aggregate_call a;
  a.fn = fn;
  if (column >= 0) a.arg = col(column, k_input.fields[column].type);
  a.type = result;
  a.name = name;
  return a;
}

std::vector<aggregate_call> all_aggs() {
  return {agg(agg_fn::count_star, -1, type_id::int64, "n"),
          agg(agg_fn::count, c_vint, type_id::int64, "cnt"),
          agg(agg_fn::sum, c_vint, type_id::int64, "sum_i"),
          agg(agg_fn::sum, c_vdbl, type_id::float64, "sum_d"),
          agg(agg_fn::avg, c_vint, type_id::float64, "avg_i"),
          agg(agg_fn::avg, c_vdbl, type_id::float64, "avg_d"),
          agg(agg_fn::min, c_vint, type_id::int64, "min_i"),
          agg(agg_fn::max, c_vint, type_id::int64, "max_i"),
          agg(agg_fn::min, c_vstr, type_id::string, "min_s"),
          agg(agg_fn::max, c_vstr, type_id::string, "max_s"),
          agg(agg_fn::min, c_vdate, type_id::date, "min_date"),
          agg(agg_fn::max, c_vdbl, type_id::float64, "max_d")};
}

// The reference: straightforward per-group accumulation over rows.
struct ref_group {
  int64_t n = 0, cnt = 0, sum_i = 0, cnt_d = 0;
  double sum_d = 0;
  std::optional<int64_t> min_i, max_i, min_date;
  std::optional<std::string> min_s, max_s;
  std::optional<double> max_d;
};

template <class T>
void keep(std::optional<T>& slot, const T& v, bool want_max) {
  if (!slot || (want_max ? *slot < v : v < *slot)) slot = v;
}

template <class T>
value opt(const std::optional<T>& v) {
  return v ? value{*v} : value{};
}

// `key_of` maps an input row to its group key values.
rows_t reference(const std::vector<batch>& input,
                 const std::function<std::vector<value>(const std::vector<value>&)>& key_of,
                 bool global) {
  std::map<std::vector<value>, ref_group> groups;
  if (global) groups[{}];
  for (const auto& b : input) {
    for (size_t i = 0; i < b.rows; ++i) {
      const auto r = row_of(b, i);
      ref_group& g = groups[key_of(r)];
      ++g.n;
      if (!is_null(r[c_vint])) {
        const int64_t v = std::get<int64_t>(r[c_vint]);
        ++g.cnt;
        g.sum_i += v;
        keep(g.min_i, v, false);
        keep(g.max_i, v, true);
      }
      if (!is_null(r[c_vdbl])) {
        const double v = std::get<double>(r[c_vdbl]);
        ++g.cnt_d;
        g.sum_d += v;
        keep(g.max_d, v, true);
      }
      if (!is_null(r[c_vstr])) {
        keep(g.min_s, std::get<std::string>(r[c_vstr]), false);
        keep(g.max_s, std::get<std::string>(r[c_vstr]), true);
      }
      if (!is_null(r[c_vdate])) keep(g.min_date, std::get<date_value>(r[c_vdate]).days, false);
    }
  }
  rows_t out;
  for (const auto& [key, g] : groups) {
    std::vector<value> row = key;
    row.push_back(I(g.n));
    row.push_back(I(g.cnt));
    row.push_back(g.cnt ? I(g.sum_i) : null_v);
    row.push_back(g.cnt_d ? F(g.sum_d) : null_v);
    row.push_back(g.cnt ? F(static_cast<double>(g.sum_i) / static_cast<double>(g.cnt)) : null_v);
    row.push_back(g.cnt_d ? F(g.sum_d / static_cast<double>(g.cnt_d)) : null_v);
    row.push_back(opt(g.min_i));
    row.push_back(opt(g.max_i));
    row.push_back(opt(g.min_s));
    row.push_back(opt(g.max_s));
    row.push_back(g.min_date ? value{date_value{*g.min_date}} : null_v);
    row.push_back(opt(g.max_d));
    out.push_back(std::move(row));
  }
  std::sort(out.begin(), out.end());
  return out;
}

schema final_schema(const std::vector<field>& keys, const std::vector<aggregate_call>& aggs) {
  schema s{keys};
  for (const auto& a : aggs) s.fields.push_back({a.name, a.type});
  return s;
}

struct two_phase_result {
  absl::Status status;
  rows_t rows;  // sorted
  size_t partial_rows = 0;
};

// Runs the distributed shape: `tasks` partial aggregates over round-robin
// input batches, a hash shuffle on the keys into `partitions`, and one final
// aggregate per partition.
two_phase_result two_phase(const std::vector<batch>& input, const std::vector<expr_ptr>& keys,
                           const std::vector<field>& key_fields,
                           const std::vector<aggregate_call>& aggs, size_t tasks,
                           size_t partitions) {
  two_phase_result res;
  const schema partial = partial_aggregate_schema(key_fields, aggs);
  std::vector<std::vector<batch>> shuffled(partitions);
  std::vector<int> key_cols;
  for (size_t k = 0; k < keys.size(); ++k) key_cols.push_back(static_cast<int>(k));
  for (size_t t = 0; t < tasks; ++t) {
    std::vector<batch> mine;
    for (size_t i = t; i < input.size(); i += tasks) mine.push_back(input[i]);
    auto op = make_partial_aggregate(keys, aggs, partial);
    auto r = run(*op, mine);
    if (!r.status.ok()) {
      res.status = r.status;
      return res;
    }
    for (const auto& b : r.out) {
      EXPECT_EQ(b.schema, partial);
      res.partial_rows += b.rows;
      auto parts = hash_partition(b, key_cols, partitions);
      for (size_t p = 0; p < partitions; ++p) shuffled[p].push_back(std::move(parts[p]));
    }
  }
  const schema out = final_schema(key_fields, aggs);
  for (size_t p = 0; p < partitions; ++p) {
    auto op = make_final_aggregate(keys.size(), aggs, out);
    auto r = run(*op, shuffled[p]);
    if (!r.status.ok()) {
      res.status = r.status;
      return res;
    }
    for (const auto& b : r.out) EXPECT_EQ(b.schema, out);
    for (auto& row : rows_of(r.out)) res.rows.push_back(std::move(row));
  }
  std::sort(res.rows.begin(), res.rows.end());
  return res;
}

TEST(Aggregate, IntKeyMatchesReference) {
  auto input = random_input(9, 700, 50, 1);
  auto ref = reference(
      input, [](const auto& r) { return std::vector<value>{r[c_kint]}; }, false);
  for (auto [tasks, parts] : {std::pair<size_t, size_t>{1, 1}, {3, 4}, {5, 2}}) {
    auto got = two_phase(input, {col(c_kint, type_id::int64)}, {{"kint", type_id::int64}},
                         all_aggs(), tasks, parts);
    ASSERT_TRUE(got.status.ok()) << got.status;
    EXPECT_EQ(got.rows, ref) << tasks << " tasks, " << parts << " partitions";
  }
  EXPECT_EQ(ref.size(), 51u);  // 50 values and the NULL group
}

TEST(Aggregate, StringKeyMatchesReference) {
  // 30 distinct strings: the table outgrows its linear list and rehashes.
  auto input = random_input(6, 500, 10, 2);
  auto ref = reference(
      input, [](const auto& r) { return std::vector<value>{r[c_kstr]}; }, false);
  auto got = two_phase(input, {col(c_kstr, type_id::string)}, {{"kstr", type_id::string}},
                       all_aggs(), 4, 3);
  ASSERT_TRUE(got.status.ok()) << got.status;
  EXPECT_EQ(got.rows, ref);
  EXPECT_EQ(ref.size(), 31u);
}

TEST(Aggregate, TwoKeyExpressionsMatchReference) {
  auto input = random_input(5, 600, 40, 3);
  auto key0 = binary(expr_op::mod, col(c_kint, type_id::int64), lit(I(4), type_id::int64));
  auto ref = reference(
      input,
      [](const auto& r) {
        value k0 = is_null(r[c_kint]) ? null_v : I(std::get<int64_t>(r[c_kint]) % 4);
        return std::vector<value>{k0, r[c_kstr]};
      },
      false);
  auto got = two_phase(input, {key0, col(c_kstr, type_id::string)},
                       {{"k0", type_id::int64}, {"kstr", type_id::string}}, all_aggs(), 3, 5);
  ASSERT_TRUE(got.status.ok()) << got.status;
  EXPECT_EQ(got.rows, ref);
}

TEST(Aggregate, GlobalMatchesReference) {
  auto input = random_input(7, 300, 5, 4);
  auto ref = reference(
      input, [](const auto&) { return std::vector<value>{}; }, true);
  auto got = two_phase(input, {}, {}, all_aggs(), 3, 1);
  ASSERT_TRUE(got.status.ok()) << got.status;
  EXPECT_EQ(got.partial_rows, 3u);  // one state row per partial task
  EXPECT_EQ(got.rows, ref);
}

TEST(Aggregate, GlobalOverEmptyInput) {
  const auto aggs = all_aggs();
  // Partial tasks that saw nothing (or only empty batches) still emit a state row.
  auto got = two_phase({make_batch(k_input, {})}, {}, {}, aggs, 2, 1);
  ASSERT_TRUE(got.status.ok()) << got.status;
  EXPECT_EQ(got.partial_rows, 2u);
  rows_t expected = {
      {I(0), I(0), null_v, null_v, null_v, null_v, null_v, null_v, null_v, null_v, null_v, null_v}};
  EXPECT_EQ(got.rows, expected);

  // A final aggregate that receives no rows at all.
  auto final_op = make_final_aggregate(0, aggs, final_schema({}, aggs));
  auto r = run(*final_op, {});
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(rows_of(r.out), expected);
  auto silent = make_final_aggregate(0, aggs, final_schema({}, aggs), false);
  r = run(*silent, {});
  ASSERT_TRUE(r.status.ok());
  EXPECT_TRUE(r.out.empty());
}

TEST(Aggregate, KeyedOverEmptyInputEmitsNothing) {
  auto got =
      two_phase({}, {col(c_kint, type_id::int64)}, {{"kint", type_id::int64}}, all_aggs(), 2, 2);
  ASSERT_TRUE(got.status.ok());
  EXPECT_TRUE(got.rows.empty());
}

TEST(Aggregate, AllNullKeysFormOneGroupDistinctFromValues) {
  rows_t rows;
  for (int i = 0; i < 6; ++i)
    rows.push_back({i % 2 ? null_v : I(0), i % 3 ? null_v : S(""), I(i), F(0), null_v, null_v});
  std::vector<batch> input{make_batch(k_input, rows)};
  auto ref = reference(
      input,
      [](const auto& r) {
        return std::vector<value>{r[c_kint], r[c_kstr]};
      },
      false);
  auto got = two_phase(input, {col(c_kint, type_id::int64), col(c_kstr, type_id::string)},
                       {{"kint", type_id::int64}, {"kstr", type_id::string}}, all_aggs(), 2, 3);
  ASSERT_TRUE(got.status.ok()) << got.status;
  EXPECT_EQ(got.rows, ref);
  EXPECT_EQ(ref.size(), 4u);  // (0,''), (NULL,NULL), (0,NULL), (NULL,'')
}

TEST(Aggregate, FloatAndBooleanKeys) {
  const schema s{{{"f", type_id::float64}, {"b", type_id::boolean}, {"v", type_id::int64}}};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto in = make_batch(s, {{F(0.0), B(true), I(1)},
                           {F(-0.0), B(false), I(2)},
                           {F(nan), null_v, I(3)},
                           {F(-nan), B(true), I(4)},
                           {null_v, B(false), I(5)}});
  aggregate_call sum;
  sum.fn = agg_fn::sum;
  sum.arg = col(2, type_id::int64);
  sum.type = type_id::int64;
  sum.name = "s";
  for (int k = 0; k < 2; ++k) {
    const type_id t = s.fields[k].type;
    auto op =
        make_partial_aggregate({col(k, t)}, {sum}, partial_aggregate_schema({s.fields[k]}, {sum}));
    auto r = run(*op, {in});
    ASSERT_TRUE(r.status.ok()) << r.status;
    auto rows = rows_of(r.out);
    // -0.0 joins 0.0, the NaNs form one group; booleans: true, false, NULL.
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0][1], I(k == 0 ? 3 : 5));
    EXPECT_EQ(rows[1][1], I(k == 0 ? 7 : 7));
  }
}

TEST(Aggregate, SumOverflowIsAnError) {
  const int64_t big = std::numeric_limits<int64_t>::max();
  rows_t rows = {{I(1), S("a"), I(big), F(0), null_v, null_v},
                 {I(1), S("a"), I(1), F(0), null_v, null_v}};
  const std::vector<aggregate_call> aggs = {agg(agg_fn::sum, c_vint, type_id::int64, "total")};
  auto got = two_phase({make_batch(k_input, rows)}, {col(c_kint, type_id::int64)},
                       {{"kint", type_id::int64}}, aggs, 1, 1);
  EXPECT_EQ(got.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(got.status.message(), "integer overflow in SUM for \"total\"");
  // Each partial fits; the merge overflows.
  std::vector<batch> split = {make_batch(k_input, {rows[0]}), make_batch(k_input, {rows[0]})};
  got = two_phase(split, {col(c_kint, type_id::int64)}, {{"kint", type_id::int64}}, aggs, 2, 1);
  EXPECT_EQ(got.status.message(), "integer overflow in SUM for \"total\"");
}

TEST(Aggregate, ManyGroupsEmitInBoundedBatches) {
  const size_t n = 150000;
  auto c = std::make_shared<column>(type_id::int64);
  for (size_t i = 0; i < n; ++i) c->append_int(static_cast<int64_t>(i * 7919 % n));
  batch in{schema{{{"k", type_id::int64}}}, {c}, n};
  const std::vector<aggregate_call> aggs = {
      {agg_fn::count_star, nullptr, type_id::int64, "n"},
      {agg_fn::max, col(0, type_id::int64), type_id::int64, "m"}};
  auto op = make_partial_aggregate({col(0, type_id::int64)}, aggs,
                                   partial_aggregate_schema({{"k", type_id::int64}}, aggs));
  auto r = run(*op, {in});
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.out.size(), 3u);
  size_t total = 0;
  for (const auto& b : r.out) {
    EXPECT_LE(b.rows, 65536u);
    total += b.rows;
    for (size_t i = 0; i < b.rows; ++i) {
      EXPECT_EQ(b.columns[1]->i64()[i], 1);
      EXPECT_EQ(b.columns[2]->i64()[i], b.columns[0]->i64()[i]);
    }
  }
  EXPECT_EQ(total, n);
}

TEST(Aggregate, SchemaMismatchIsAnError) {
  const auto aggs = all_aggs();
  schema wrong = partial_aggregate_schema({{"kint", type_id::string}}, aggs);
  auto op = make_partial_aggregate({col(c_kint, type_id::int64)}, aggs, wrong);
  auto r = run(*op, random_input(1, 5, 3, 5));
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(partial_aggregate_schema({{"k", type_id::int64}}, aggs).fields[3],
            (field{"sum_i$sum", type_id::int64}));
}

// all_aggs() plus COUNT(DISTINCT) over three different arguments: the partial
// aggregate groups by all of them, the other aggregates still merge exactly.
std::vector<aggregate_call> aggs_with_distinct() {
  auto aggs = all_aggs();
  aggs.push_back(agg(agg_fn::count_distinct, c_vint, type_id::int64, "d_i"));
  aggs.push_back(agg(agg_fn::count_distinct, c_vstr, type_id::int64, "d_s"));
  aggs.push_back(agg(agg_fn::count_distinct, c_vdate, type_id::int64, "d_date"));
  return aggs;
}

// reference() with the distinct non-NULL counts of vint, vstr, vdate appended.
rows_t reference_with_distinct(const std::vector<batch>& input, int key_column, bool global) {
  auto key_of = [&](const std::vector<value>& r) {
    return key_column < 0 ? std::vector<value>{} : std::vector<value>{r[key_column]};
  };
  rows_t ref = reference(input, key_of, global);
  std::map<std::vector<value>, std::array<std::set<value>, 3>> sets;
  for (const auto& b : input)
    for (size_t i = 0; i < b.rows; ++i) {
      const auto r = row_of(b, i);
      auto& s = sets[key_of(r)];
      for (int k = 0; k < 3; ++k) {
        const value& v = r[std::array{c_vint, c_vstr, c_vdate}[k]];
        if (!is_null(v)) s[k].insert(v);
      }
    }
  for (auto& row : ref) {
    auto& s = sets[std::vector<value>(row.begin(), row.begin() + (key_column < 0 ? 0 : 1))];
    for (const auto& set : s) row.push_back(I(static_cast<int64_t>(set.size())));
  }
  return ref;
}

TEST(Aggregate, CountDistinctMixedMatchesReference) {
  auto input = random_input(8, 400, 6, 7);
  auto ref = reference_with_distinct(input, c_kint, false);
  for (auto [tasks, parts] : {std::pair<size_t, size_t>{1, 1}, {3, 4}}) {
    auto got = two_phase(input, {col(c_kint, type_id::int64)}, {{"kint", type_id::int64}},
                         aggs_with_distinct(), tasks, parts);
    ASSERT_TRUE(got.status.ok()) << got.status;
    EXPECT_EQ(got.rows, ref) << tasks << " tasks, " << parts << " partitions";
  }
  auto global = two_phase(input, {}, {}, aggs_with_distinct(), 3, 1);
  ASSERT_TRUE(global.status.ok()) << global.status;
  EXPECT_EQ(global.rows, reference_with_distinct(input, -1, true));
  EXPECT_GT(global.partial_rows, 3u);  // one row per distinct argument combination
}

TEST(Aggregate, CountDistinctOverEmptyInputIsZero) {
  auto got = two_phase({make_batch(k_input, {})}, {}, {}, aggs_with_distinct(), 2, 1);
  ASSERT_TRUE(got.status.ok()) << got.status;
  EXPECT_EQ(got.partial_rows, 0u);
  rows_t expected = {{I(0), I(0), null_v, null_v, null_v, null_v, null_v, null_v, null_v, null_v,
                      null_v, null_v, I(0), I(0), I(0)}};
  EXPECT_EQ(got.rows, expected);
}

TEST(Aggregate, CountDistinctSkipsNullsAndFoldsDoubles) {
  const schema s{{{"f", type_id::float64}, {"b", type_id::boolean}}};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // Two batches through two partial tasks: the final state merges both sets.
  std::vector<batch> in = {
      make_batch(s, {{F(0.0), B(true)}, {F(nan), null_v}, {null_v, B(true)}}),
      make_batch(s, {{F(-0.0), B(false)}, {F(-nan), null_v}, {F(1.5), null_v}})};
  std::vector<aggregate_call> aggs(2);
  for (int k = 0; k < 2; ++k) {
    aggs[k].fn = agg_fn::count_distinct;
    aggs[k].arg = col(k, s.fields[k].type);
    aggs[k].name = k == 0 ? "df" : "db";
  }
  auto got = two_phase(in, {}, {}, aggs, 2, 1);
  ASSERT_TRUE(got.status.ok()) << got.status;
  // 0.0 = -0.0, one NaN, 1.5; true, false.
  EXPECT_EQ(got.rows, (rows_t{{I(3), I(2)}}));
  EXPECT_EQ(partial_aggregate_schema({}, aggs).fields[0], (field{"df$value", type_id::float64}));
}

}  // namespace
}  // namespace tranche
