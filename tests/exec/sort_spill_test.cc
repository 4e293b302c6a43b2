// Tests of the sort under a memory_budget: sorted runs in spill files merged
// at finish (exec/sort_spill.h). Randomized, seeded inputs over every key
// type (NULLs first and last, ASC/DESC, NaN, long strings, many duplicates)
// must come out exactly as the in-memory sort emits them, row for row, which
// checks stability too; top-N with and without spilling; bounded output
// batches; merges in several passes; errors; the spill directory left empty;
// and a large input under a 16 MiB limit.
#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <chrono>
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

enum { c_int, c_str, c_dbl, c_bool, c_date, c_seq };
const schema k_input{{{"i", type_id::int64},
                      {"s", type_id::string},
                      {"d", type_id::float64},
                      {"b", type_id::boolean},
                      {"dt", type_id::date},
                      {"seq", type_id::int64}}};

// Few distinct values per column, so many rows tie on every key; `seq` is
// the arrival order, which shows whether ties kept it.
std::vector<batch> random_input(size_t batches, size_t rows_per_batch, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  std::vector<batch> out;
  int64_t seq = 0;
  for (size_t b = 0; b < batches; ++b) {
    rows_t rows;
    const size_t n = rows_per_batch + (b % 3);  // uneven batch sizes
    for (size_t i = 0; i < n; ++i) {
      std::vector<value> r(6);
      r[c_int] = pick(10) == 0 ? null_v : I(pick(40) - 20);
      r[c_str] = pick(10) == 0 ? null_v
                 : pick(2)     ? S(std::string(pick(3), static_cast<char>('a' + pick(3))))
                               : S("a-long-common-prefix-" + std::to_string(pick(20)));
      const int d = pick(30);
      r[c_dbl] = d == 0   ? null_v
                 : d == 1 ? F(std::numeric_limits<double>::quiet_NaN())
                 : d == 2 ? F(-std::numeric_limits<double>::infinity())
                          : F((d - 15) * 0.5);
      r[c_bool] = pick(4) == 0 ? null_v : B(pick(2) == 1);
      r[c_date] = pick(7) == 0 ? null_v : value{date_value{18000 + pick(30)}};
      r[c_seq] = I(seq++);
      rows.push_back(std::move(r));
    }
    out.push_back(make_batch(k_input, rows));
  }
  return out;
}

// Rows as strings (NaN equals itself); the order is the result.
std::vector<std::string> printed(const std::vector<batch>& out) {
  std::vector<std::string> rows;
  for (const auto& r : rows_of(out)) {
    std::string s;
    for (const auto& v : r) s += to_string(v) + "|";
    rows.push_back(std::move(s));
  }
  return rows;
}

uint64_t spilled_of(const physical_operator& op) {
  const auto* s = dynamic_cast<const spilling_operator*>(&op);
  EXPECT_NE(s, nullptr);
  return s ? s->spilled_bytes() : 0;
}

struct sorted {
  absl::Status status;
  std::vector<std::string> rows;
  uint64_t spilled = 0;
  size_t max_batch_bytes = 0;
};

sorted sort_rows(const std::vector<batch>& input, const std::vector<sort_key>& keys, int64_t limit,
                 const memory_budget& budget) {
  auto op = make_sort(keys, limit, budget);
  auto r = run(*op, input);
  sorted s;
  s.status = r.status;
  s.rows = printed(r.out);
  s.spilled = spilled_of(*op);
  for (const auto& b : r.out) {
    s.max_batch_bytes = std::max<size_t>(s.max_batch_bytes, approx_bytes(b));
    EXPECT_EQ(b.schema, k_input);
  }
  return s;
}

// Random key lists: 1-3 keys, random direction and NULL placement.
std::vector<std::vector<sort_key>> random_key_lists(uint64_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<sort_key>> out;
  for (size_t i = 0; i < n; ++i) {
    std::vector<sort_key> keys;
    const size_t k = 1 + rng() % 3;
    for (size_t j = 0; j < k; ++j)
      keys.push_back({static_cast<int>(rng() % 5), rng() % 2 == 0, rng() % 2 == 0});
    out.push_back(std::move(keys));
  }
  // Every type as the only key, once.
  for (int c = 0; c < 5; ++c) out.push_back({{c, c % 2 == 0, c % 3 == 0}});
  return out;
}

std::string describe(const std::vector<sort_key>& keys) {
  std::string s;
  for (const auto& k : keys)
    s += std::to_string(k.column) + (k.ascending ? " asc" : " desc") +
         (k.nulls_first ? " nulls first, " : " nulls last, ");
  return s;
}

// Full sorts far over the limit give exactly the in-memory order. At 1 KiB
// there are hundreds of runs, merged in several passes.
TEST(SortSpill, FullSortMatchesInMemory) {
  spill_dir dir;
  ASSERT_FALSE(dir.path().empty());
  for (uint64_t seed : {1, 2}) {
    const auto input = random_input(20, 250, seed);
    uint64_t input_bytes = 0;
    size_t input_rows = 0;
    for (const auto& b : input) {
      input_bytes += approx_bytes(b);
      input_rows += b.rows;
    }
    for (const auto& keys : random_key_lists(seed, 6)) {
      SCOPED_TRACE(describe(keys));
      const sorted want = sort_rows(input, keys, -1, {});
      ASSERT_TRUE(want.status.ok()) << want.status;
      ASSERT_EQ(want.rows.size(), input_rows);
      for (int64_t limit : {64 << 10, 1 << 10}) {
        const sorted got = sort_rows(input, keys, -1, {limit, dir.path()});
        ASSERT_TRUE(got.status.ok()) << got.status;
        EXPECT_EQ(got.rows, want.rows) << "limit " << limit;
        EXPECT_GT(got.spilled, 0u);
        // Emitted batches stay around a quarter of the limit (at least a row).
        EXPECT_LE(got.max_batch_bytes, static_cast<size_t>(limit)) << "limit " << limit;
        // 1 KiB: more than k_max_fan_in runs, so rows are written twice.
        if (limit == 1 << 10) {
          EXPECT_GT(got.spilled, input_bytes);
        }
        EXPECT_EQ(dir.files(), 0u);
      }
    }
  }
}

// All rows tie: the output is the input order.
TEST(SortSpill, StableWithDuplicateKeys) {
  spill_dir dir;
  const auto input = random_input(10, 300, 5);
  const sorted got = sort_rows(input, {{c_bool, true, true}}, -1, {1 << 10, dir.path()});
  ASSERT_TRUE(got.status.ok());
  const sorted want = sort_rows(input, {{c_bool, true, true}}, -1, {});
  EXPECT_EQ(got.rows, want.rows);
  // Within each boolean value, seq ascends.
  auto op = make_sort({{c_bool, true, true}}, -1, {1 << 10, dir.path()});
  auto r = run(*op, input);
  ASSERT_TRUE(r.status.ok());
  const rows_t rows = rows_of(r.out);
  for (size_t i = 1; i < rows.size(); ++i)
    if (rows[i][c_bool] == rows[i - 1][c_bool]) {
      EXPECT_LT(std::get<int64_t>(rows[i - 1][c_seq]), std::get<int64_t>(rows[i][c_seq]));
    }
}

// Top-N: within the budget it never spills; when N rows do not fit it spills
// and still gives the in-memory top N, ties in input order.
TEST(SortSpill, TopNWithAndWithoutSpill) {
  spill_dir dir;
  const auto input = random_input(30, 200, 11);
  for (const auto& keys : random_key_lists(11, 4)) {
    SCOPED_TRACE(describe(keys));
    for (int64_t n : {1, 10, 700, 3000, 100000}) {
      const sorted want = sort_rows(input, keys, n, {});
      ASSERT_TRUE(want.status.ok());
      const sorted roomy = sort_rows(input, keys, n, {64 << 10, dir.path()});
      ASSERT_TRUE(roomy.status.ok()) << roomy.status;
      EXPECT_EQ(roomy.rows, want.rows) << n;
      if (n <= 10) {
        EXPECT_EQ(roomy.spilled, 0u) << n;
      }
      const sorted tight = sort_rows(input, keys, n, {1 << 10, dir.path()});
      ASSERT_TRUE(tight.status.ok()) << tight.status;
      EXPECT_EQ(tight.rows, want.rows) << n;
      if (n >= 700) {
        EXPECT_GT(tight.spilled, 0u) << n;
      }
    }
  }
  EXPECT_EQ(dir.files(), 0u);
}

TEST(SortSpill, EmptyInput) {
  spill_dir dir;
  const sorted got = sort_rows({}, {{c_int, true, false}}, -1, {1, dir.path()});
  ASSERT_TRUE(got.status.ok());
  EXPECT_TRUE(got.rows.empty());
  EXPECT_EQ(got.spilled, 0u);
  EXPECT_TRUE(sort_rows({}, {{c_int, true, false}}, 5, {1, dir.path()}).rows.empty());
}

// A spill error names the directory; a downstream error in the middle of the
// merge stops it; no file is left either way.
TEST(SortSpill, ErrorsLeaveNoFiles) {
  const auto input = random_input(10, 300, 13);
  const sorted bad = sort_rows(input, {{c_int, true, false}}, -1, {1 << 10, "/nonexistent/spill"});
  EXPECT_EQ(bad.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(bad.status.message().find("\"/nonexistent/spill\""), std::string::npos) << bad.status;

  spill_dir dir;
  auto op = make_sort({{c_str, false, true}}, -1, {4 << 10, dir.path()});
  const emit_fn none = [](batch) { return absl::OkStatus(); };
  for (const auto& b : input) ASSERT_TRUE(op->push(b, none).ok());
  EXPECT_GT(spilled_of(*op), 0u);
  int calls = 0;
  const absl::Status st = op->finish([&](batch) {
    return ++calls == 3 ? absl::CancelledError("downstream gone") : absl::OkStatus();
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(dir.files(), 0u);
}

// Sorts `rows` rows (about 35 bytes each by approx_bytes) of (int64, string, int64) rows
// under `limit`, on an int key with duplicates then the string descending;
// checks the order and that no row was lost.
void big_sort(size_t rows, int64_t limit) {
  spill_dir dir;
  const schema s{{{"k", type_id::int64}, {"s", type_id::string}, {"seq", type_id::int64}}};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<batch> input;
  std::mt19937_64 rng(42);
  uint64_t bytes = 0;
  for (size_t b = 0; b < rows; b += k_emit_batch_rows) {
    const size_t n = std::min(k_emit_batch_rows, rows - b);
    auto k = std::make_shared<column>(type_id::int64);
    auto str = std::make_shared<column>(type_id::string);
    auto seq = std::make_shared<column>(type_id::int64);
    k->i64().resize(n);
    seq->i64().resize(n);
    str->reserve(n);
    for (size_t i = 0; i < n; ++i) {
      k->i64()[i] = static_cast<int64_t>(rng() % 1'000'000);
      seq->i64()[i] = static_cast<int64_t>(b + i);
      str->append_string("row-payload-" + std::to_string(rng() % 1000));
    }
    k->set_size(n);
    seq->set_size(n);
    batch x;
    x.schema = s;
    x.rows = n;
    x.columns = {k, str, seq};
    bytes += approx_bytes(x);
    input.push_back(std::move(x));
  }
  auto op = make_sort({{0, true, false}, {1, false, false}}, -1, {limit, dir.path()});
  const auto t1 = std::chrono::steady_clock::now();
  int64_t last_k = std::numeric_limits<int64_t>::min();
  std::string last_s;
  int64_t last_seq = -1;
  size_t seen = 0, max_batch = 0;
  const emit_fn check = [&](batch b) {
    max_batch = std::max<size_t>(max_batch, approx_bytes(b));
    for (size_t i = 0; i < b.rows; ++i) {
      const int64_t k = b.columns[0]->i64()[i];
      const std::string_view str = b.columns[1]->str(i);
      const int64_t q = b.columns[2]->i64()[i];
      const bool ordered =
          k > last_k || (k == last_k && (str < last_s || (str == last_s && q > last_seq)));
      if (!ordered) return absl::InternalError("out of order at row " + std::to_string(seen));
      last_k = k;
      last_s = std::string(str);
      last_seq = q;
      ++seen;
    }
    return absl::OkStatus();
  };
  for (auto& b : input) ASSERT_TRUE(op->push(std::move(b), check).ok());
  input.clear();
  const absl::Status st = op->finish(check);
  const auto t2 = std::chrono::steady_clock::now();
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(seen, rows);
  EXPECT_GT(spilled_of(*op), 0u);
  EXPECT_LE(max_batch, static_cast<size_t>(limit));
  EXPECT_EQ(dir.files(), 0u);
  std::printf(
      "sort: %zu rows, %.0f MB by approx_bytes, %.1f MB spilled, %.2f s (input built "
      "in %.2f s)\n",
      rows, bytes / 1e6, spilled_of(*op) / 1e6, std::chrono::duration<double>(t2 - t1).count(),
      std::chrono::duration<double>(t1 - t0).count());
}

TEST(SortSpill, SortOver20MBWithA1MiBLimit) { big_sort(500'000, 1 << 20); }

TEST(SortSpill, Big_SortOver200MBWithA16MiBLimit) { big_sort(6'000'000, 16 << 20); }

}  // namespace
}  // namespace tranche
