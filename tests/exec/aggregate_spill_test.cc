// Tests of the aggregates under a memory_budget: the partial aggregate
// emitting its states early, and the final aggregate spilling partial-state
// rows into hash partitions (exec/agg_spill.h). Randomized, seeded inputs over
// every key type (NULLs, long strings, NaN and -0.0 included) run through the
// two-phase shape with tiny limits and must give exactly the in-memory rows;
// also COUNT(DISTINCT), the global aggregate, empty input, errors, the spill
// directory left empty, and a large input under a 16 MiB limit.
#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <string>

#include "exec/column_util.h"
#include "exec/operators.h"
#include "exec_test_util.h"

namespace tranche {
namespace {

using namespace test;

using test::spill_dir;

enum { c_kint, c_kstr, c_kdbl, c_kbool, c_kdate, c_vint, c_vdbl, c_vstr };
const schema k_input{{{"kint", type_id::int64},
                      {"kstr", type_id::string},
                      {"kdbl", type_id::float64},
                      {"kbool", type_id::boolean},
                      {"kdate", type_id::date},
                      {"vint", type_id::int64},
                      {"vdbl", type_id::float64},
                      {"vstr", type_id::string}}};

// Random rows with about `groups` distinct int keys; doubles are multiples of
// 0.25 so sums are exact in any order. Strings are short (packed) or longer
// than std::string's inline buffer.
std::vector<batch> random_input(size_t batches, size_t rows_per_batch, int groups, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  std::vector<batch> out;
  for (size_t b = 0; b < batches; ++b) {
    rows_t rows;
    for (size_t i = 0; i < rows_per_batch; ++i) {
      std::vector<value> r(8);
      r[c_kint] = pick(15) == 0 ? null_v : I(pick(groups) * 7919 - 5000);
      r[c_kstr] = pick(15) == 0 ? null_v
                  : pick(2)     ? S("s" + std::to_string(pick(groups)))
                                : S("a-long-string-key-" + std::to_string(pick(groups)));
      const int d = pick(groups / 2 + 3);
      r[c_kdbl] = d == 0   ? null_v
                  : d == 1 ? F(std::numeric_limits<double>::quiet_NaN())
                  : d == 2 ? F(pick(2) ? -0.0 : 0.0)
                           : F(d * 0.5);
      r[c_kbool] = pick(5) == 0 ? null_v : B(pick(2) == 1);
      r[c_kdate] = pick(9) == 0 ? null_v : value{date_value{9000 + pick(groups / 4 + 1)}};
      r[c_vint] = pick(8) == 0 ? null_v : I(pick(2001) - 1000);
      r[c_vdbl] = pick(8) == 0 ? null_v : F((pick(4001) - 2000) * 0.25);
      r[c_vstr] = pick(6) == 0   ? null_v
                  : pick(3) == 0 ? S("value-longer-than-fifteen-" + std::to_string(pick(40)))
                                 : S(std::string(1 + pick(3), static_cast<char>('a' + pick(26))));
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

std::vector<aggregate_call> all_aggs(bool distinct) {
  std::vector<aggregate_call> a{agg(agg_fn::count_star, -1, type_id::int64, "n"),
                                agg(agg_fn::count, c_vint, type_id::int64, "cnt"),
                                agg(agg_fn::sum, c_vint, type_id::int64, "sum_i"),
                                agg(agg_fn::sum, c_vdbl, type_id::float64, "sum_d"),
                                agg(agg_fn::avg, c_vint, type_id::float64, "avg_i"),
                                agg(agg_fn::avg, c_vdbl, type_id::float64, "avg_d"),
                                agg(agg_fn::min, c_vint, type_id::int64, "min_i"),
                                agg(agg_fn::max, c_vstr, type_id::string, "max_s"),
                                agg(agg_fn::min, c_vstr, type_id::string, "min_s"),
                                agg(agg_fn::max, c_vdbl, type_id::float64, "max_d")};
  if (distinct) {
    a.push_back(agg(agg_fn::count_distinct, c_vstr, type_id::int64, "nd_s"));
    a.push_back(agg(agg_fn::count_distinct, c_vint, type_id::int64, "nd_i"));
  }
  return a;
}

// Rows as sorted strings: NaN compares equal to itself, and -0.0 (a key
// group's first-seen spelling, which depends on the order) prints as 0.
std::vector<std::string> canonical(const rows_t& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) {
    std::string s;
    for (const auto& v : r) {
      if (const double* d = std::get_if<double>(&v); d && *d == 0) {
        s += "0|";
        continue;
      }
      s += to_string(v) + (is_null(v) ? "" : "'") + "|";
    }
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct outcome {
  absl::Status status;
  std::vector<std::string> rows;
  size_t partial_rows = 0;
  uint64_t spilled = 0;
};

uint64_t spilled_of(const physical_operator& op) {
  const auto* s = dynamic_cast<const spilling_operator*>(&op);
  EXPECT_NE(s, nullptr);
  return s ? s->spilled_bytes() : 0;
}

// Two partial tasks over alternate batches, a hash shuffle into two
// partitions, one final aggregate each; `partial` and `final` are the
// budgets of the two phases.
outcome two_phase(const std::vector<batch>& input, const std::vector<int>& key_columns,
                  const std::vector<aggregate_call>& aggs, const memory_budget& partial,
                  const memory_budget& final_budget, bool global_always_emits = true) {
  outcome res;
  std::vector<expr_ptr> keys;
  std::vector<field> key_fields;
  std::vector<int> shuffle_keys;
  for (int c : key_columns) {
    keys.push_back(col(c, k_input.fields[c].type));
    key_fields.push_back(k_input.fields[c]);
    shuffle_keys.push_back(static_cast<int>(shuffle_keys.size()));
  }
  const schema partial_schema = partial_aggregate_schema(key_fields, aggs);
  constexpr size_t k_tasks = 2, k_parts = 2;
  std::vector<std::vector<batch>> shuffled(k_parts);
  for (size_t t = 0; t < k_tasks; ++t) {
    std::vector<batch> mine;
    for (size_t i = t; i < input.size(); i += k_tasks) mine.push_back(input[i]);
    auto op = make_partial_aggregate(keys, aggs, partial_schema, partial);
    auto r = run(*op, mine);
    if (!r.status.ok()) {
      res.status = r.status;
      return res;
    }
    for (const auto& b : r.out) {
      res.partial_rows += b.rows;
      auto parts = hash_partition(b, shuffle_keys, k_parts);
      for (size_t p = 0; p < k_parts; ++p) shuffled[p].push_back(std::move(parts[p]));
    }
  }
  schema out{key_fields};
  for (const auto& a : aggs) out.fields.push_back({a.name, a.type});
  rows_t rows;
  for (size_t p = 0; p < k_parts; ++p) {
    auto op = make_final_aggregate(keys.size(), aggs, out, global_always_emits, final_budget);
    auto r = run(*op, shuffled[p]);
    if (!r.status.ok()) {
      res.status = r.status;
      return res;
    }
    res.spilled += spilled_of(*op);
    for (const auto& b : r.out) {
      EXPECT_EQ(b.schema, out);
      for (size_t i = 0; i < b.rows; ++i) rows.push_back(row_of(b, i));
    }
  }
  res.rows = canonical(rows);
  return res;
}

const std::vector<std::vector<int>> k_key_sets = {{c_kint},
                                                  {c_kstr},
                                                  {c_kdbl},
                                                  {c_kbool},
                                                  {c_kdate},
                                                  {c_kint, c_kstr},
                                                  {c_kstr, c_kdbl, c_kbool, c_kdate}};

// The final aggregate over limits far below its state: the same rows as in
// memory, with bytes spilled and the directory empty afterwards. At 1 KiB
// partitions are split again down to the depth limit.
TEST(AggregateSpill, FinalSpillMatchesInMemoryForEveryKeyType) {
  spill_dir dir;
  ASSERT_FALSE(dir.path().empty());
  for (uint64_t seed : {1, 2}) {
    const auto input = random_input(6, 700, 500, seed);
    for (const auto& keys : k_key_sets) {
      for (bool distinct : {false, true}) {
        const auto aggs = all_aggs(distinct);
        const outcome want = two_phase(input, keys, aggs, {}, {});
        ASSERT_TRUE(want.status.ok()) << want.status;
        // 1 KiB makes thousands of tiny files (file creation dominates):
        // one seed is enough for it.
        const std::vector<int64_t> limits =
            seed == 1 ? std::vector<int64_t>{64 << 10, 1 << 10} : std::vector<int64_t>{64 << 10};
        for (int64_t limit : limits) {
          SCOPED_TRACE("seed " + std::to_string(seed) + " keys " + std::to_string(keys[0]) + "/" +
                       std::to_string(keys.size()) + " distinct " + std::to_string(distinct) +
                       " limit " + std::to_string(limit));
          const outcome got = two_phase(input, keys, aggs, {}, {limit, dir.path()});
          ASSERT_TRUE(got.status.ok()) << got.status;
          EXPECT_EQ(got.rows, want.rows);
          // A boolean key has three groups: they fit even in 1 KiB.
          if (keys != std::vector<int>{c_kbool} && limit == 1 << 10) {
            EXPECT_GT(got.spilled, 0u);
          }
          EXPECT_EQ(dir.files(), 0u);
        }
      }
    }
  }
}

// The partial aggregate over its limit emits its states early (more partial
// rows than groups) and spills nothing; the final result does not change,
// COUNT(DISTINCT) included. Both phases limited at once too.
TEST(AggregateSpill, PartialFlushMatchesInMemory) {
  spill_dir dir;
  const auto input = random_input(8, 600, 30, 7);
  for (const auto& keys : k_key_sets) {
    for (bool distinct : {false, true}) {
      const auto aggs = all_aggs(distinct);
      const outcome want = two_phase(input, keys, aggs, {}, {});
      ASSERT_TRUE(want.status.ok()) << want.status;
      const outcome got = two_phase(input, keys, aggs, {2 << 10, dir.path()}, {});
      ASSERT_TRUE(got.status.ok()) << got.status;
      EXPECT_EQ(got.rows, want.rows);
      if (!distinct && keys.size() == 1) {
        EXPECT_GT(got.partial_rows, want.partial_rows);
      }
      const outcome both =
          two_phase(input, keys, aggs, {2 << 10, dir.path()}, {8 << 10, dir.path()});
      ASSERT_TRUE(both.status.ok()) << both.status;
      EXPECT_EQ(both.rows, want.rows);
    }
  }
  EXPECT_EQ(dir.files(), 0u);
}

// No keys: one group, nothing to spill, one row -- also over empty input
// (and as in memory when global_always_emits is off). With COUNT(DISTINCT) the partial
// phase groups by the hidden value and may flush; the result is the same.
TEST(AggregateSpill, GlobalAggregateNeverSpills) {
  spill_dir dir;
  const memory_budget tiny{256, dir.path()};
  const auto input = random_input(4, 500, 100, 3);
  for (bool distinct : {false, true}) {
    const auto aggs = all_aggs(distinct);
    const outcome want = two_phase(input, {}, aggs, {}, {});
    const outcome got = two_phase(input, {}, aggs, tiny, tiny);
    ASSERT_TRUE(got.status.ok()) << got.status;
    EXPECT_EQ(got.rows, want.rows);
    EXPECT_EQ(got.spilled, 0u);
    // Two final partitions: each emits its global row (one per partition).
    EXPECT_EQ(got.rows.size(), 2u);
    const outcome empty = two_phase({}, {}, aggs, tiny, tiny);
    ASSERT_TRUE(empty.status.ok()) << empty.status;
    EXPECT_EQ(empty.rows, two_phase({}, {}, aggs, {}, {}).rows);
    EXPECT_EQ(empty.rows.size(), 2u);
    EXPECT_EQ(two_phase({}, {}, aggs, tiny, tiny, false).rows,
              two_phase({}, {}, aggs, {}, {}, false).rows);
  }
}

TEST(AggregateSpill, EmptyInputWithKeysEmitsNothing) {
  spill_dir dir;
  const outcome got =
      two_phase({}, {c_kint, c_kstr}, all_aggs(true), {1, dir.path()}, {1, dir.path()});
  ASSERT_TRUE(got.status.ok()) << got.status;
  EXPECT_TRUE(got.rows.empty());
  EXPECT_EQ(got.spilled, 0u);
}

// One group with thousands of distinct values cannot be split: past the
// depth limit it is aggregated in memory over the budget, still correctly.
TEST(AggregateSpill, OneGiantDistinctGroupIsStillCorrect) {
  spill_dir dir;
  rows_t rows;
  for (int i = 0; i < 5000; ++i)
    rows.push_back({I(i % 2), S("k"), F(0), B(true), null_v, I(i), F(i * 0.25),
                    S("distinct-value-" + std::to_string(i % 3000))});
  const std::vector<batch> input{make_batch(k_input, rows)};
  const auto aggs = all_aggs(true);
  const outcome want = two_phase(input, {c_kstr}, aggs, {}, {});
  const outcome got = two_phase(input, {c_kstr}, aggs, {}, {1 << 10, dir.path()});
  ASSERT_TRUE(got.status.ok()) << got.status;
  EXPECT_EQ(got.rows, want.rows);
  EXPECT_GT(got.spilled, 0u);
  EXPECT_EQ(dir.files(), 0u);
}

// Spill errors name the directory; an error from downstream during the
// partition-by-partition finish stops it; no file is left either way.
TEST(AggregateSpill, ErrorsLeaveNoFiles) {
  const auto input = random_input(4, 500, 400, 9);
  const auto aggs = all_aggs(true);
  const outcome bad = two_phase(input, {c_kint}, aggs, {}, {1 << 10, "/nonexistent/spill"});
  EXPECT_EQ(bad.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(bad.status.message().find("\"/nonexistent/spill\""), std::string::npos) << bad.status;

  spill_dir dir;
  const schema partial = partial_aggregate_schema({k_input.fields[c_kint]}, aggs);
  auto p = make_partial_aggregate({col(c_kint, type_id::int64)}, aggs, partial);
  auto states = run(*p, input);
  ASSERT_TRUE(states.status.ok());
  schema out{{k_input.fields[c_kint]}};
  for (const auto& a : aggs) out.fields.push_back({a.name, a.type});
  auto f = make_final_aggregate(1, aggs, out, true, {1 << 10, dir.path()});
  const emit_fn none = [](batch) { return absl::OkStatus(); };
  for (const auto& b : states.out) ASSERT_TRUE(f->push(b, none).ok());
  EXPECT_GT(spilled_of(*f), 0u);
  int calls = 0;
  const absl::Status st = f->finish([&](batch) {
    return ++calls == 2 ? absl::CancelledError("downstream gone") : absl::OkStatus();
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(dir.files(), 0u);
  f.reset();
  EXPECT_EQ(dir.files(), 0u);
}

// Partial-state rows for a final aggregate: `rows` rows over `groups` keys
// (each group gets rows / groups of them), COUNT(*) 1 and SUM = the key.
std::vector<batch> state_rows(size_t rows, size_t groups, const schema& s) {
  std::vector<batch> out;
  for (size_t b = 0; b < rows; b += k_emit_batch_rows) {
    const size_t n = std::min(k_emit_batch_rows, rows - b);
    auto key = std::make_shared<column>(type_id::int64);
    auto label = std::make_shared<column>(type_id::string);
    auto count = std::make_shared<column>(type_id::int64);
    auto sum = std::make_shared<column>(type_id::int64);
    key->i64().resize(n);
    count->i64().assign(n, 1);
    sum->i64().resize(n);
    label->reserve(n);
    for (size_t i = 0; i < n; ++i) {
      // A bijection scatters the groups over the input.
      const auto k = static_cast<int64_t>(((b + i) * 2654435761u) % groups);
      key->i64()[i] = k;
      sum->i64()[i] = k;
      label->append_string(k % 3 ? "label-in-heap-" + std::to_string(k % 100) : "short");
    }
    key->set_size(n);
    count->set_size(n);
    sum->set_size(n);
    batch x;
    x.schema = s;
    x.rows = n;
    x.columns = {key, label, count, sum, count};
    out.push_back(std::move(x));
  }
  return out;
}

// The big case: about 200 MB of partial-state rows (by approx_bytes) into
// one final aggregate under a 16 MiB limit; every group's totals are known.
// `rows` and `limit` scale it down for the always-on version.
void big_final_aggregate(size_t rows, size_t groups, int64_t limit) {
  spill_dir dir;
  aggregate_call n = agg(agg_fn::count_star, -1, type_id::int64, "n");
  aggregate_call sum;
  sum.fn = agg_fn::sum;
  sum.type = type_id::int64;
  sum.name = "s";
  const std::vector<aggregate_call> aggs{n, sum};
  const schema in{{{"k", type_id::int64},
                   {"label", type_id::string},
                   {"n$count", type_id::int64},
                   {"s$sum", type_id::int64},
                   {"s$count", type_id::int64}}};
  const schema out{{{"k", type_id::int64}, {"n", type_id::int64}, {"s", type_id::int64}}};
  const auto t0 = std::chrono::steady_clock::now();
  const auto input = state_rows(rows, groups, in);
  uint64_t bytes = 0;
  for (const auto& b : input) bytes += approx_bytes(b);
  // Keys and label as two key columns: the composite group path.
  auto f = make_final_aggregate(2, aggs,
                                schema{{out.fields[0], in.fields[1], out.fields[1], out.fields[2]}},
                                true, {limit, dir.path()});
  const auto t1 = std::chrono::steady_clock::now();
  auto r = run(*f, input);
  const auto t2 = std::chrono::steady_clock::now();
  ASSERT_TRUE(r.status.ok()) << r.status;
  size_t got = 0;
  const int64_t per_group = static_cast<int64_t>(rows / groups);
  for (const auto& b : r.out) {
    got += b.rows;
    for (size_t i = 0; i < b.rows; ++i) {
      const int64_t k = b.columns[0]->i64()[i];
      ASSERT_EQ(b.columns[2]->i64()[i], per_group) << k;
      ASSERT_EQ(b.columns[3]->i64()[i], per_group * k) << k;
    }
  }
  EXPECT_EQ(got, groups);
  EXPECT_GT(spilled_of(*f), 0u);
  EXPECT_EQ(dir.files(), 0u);
  std::printf(
      "final aggregate: %zu rows, %.0f MB by approx_bytes, %.1f MB spilled, %.2f s "
      "(input built in %.2f s)\n",
      rows, bytes / 1e6, spilled_of(*f) / 1e6, std::chrono::duration<double>(t2 - t1).count(),
      std::chrono::duration<double>(t1 - t0).count());
}

TEST(AggregateSpill, FinalAggregateOver20MBWithA1MiBLimit) {
  // The always-on scale model of the big case: 10x smaller input and limit.
  big_final_aggregate(400'000, 100'000, 16 << 16);
}

TEST(AggregateSpill, Big_FinalAggregateOver200MBWithA16MiBLimit) {
  big_final_aggregate(4'000'000, 1'000'000, 16 << 20);
}

}  // namespace
}  // namespace tranche
