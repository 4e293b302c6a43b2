// Unit tests of the hash join operator (exec/hash_join.h): every join type
// over duplicates, NULL keys, empty sides, several and mixed-type keys, float
// keys, residual conditions, joins without keys, a large fan-out, errors, and
// a seeded randomized comparison with a nested-loop reference for every type.
// A disabled test measures probe throughput (run it by name; no timing is
// asserted).
#include "exec/hash_join.h"

#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <system_error>

#include "exec/column_util.h"
#include "exec_test_util.h"

namespace tranche {
namespace {

using namespace test;

constexpr join_type k_all_types[] = {join_type::inner, join_type::left, join_type::semi,
                                     join_type::anti, join_type::anti_null_aware};

join_spec make_spec(join_type t, schema probe, schema build, std::vector<int> pk,
                    std::vector<int> bk, expr_ptr residual = nullptr) {
  join_spec s;
  s.type = t;
  s.probe_keys = std::move(pk);
  s.build_keys = std::move(bk);
  s.residual = std::move(residual);
  s.output = probe;
  if (t == join_type::inner || t == join_type::left)
    for (const auto& f : build.fields) s.output.fields.push_back(f);
  s.probe_schema = std::move(probe);
  s.build_schema = std::move(build);
  return s;
}

// Rows rendered as text and sorted: output order is unspecified, and text
// compares NaN and -0.0 exactly as printed.
std::vector<std::string> canonical(const rows_t& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) {
    std::string s;
    for (const auto& v : r) {
      s += to_string(v);
      if (std::holds_alternative<double>(v) && std::signbit(std::get<double>(v))) s += "(-)";
      s += '|';
    }
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct join_run {
  absl::Status status;
  rows_t rows;
  std::vector<size_t> batch_rows;
};

join_run run_join(hash_join_operator& op, const join_spec& spec, const std::vector<batch>& build,
                  const std::vector<batch>& probe) {
  join_run r;
  for (const auto& b : build) {
    r.status = op.add_build(b);
    if (!r.status.ok()) return r;
  }
  auto res = run(op, probe);
  r.status = res.status;
  for (const auto& b : res.out) {
    EXPECT_EQ(b.schema, spec.output);
    EXPECT_EQ(b.columns.size(), spec.output.size());
    EXPECT_GT(b.rows, 0u);
    EXPECT_LE(b.rows, k_emit_batch_rows);
    for (const auto& c : b.columns) EXPECT_GE(c->size(), b.rows);
    r.batch_rows.push_back(b.rows);
  }
  r.rows = rows_of(res.out);
  return r;
}

join_run run_join(const join_spec& spec, const std::vector<batch>& build,
                  const std::vector<batch>& probe) {
  auto op = make_hash_join(spec);
  return run_join(*op, spec, build, probe);
}

rows_t join_rows(const join_spec& spec, const std::vector<batch>& build,
                 const std::vector<batch>& probe) {
  auto r = run_join(spec, build, probe);
  EXPECT_TRUE(r.status.ok()) << r.status;
  return r.rows;
}

// SQL `=` on values of one type: NULL equals nothing; doubles compare as
// IEEE (the variant's == compares with the alternative's ==): -0.0 = 0.0,
// NaN equals nothing.
bool sql_equal(const value& a, const value& b) { return !is_null(a) && !is_null(b) && a == b; }

// The nested-loop reference of the semantics documented in hash_join.h.
rows_t reference(const join_spec& s, const rows_t& build, const rows_t& probe) {
  // residual over every pair, evaluated once on a batch of all pairs.
  std::vector<uint8_t> pass(build.size() * probe.size(), 1);
  if (s.residual && !pass.empty()) {
    schema ps = s.probe_schema;
    for (const auto& f : s.build_schema.fields) ps.fields.push_back(f);
    rows_t pairs;
    for (const auto& p : probe)
      for (const auto& b : build) {
        auto row = p;
        row.insert(row.end(), b.begin(), b.end());
        pairs.push_back(std::move(row));
      }
    auto vals = eval(s.residual, make_batch(ps, pairs));
    for (size_t i = 0; i < vals.size(); ++i)
      pass[i] = std::holds_alternative<bool>(vals[i]) && std::get<bool>(vals[i]);
  }
  auto keys_equal = [&](const std::vector<value>& p, const std::vector<value>& b) {
    for (size_t k = 0; k < s.probe_keys.size(); ++k) {
      const value& x = p[static_cast<size_t>(s.probe_keys[k])];
      const value& y = b[static_cast<size_t>(s.build_keys[k])];
      if (!sql_equal(x, y)) return false;
    }
    return true;
  };
  rows_t out;
  for (size_t i = 0; i < probe.size(); ++i) {
    const auto& p = probe[i];
    bool matched = false;
    for (size_t j = 0; j < build.size(); ++j) {
      if (!pass[i * build.size() + j]) continue;
      const auto& b = build[j];
      bool m;
      if (s.type == join_type::anti_null_aware) {
        const value& x = p[static_cast<size_t>(s.probe_keys[0])];
        const value& y = b[static_cast<size_t>(s.build_keys[0])];
        m = is_null(x) || is_null(y) || keys_equal(p, b);
      } else {
        m = keys_equal(p, b);
      }
      if (!m) continue;
      matched = true;
      if (s.type == join_type::inner || s.type == join_type::left) {
        auto row = p;
        row.insert(row.end(), b.begin(), b.end());
        out.push_back(std::move(row));
      }
    }
    if (s.type == join_type::left && !matched) {
      auto row = p;
      row.resize(p.size() + s.build_schema.size());
      out.push_back(std::move(row));
    }
    if ((s.type == join_type::semi && matched) ||
        ((s.type == join_type::anti || s.type == join_type::anti_null_aware) && !matched))
      out.push_back(p);
  }
  return out;
}

const schema k_probe{{{"pk", type_id::int64}, {"pv", type_id::string}}};
const schema k_build{{{"bk", type_id::int64}, {"bv", type_id::int64}}};

// Probe: keys 1, 1, 2, NULL, 3, 5; build: keys 1, 1, 2, NULL, 4.
const rows_t k_probe_rows = {{I(1), S("a")},   {I(1), S("b")}, {I(2), S("c")},
                             {null_v, S("d")}, {I(3), S("e")}, {I(5), S("f")}};
const rows_t k_build_rows = {
    {I(1), I(10)}, {I(1), I(11)}, {I(2), I(20)}, {null_v, I(99)}, {I(4), I(40)}};

rows_t small_join(join_type t, expr_ptr residual = nullptr, const rows_t& build = k_build_rows) {
  auto spec = make_spec(t, k_probe, k_build, {0}, {0}, std::move(residual));
  // Split both sides over two batches to cover the concatenation.
  std::vector<batch> b, p;
  const size_t half = build.size() / 2;
  b.push_back(make_batch(k_build, rows_t(build.begin(), build.begin() + half)));
  b.push_back(make_batch(k_build, rows_t(build.begin() + half, build.end())));
  p.push_back(make_batch(k_probe, rows_t(k_probe_rows.begin(), k_probe_rows.begin() + 3)));
  p.push_back(make_batch(k_probe, rows_t(k_probe_rows.begin() + 3, k_probe_rows.end())));
  return join_rows(spec, b, p);
}

TEST(HashJoin, JoinTypeNames) {
  EXPECT_STREQ(join_type_name(join_type::inner), "inner");
  EXPECT_STREQ(join_type_name(join_type::left), "left");
  EXPECT_STREQ(join_type_name(join_type::semi), "semi");
  EXPECT_STREQ(join_type_name(join_type::anti), "anti");
  EXPECT_STREQ(join_type_name(join_type::anti_null_aware), "anti (null-aware)");
}

TEST(HashJoin, InnerWithDuplicatesAndNullKeys) {
  EXPECT_EQ(canonical(small_join(join_type::inner)), canonical({{I(1), S("a"), I(1), I(10)},
                                                                {I(1), S("a"), I(1), I(11)},
                                                                {I(1), S("b"), I(1), I(10)},
                                                                {I(1), S("b"), I(1), I(11)},
                                                                {I(2), S("c"), I(2), I(20)}}));
}

TEST(HashJoin, LeftKeepsUnmatchedProbeRowsWithNulls) {
  EXPECT_EQ(canonical(small_join(join_type::left)), canonical({{I(1), S("a"), I(1), I(10)},
                                                               {I(1), S("a"), I(1), I(11)},
                                                               {I(1), S("b"), I(1), I(10)},
                                                               {I(1), S("b"), I(1), I(11)},
                                                               {I(2), S("c"), I(2), I(20)},
                                                               {null_v, S("d"), null_v, null_v},
                                                               {I(3), S("e"), null_v, null_v},
                                                               {I(5), S("f"), null_v, null_v}}));
}

TEST(HashJoin, SemiEmitsEachMatchingProbeRowOnce) {
  EXPECT_EQ(canonical(small_join(join_type::semi)),
            canonical({{I(1), S("a")}, {I(1), S("b")}, {I(2), S("c")}}));
}

TEST(HashJoin, AntiEmitsUnmatchedRowsIncludingNullKeys) {
  EXPECT_EQ(canonical(small_join(join_type::anti)),
            canonical({{null_v, S("d")}, {I(3), S("e")}, {I(5), S("f")}}));
}

TEST(HashJoin, NullAwareAntiFollowsNotIn) {
  // A NULL among the build keys: x NOT IN (..., NULL) is never TRUE.
  EXPECT_TRUE(small_join(join_type::anti_null_aware).empty());
  // Without NULL build keys: non-NULL probe keys without a match.
  const rows_t no_null = {{I(1), I(10)}, {I(2), I(20)}, {I(4), I(40)}};
  EXPECT_EQ(canonical(small_join(join_type::anti_null_aware, nullptr, no_null)),
            canonical({{I(3), S("e")}, {I(5), S("f")}}));
  // Empty build side: every probe row, NULL key included.
  EXPECT_EQ(canonical(small_join(join_type::anti_null_aware, nullptr, {})),
            canonical(k_probe_rows));
}

TEST(HashJoin, EmptyBuildSide) {
  for (join_type t : k_all_types) {
    SCOPED_TRACE(join_type_name(t));
    auto spec = make_spec(t, k_probe, k_build, {0}, {0});
    auto got = join_rows(spec, {make_batch(k_build, {})}, {make_batch(k_probe, k_probe_rows)});
    const bool keeps_all = t == join_type::anti || t == join_type::anti_null_aware;
    if (t == join_type::left) {
      EXPECT_EQ(got.size(), k_probe_rows.size());
      for (const auto& r : got) EXPECT_TRUE(is_null(r[2]) && is_null(r[3]));
    } else if (keeps_all) {
      EXPECT_EQ(canonical(got), canonical(k_probe_rows));
    } else {
      EXPECT_TRUE(got.empty());
    }
  }
}

TEST(HashJoin, EmptyProbeSide) {
  for (join_type t : k_all_types) {
    SCOPED_TRACE(join_type_name(t));
    auto spec = make_spec(t, k_probe, k_build, {0}, {0});
    // No probe batch at all, then one empty probe batch.
    EXPECT_TRUE(join_rows(spec, {make_batch(k_build, k_build_rows)}, {}).empty());
    EXPECT_TRUE(
        join_rows(spec, {make_batch(k_build, k_build_rows)}, {make_batch(k_probe, {})}).empty());
  }
}

TEST(HashJoin, SeveralKeysOfMixedTypes) {
  const schema probe{{{"id", type_id::int64}, {"name", type_id::string}, {"d", type_id::date}}};
  const schema build{{{"d", type_id::date},
                      {"id", type_id::int64},
                      {"name", type_id::string},
                      {"tag", type_id::int64}}};
  const rows_t p = {{I(1), S("x"), D("1995-03-15")},
                    {I(1), S("y"), D("1995-03-15")},
                    {I(2), S("x"), D("1995-03-15")},
                    {I(1), S("x"), D("1995-03-16")},
                    {I(1), null_v, D("1995-03-15")}};
  const rows_t b = {{D("1995-03-15"), I(1), S("x"), I(100)},
                    {D("1995-03-15"), I(1), S("x"), I(101)},
                    {D("1995-03-16"), I(1), S("x"), I(102)},
                    {D("1995-03-15"), I(1), null_v, I(103)},
                    {D("1995-03-15"), I(2), S("y"), I(104)}};
  auto spec = make_spec(join_type::inner, probe, build, {0, 1, 2}, {1, 2, 0});
  auto got = join_rows(spec, {make_batch(build, b)}, {make_batch(probe, p)});
  EXPECT_EQ(canonical(got), canonical(reference(spec, b, p)));
  EXPECT_EQ(got.size(), 3u);
  for (join_type t : k_all_types) {
    if (t == join_type::anti_null_aware) continue;  // one key only
    SCOPED_TRACE(join_type_name(t));
    auto s = make_spec(t, probe, build, {0, 1, 2}, {1, 2, 0});
    EXPECT_EQ(canonical(join_rows(s, {make_batch(build, b)}, {make_batch(probe, p)})),
              canonical(reference(s, b, p)));
  }
}

TEST(HashJoin, StringAndBooleanKeys) {
  const schema s{{{"k", type_id::string}, {"f", type_id::boolean}}};
  const rows_t p = {{S("apple"), B(true)},
                    {S(""), B(false)},
                    {S("a longer string key"), B(true)},
                    {S("pear"), null_v}};
  const rows_t b = {{S("apple"), B(true)},
                    {S(""), B(false)},
                    {S("a longer string key"), B(false)},
                    {S("pear"), B(true)},
                    {S("apple"), B(false)}};
  for (const std::vector<int>& keys : {std::vector<int>{0}, {1}, {0, 1}}) {
    for (join_type t : k_all_types) {
      if (t == join_type::anti_null_aware && keys.size() != 1) continue;
      SCOPED_TRACE(std::string(join_type_name(t)) + " keys " + std::to_string(keys.size()));
      auto spec = make_spec(t, s, s, keys, keys);
      EXPECT_EQ(canonical(join_rows(spec, {make_batch(s, b)}, {make_batch(s, p)})),
                canonical(reference(spec, b, p)));
    }
  }
}

// Float keys compare as `=` does: -0.0 equals 0.0, NaN equals nothing (so an
// anti join keeps a NaN row, and NOT IN treats NaN as a value, not NULL).
TEST(HashJoin, FloatKeysZeroSignAndNaN) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const schema s{{{"x", type_id::float64}}};
  const rows_t p = {{F(0.0)}, {F(-0.0)}, {F(nan)}, {F(1.5)}, {F(2.5)}};
  const rows_t b = {{F(-0.0)}, {F(nan)}, {F(1.5)}};
  auto run_type = [&](join_type t) {
    return canonical(
        join_rows(make_spec(t, s, s, {0}, {0}), {make_batch(s, b)}, {make_batch(s, p)}));
  };
  EXPECT_EQ(run_type(join_type::inner),
            canonical({{F(0.0), F(-0.0)}, {F(-0.0), F(-0.0)}, {F(1.5), F(1.5)}}));
  EXPECT_EQ(run_type(join_type::anti), canonical({{F(nan)}, {F(2.5)}}));
  EXPECT_EQ(run_type(join_type::anti_null_aware), canonical({{F(nan)}, {F(2.5)}}));
  EXPECT_EQ(run_type(join_type::semi), canonical({{F(0.0)}, {F(-0.0)}, {F(1.5)}}));
}

// pk < bv over probe (pk, pv) and build (bk, bv): column 3 is bv.
expr_ptr pk_less_bv() {
  return binary(expr_op::lt, col(0, type_id::int64), col(3, type_id::int64));
}

TEST(HashJoin, ResidualFiltersMatches) {
  // Build rows with key 1 have bv 10 and 11, key 2 has 20: bv <> 11 keeps 10 and 20.
  auto bv_ne_11 = binary(expr_op::ne, col(3, type_id::int64), lit(I(11), type_id::int64));
  EXPECT_EQ(
      canonical(small_join(join_type::inner, bv_ne_11)),
      canonical(
          {{I(1), S("a"), I(1), I(10)}, {I(1), S("b"), I(1), I(10)}, {I(2), S("c"), I(2), I(20)}}));
  // Key 2 fails bv > 20: the row is unmatched for left, anti; gone from semi.
  auto bv_gt_10 = binary(expr_op::gt, col(3, type_id::int64), lit(I(10), type_id::int64));
  auto bv_gt_20 = binary(expr_op::gt, col(3, type_id::int64), lit(I(20), type_id::int64));
  EXPECT_EQ(canonical(small_join(join_type::left, bv_gt_10)),
            canonical({{I(1), S("a"), I(1), I(11)},
                       {I(1), S("b"), I(1), I(11)},
                       {I(2), S("c"), I(2), I(20)},
                       {null_v, S("d"), null_v, null_v},
                       {I(3), S("e"), null_v, null_v},
                       {I(5), S("f"), null_v, null_v}}));
  EXPECT_EQ(canonical(small_join(join_type::left, bv_gt_20)),
            canonical({{I(1), S("a"), null_v, null_v},
                       {I(1), S("b"), null_v, null_v},
                       {I(2), S("c"), null_v, null_v},
                       {null_v, S("d"), null_v, null_v},
                       {I(3), S("e"), null_v, null_v},
                       {I(5), S("f"), null_v, null_v}}));
  EXPECT_EQ(canonical(small_join(join_type::semi, bv_gt_10)),
            canonical({{I(1), S("a")}, {I(1), S("b")}, {I(2), S("c")}}));
  EXPECT_EQ(canonical(small_join(join_type::semi, bv_gt_20)), canonical({}));
  EXPECT_EQ(canonical(small_join(join_type::anti, bv_gt_10)),
            canonical({{null_v, S("d")}, {I(3), S("e")}, {I(5), S("f")}}));
  EXPECT_EQ(canonical(small_join(join_type::anti, bv_gt_20)), canonical(k_probe_rows));
  // A residual over both sides (pk < bv) against the reference, every type.
  for (join_type t : k_all_types) {
    SCOPED_TRACE(join_type_name(t));
    auto spec = make_spec(t, k_probe, k_build, {0}, {0}, pk_less_bv());
    EXPECT_EQ(canonical(small_join(t, pk_less_bv())),
              canonical(reference(spec, k_build_rows, k_probe_rows)));
  }
}

// NOT IN with a residual is the correlated NOT IN: only build rows passing
// the residual count, NULL keys included.
TEST(HashJoin, NullAwareAntiWithResidual) {
  // The NULL build key has bv 99; the residual bv < 50 removes it, so the
  // join behaves as NOT IN (1, 1, 2, 4) for every probe row but a NULL one,
  // which is compared with the remaining rows (non-empty): not emitted.
  auto bv_lt_50 = binary(expr_op::lt, col(3, type_id::int64), lit(I(50), type_id::int64));
  EXPECT_EQ(canonical(small_join(join_type::anti_null_aware, bv_lt_50)),
            canonical({{I(3), S("e")}, {I(5), S("f")}}));
  // A residual no pair passes leaves every set empty: every row, NULL too.
  auto never = binary(expr_op::gt, col(3, type_id::int64), lit(I(1000), type_id::int64));
  EXPECT_EQ(canonical(small_join(join_type::anti_null_aware, never)), canonical(k_probe_rows));
  // Passing the NULL row only: every row is blocked.
  auto only_null = binary(expr_op::gt, col(3, type_id::int64), lit(I(50), type_id::int64));
  EXPECT_TRUE(small_join(join_type::anti_null_aware, only_null).empty());
}

TEST(HashJoin, ZeroKeysIsACrossJoin) {
  // An uncorrelated scalar subquery: a one-row build side.
  const schema build{{{"avg", type_id::float64}}};
  const schema probe{{{"x", type_id::int64}}};
  const rows_t p = {{I(1)}, {I(5)}, {null_v}, {I(9)}};
  const rows_t b = {{F(4.5)}};
  auto spec = make_spec(join_type::inner, probe, build, {}, {});
  EXPECT_EQ(canonical(join_rows(spec, {make_batch(build, b)}, {make_batch(probe, p)})),
            canonical({{I(1), F(4.5)}, {I(5), F(4.5)}, {null_v, F(4.5)}, {I(9), F(4.5)}}));
  // WHERE x > (SELECT avg ...): the residual filters the cross join.
  auto gt = binary(expr_op::gt, col(0, type_id::int64), col(1, type_id::float64));
  for (join_type t : {join_type::inner, join_type::left, join_type::semi, join_type::anti}) {
    SCOPED_TRACE(join_type_name(t));
    auto s = make_spec(t, probe, build, {}, {}, gt);
    EXPECT_EQ(canonical(join_rows(s, {make_batch(build, b)}, {make_batch(probe, p)})),
              canonical(reference(s, b, p)));
  }
  auto semi = make_spec(join_type::semi, probe, build, {}, {}, gt);
  EXPECT_EQ(canonical(join_rows(semi, {make_batch(build, b)}, {make_batch(probe, p)})),
            canonical({{I(5)}, {I(9)}}));
  // Several build rows, no residual: every pair; an empty build side: none.
  const rows_t b3 = {{F(1)}, {F(2)}, {F(3)}};
  EXPECT_EQ(join_rows(spec, {make_batch(build, b3)}, {make_batch(probe, p)}).size(), 12u);
  EXPECT_TRUE(join_rows(spec, {}, {make_batch(probe, p)}).empty());
  auto anti = make_spec(join_type::anti, probe, build, {}, {});
  EXPECT_TRUE(join_rows(anti, {make_batch(build, b3)}, {make_batch(probe, p)}).empty());
  EXPECT_EQ(join_rows(anti, {}, {make_batch(probe, p)}).size(), p.size());
}

batch int_column_batch(const schema& s, const std::vector<int64_t>& a,
                       const std::vector<int64_t>& b) {
  batch out;
  out.schema = s;
  out.rows = a.size();
  for (const auto* v : {&a, &b}) {
    auto c = std::make_shared<column>(type_id::int64);
    c->i64() = *v;
    c->set_size(v->size());
    out.columns.push_back(std::move(c));
  }
  return out;
}

TEST(HashJoin, LargeFanOutStreamsBoundedBatches) {
  const schema s{{{"k", type_id::int64}, {"v", type_id::int64}}};
  constexpr int64_t k_fan = 100000;
  std::vector<int64_t> bk(k_fan, 7), bv(k_fan);
  for (int64_t i = 0; i < k_fan; ++i) bv[static_cast<size_t>(i)] = i;
  const batch build = int_column_batch(s, bk, bv);
  const batch probe = int_column_batch(s, {7, 8, 7}, {1, 2, 3});
  auto spec = make_spec(join_type::inner, s, s, {0}, {0});
  auto r = run_join(spec, {build}, {probe});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.rows.size(), static_cast<size_t>(2 * k_fan));
  EXPECT_GE(r.batch_rows.size(), 4u);
  int64_t sum = 0;
  for (const auto& row : r.rows) sum += std::get<int64_t>(row[3]);
  EXPECT_EQ(sum, 2 * (k_fan * (k_fan - 1) / 2));
  // With a residual the candidates are bounded the same way.
  auto odd =
      binary(expr_op::eq, binary(expr_op::mod, col(3, type_id::int64), lit(I(2), type_id::int64)),
             lit(I(1), type_id::int64));
  auto left = make_spec(join_type::left, s, s, {0}, {0}, odd);
  auto rl = run_join(left, {build}, {probe});
  ASSERT_TRUE(rl.status.ok()) << rl.status;
  EXPECT_EQ(rl.rows.size(), static_cast<size_t>(k_fan + 1));  // 2 x 50k odd, 1 NULL-extended
}

TEST(HashJoin, ErrorsNameTheProblem) {
  const schema probe{{{"a", type_id::int64}}};
  const schema build{{{"b", type_id::string}}};
  auto op = make_hash_join(make_spec(join_type::inner, probe, build, {0}, {0}));
  auto st = op->add_build(make_batch(build, {{S("x")}}));
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("key types differ"), std::string::npos) << st;

  auto nk = make_spec(join_type::anti_null_aware, k_probe, k_build, {}, {});
  auto op2 = make_hash_join(nk);
  EXPECT_NE(op2->add_build(make_batch(k_build, {})).message().find("exactly one key"),
            std::string::npos);

  auto ok = make_hash_join(make_spec(join_type::inner, k_probe, k_build, {0}, {0}));
  emit_fn drop = [](batch) { return absl::OkStatus(); };
  ASSERT_TRUE(ok->push(make_batch(k_probe, k_probe_rows), drop).ok());
  EXPECT_EQ(ok->add_build(make_batch(k_build, k_build_rows)).code(),
            absl::StatusCode::kFailedPrecondition);
  auto wrong = ok->push(make_batch(k_build, k_build_rows), drop);
  EXPECT_NE(wrong.message().find("probe column \"pv\""), std::string::npos) << wrong;
}

// Random batches of (k1 int64, k2 string, k3 float64, k4 date, v int64) with
// small key domains (duplicates) and NULLs, several batches per side.
std::vector<batch> random_batches(const schema& s, std::mt19937_64& rng, size_t rows,
                                  size_t batches, rows_t* all) {
  std::vector<batch> out;
  auto pick = [&](int n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
  for (size_t b = 0; b < batches; ++b) {
    rows_t part;
    for (size_t i = 0; i < rows; ++i) {
      std::vector<value> r;
      r.push_back(pick(10) == 0 ? null_v : I(pick(20)));
      r.push_back(pick(10) == 0 ? null_v
                                : S(std::string(static_cast<size_t>(pick(3)), 'a') + "k" +
                                    std::to_string(pick(4))));
      r.push_back(pick(10) == 0 ? null_v : F(static_cast<double>(pick(5)) - 2.0));
      r.push_back(pick(10) == 0 ? null_v : value{date_value{9000 + pick(6)}});
      r.push_back(I(pick(100)));
      part.push_back(r);
    }
    all->insert(all->end(), part.begin(), part.end());
    out.push_back(make_batch(s, part));
  }
  return out;
}

struct random_case {
  std::vector<int> keys;
  bool residual;
};

// Returns the total bytes spilled over all cases.
uint64_t randomized_against_reference(int64_t memory_limit, const std::string& spill_dir) {
  const schema s{{{"k1", type_id::int64},
                  {"k2", type_id::string},
                  {"k3", type_id::float64},
                  {"k4", type_id::date},
                  {"v", type_id::int64}}};
  // Keys: one of each type, several fixed-width ones (packed into one value,
  // or not with float bits), strings among others, none.
  const random_case cases[] = {{{0}, false},       {{1}, false},   {{2}, false},    {{3}, true},
                               {{0, 3}, false},    {{0, 3}, true}, {{3, 2}, false}, {{0, 1}, false},
                               {{1, 2, 3}, false}, {{}, true},     {{0}, true},     {{1}, true}};
  std::mt19937_64 rng(20240611);
  uint64_t spilled = 0;
  for (const auto& c : cases) {
    for (join_type t : k_all_types) {
      if (t == join_type::anti_null_aware && c.keys.size() != 1) continue;
      rows_t build_rows, probe_rows;
      auto build = random_batches(s, rng, 60, 3, &build_rows);
      auto probe = random_batches(s, rng, 50, 4, &probe_rows);
      // probe.v < build.v + 40 over probe (5 columns) then build.
      expr_ptr residual =
          c.residual
              ? binary(expr_op::lt, col(4, type_id::int64),
                       binary(expr_op::add, col(9, type_id::int64), lit(I(40), type_id::int64)))
              : nullptr;
      auto spec = make_spec(t, s, s, c.keys, c.keys, residual);
      spec.memory_limit = memory_limit;
      spec.spill_dir = spill_dir;
      SCOPED_TRACE(std::string(join_type_name(t)) + " keys " + std::to_string(c.keys.size()) +
                   (c.residual ? " with residual" : ""));
      auto op = make_hash_join(spec);
      auto got = run_join(*op, spec, build, probe);
      EXPECT_TRUE(got.status.ok()) << got.status;
      EXPECT_EQ(canonical(got.rows), canonical(reference(spec, build_rows, probe_rows)));
      spilled += op->spilled_bytes();
    }
  }
  return spilled;
}

TEST(HashJoin, RandomizedAgainstNestedLoop) { EXPECT_EQ(randomized_against_reference(0, ""), 0u); }

using test::spill_dir;

// The same cases with a build side (about 8 KB) far over its memory limit:
// identical results through the spill files, which are gone afterwards. At
// 1 KiB the first 16 partitions fit; at 256 bytes they are split again,
// down to the depth limit for keys with more rows than the limit (so more
// bytes are spilled). The NOT IN cases with a residual and the cases without
// keys stay in memory.
TEST(HashJoin, SpillingMatchesInMemoryResults) {
  spill_dir dir;
  ASSERT_FALSE(dir.path().empty());
  const uint64_t once = randomized_against_reference(1024, dir.path());
  EXPECT_GT(once, 0u);
  EXPECT_GT(randomized_against_reference(256, dir.path()), once);
  EXPECT_EQ(dir.files(), 0u);
}

TEST(HashJoin, SpillingLargeJoinWithSmallLimit) {
  spill_dir dir;
  ASSERT_FALSE(dir.path().empty());
  const schema s{{{"k", type_id::int64}, {"v", type_id::int64}}};
  // 200k build rows (3.2 MB) with 2 rows per key, 100k probe rows, 64 KiB limit;
  // one hot key with 300 rows on each side.
  std::vector<int64_t> bk, bv, pk, pv;
  for (int64_t i = 0; i < 200000; ++i) {
    bk.push_back(i < 300 ? -1 : i / 2);
    bv.push_back(i);
  }
  for (int64_t i = 0; i < 100000; ++i) {
    pk.push_back(i < 300 ? -1 : i * 7 % 150000);
    pv.push_back(i);
  }
  std::vector<batch> build, probe;
  for (size_t b = 0; b < bk.size(); b += 20000)
    build.push_back(int_column_batch(s,
                                     std::vector<int64_t>(bk.begin() + b, bk.begin() + b + 20000),
                                     std::vector<int64_t>(bv.begin() + b, bv.begin() + b + 20000)));
  for (size_t b = 0; b < pk.size(); b += 10000)
    probe.push_back(int_column_batch(s,
                                     std::vector<int64_t>(pk.begin() + b, pk.begin() + b + 10000),
                                     std::vector<int64_t>(pv.begin() + b, pv.begin() + b + 10000)));
  for (join_type t : k_all_types) {
    SCOPED_TRACE(join_type_name(t));
    auto spec = make_spec(t, s, s, {0}, {0});
    auto expected = run_join(spec, build, probe);
    ASSERT_TRUE(expected.status.ok());
    spec.memory_limit = 64 << 10;
    spec.spill_dir = dir.path();
    auto op = make_hash_join(spec);
    auto got = run_join(*op, spec, build, probe);
    ASSERT_TRUE(got.status.ok()) << got.status;
    EXPECT_GT(op->spilled_bytes(), 3000000u);
    EXPECT_EQ(got.rows.size(), expected.rows.size());
    EXPECT_EQ(canonical(got.rows), canonical(expected.rows));
  }
  EXPECT_EQ(dir.files(), 0u);
}

TEST(HashJoin, SpillErrorsAreReported) {
  auto spec = make_spec(join_type::inner, k_probe, k_build, {0}, {0});
  spec.memory_limit = 1;
  spec.spill_dir = "/nonexistent/spill/dir";
  auto op = make_hash_join(spec);
  auto st = op->add_build(make_batch(k_build, k_build_rows));
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(st.message().find("/nonexistent/spill/dir"), std::string::npos) << st;
}

// CPU time of this thread: the machines running tests are shared, so wall
// time says more about the neighbours than about the join.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Probe throughput (CPU time) on TPC-H-like shapes: a unique int64 key (orders,
// 1.5M rows, by 6M lineitem rows), a denser one (200k parts), two int64
// keys and a string key. Run with --gtest_also_run_disabled_tests.
TEST(HashJoin, DISABLED_Throughput) {
  const schema s2{{{"k", type_id::int64}, {"v", type_id::int64}}};
  auto time_join = [&](const char* name, const join_spec& spec, const std::vector<batch>& build,
                       const std::vector<batch>& probe, size_t probe_rows) {
    auto op = make_hash_join(spec);
    const double t0 = cpu_seconds();
    for (const auto& b : build) ASSERT_TRUE(op->add_build(b).ok());
    size_t out = 0;
    emit_fn count = [&](batch b) {
      out += b.rows;
      return absl::OkStatus();
    };
    ASSERT_TRUE(op->push(batch{spec.probe_schema, probe[0].columns, 0}, count).ok());  // indexes
    const double t1 = cpu_seconds();
    for (const auto& b : probe) ASSERT_TRUE(op->push(b, count).ok());
    ASSERT_TRUE(op->finish(count).ok());
    const double t2 = cpu_seconds();
    const double build_s = t1 - t0;
    const double probe_s = t2 - t1;
    std::printf(
        "%-28s build+index %.3fs probe %.3fs cpu (%.1fM probe rows/s), %zu rows out, %.1f MB "
        "spilled\n",
        name, build_s, probe_s, static_cast<double>(probe_rows) / probe_s / 1e6, out,
        static_cast<double>(op->spilled_bytes()) / 1e6);
  };
  std::mt19937_64 rng(1);
  auto int_batches = [&](size_t rows, auto key_of) {
    std::vector<batch> out;
    for (size_t begin = 0; begin < rows; begin += k_emit_batch_rows) {
      const size_t n = std::min(k_emit_batch_rows, rows - begin);
      std::vector<int64_t> k(n), v(n);
      for (size_t i = 0; i < n; ++i) {
        k[i] = key_of(begin + i);
        v[i] = static_cast<int64_t>(i);
      }
      out.push_back(int_column_batch(s2, k, v));
    }
    return out;
  };
  // orders: keys 1..6M with 1 in 4 used (as TPC-H's sparse order keys).
  auto orders = int_batches(1500000, [](size_t i) { return static_cast<int64_t>(i * 4 + 1); });
  auto lineitem =
      int_batches(6000000, [&](size_t) { return static_cast<int64_t>(rng() % 1500000) * 4 + 1; });
  time_join("orders x lineitem (inner)", make_spec(join_type::inner, s2, s2, {0}, {0}), orders,
            lineitem, 6000000);
  time_join("orders x lineitem (semi)", make_spec(join_type::semi, s2, s2, {0}, {0}), orders,
            lineitem, 6000000);
  {
    spill_dir dir;
    auto spec = make_spec(join_type::inner, s2, s2, {0}, {0});
    spec.memory_limit = 4 << 20;
    spec.spill_dir = dir.path();
    time_join("orders x lineitem (spill 4M)", spec, orders, lineitem, 6000000);
  }
  // Hashed: sparse random keys.
  auto sparse =
      int_batches(1500000, [](size_t i) { return static_cast<int64_t>(i * 2654435761ULL); });
  auto sparse_probe = int_batches(
      6000000, [&](size_t) { return static_cast<int64_t>((rng() % 1500000) * 2654435761ULL); });
  time_join("sparse int64 (hashed)", make_spec(join_type::inner, s2, s2, {0}, {0}), sparse,
            sparse_probe, 6000000);
  auto part = int_batches(200000, [](size_t i) { return static_cast<int64_t>(i + 1); });
  auto lineitem_p =
      int_batches(6000000, [&](size_t) { return static_cast<int64_t>(rng() % 200000 + 1); });
  time_join("part x lineitem (inner)", make_spec(join_type::inner, s2, s2, {0}, {0}), part,
            lineitem_p, 6000000);
  // partsupp (partkey, suppkey): 800k rows, two keys, 4 suppliers per part
  // out of 10k (TPC-H's spread); each lineitem row names one of them.
  auto supp = [](int64_t part, int64_t j) { return (part * 7 + j * 2503) % 10000 + 1; };
  auto ps = int_batches(800000, [](size_t i) { return static_cast<int64_t>(i / 4 + 1); });
  for (auto& b : ps) {
    auto c = std::make_shared<column>(type_id::int64);
    for (size_t i = 0; i < b.rows; ++i)
      c->i64().push_back(supp(b.columns[0]->i64()[i], static_cast<int64_t>(i % 4)));
    c->set_size(b.rows);
    b.columns[1] = c;
  }
  auto li2 = int_batches(6000000, [&](size_t) { return static_cast<int64_t>(rng() % 200000 + 1); });
  for (auto& b : li2) {
    auto c = std::make_shared<column>(type_id::int64);
    for (size_t i = 0; i < b.rows; ++i)
      c->i64().push_back(supp(b.columns[0]->i64()[i], static_cast<int64_t>(rng() % 4)));
    c->set_size(b.rows);
    b.columns[1] = c;
  }
  time_join("partsupp x lineitem (2 keys)", make_spec(join_type::inner, s2, s2, {0, 1}, {0, 1}), ps,
            li2, 6000000);
  // A string key: 200k distinct 15-byte names.
  const schema ss{{{"name", type_id::string}, {"v", type_id::int64}}};
  auto str_batches = [&](size_t rows, auto key_of) {
    std::vector<batch> out;
    for (size_t begin = 0; begin < rows; begin += k_emit_batch_rows) {
      const size_t n = std::min(k_emit_batch_rows, rows - begin);
      auto k = std::make_shared<column>(type_id::string);
      auto v = std::make_shared<column>(type_id::int64);
      char buf[32];
      for (size_t i = 0; i < n; ++i) {
        std::snprintf(buf, sizeof buf, "Customer#%06lld",
                      static_cast<long long>(key_of(begin + i)));
        k->append_string(buf);
        v->append_int(static_cast<int64_t>(i));
      }
      out.push_back(batch{ss, {k, v}, n});
    }
    return out;
  };
  auto names = str_batches(200000, [](size_t i) { return static_cast<int64_t>(i); });
  auto probes = str_batches(6000000, [&](size_t) { return static_cast<int64_t>(rng() % 200000); });
  time_join("string key (inner)", make_spec(join_type::inner, ss, ss, {0}, {0}), names, probes,
            6000000);
  time_join("string key (semi)", make_spec(join_type::semi, ss, ss, {0}, {0}), names, probes,
            6000000);
}

}  // namespace
}  // namespace tranche
