// Sorting internals shared by the sort operator (sort.cc) and its spilling
// part (sort_spill.cc), internal to exec: comparing rows on bound sort keys,
// gathering rows into batches, and -- when the buffered input passes the
// operator's memory_budget -- sorted runs in spill files (exec/spill.h) and
// their k-way merge.
//
// A run is a spill file of batches whose rows are in sort order. Runs are
// numbered in input order (each holds later input than the one before), and
// the merge breaks ties by run number, so merging is stable exactly like the
// in-memory sort. More than k_max_fan_in runs are merged in passes, each
// merging neighbouring runs into one, so the order of runs is kept.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "exec/operators.h"
#include "exec/spill.h"
#include "plan/logical.h"
#include "tranche/batch.h"

namespace tranche {

// A sort key bound to one batch's column, so comparisons read raw pointers.
struct bound_key {
  type_id type;
  const int64_t* i64;
  const double* f64;
  const uint8_t* b;
  const uint32_t* off;
  const char* chars;
  const uint8_t* valid;  // nullptr: no NULLs
  bool ascending;
  bool nulls_first;
};

inline std::vector<bound_key> bind_keys(const batch& in, const std::vector<sort_key>& keys) {
  std::vector<bound_key> out;
  out.reserve(keys.size());
  for (const auto& k : keys) {
    const column& c = *in.columns[k.column];
    out.push_back({c.type(), c.i64().data(), c.f64().data(), c.b().data(), c.offsets().data(),
                   c.chars().data(), c.has_nulls() ? c.valid().data() : nullptr, k.ascending,
                   k.nulls_first});
  }
  return out;
}

// Total order on doubles: NaN after every number, -0.0 equal to 0.0.
inline int compare_double(double a, double b) {
  if (a < b) return -1;
  if (a > b) return 1;
  return static_cast<int>(std::isnan(a)) - static_cast<int>(std::isnan(b));
}

// <0, 0, >0: row i (keys bound to its batch in ka) against row j (kb).
// Keys before `from` are not looked at (callers know they are equal).
inline int compare_rows(const std::vector<bound_key>& ka, size_t i,
                        const std::vector<bound_key>& kb, size_t j, size_t from = 0) {
  for (size_t k = from; k < ka.size(); ++k) {
    const bound_key& x = ka[k];
    const bound_key& y = kb[k];
    const bool nx = x.valid && !x.valid[i];
    const bool ny = y.valid && !y.valid[j];
    if (nx || ny) {
      if (nx && ny) continue;
      // NULL placement is explicit per key and independent of the direction.
      return nx == x.nulls_first ? -1 : 1;
    }
    int c = 0;
    switch (x.type) {
      case type_id::int64:
      case type_id::date:
        c = (x.i64[i] > y.i64[j]) - (x.i64[i] < y.i64[j]);
        break;
      case type_id::float64:
        c = compare_double(x.f64[i], y.f64[j]);
        break;
      case type_id::boolean:
        c = static_cast<int>(x.b[i] & 1) - static_cast<int>(y.b[j] & 1);
        break;
      case type_id::string: {
        const std::string_view sx(x.chars + x.off[i], x.off[i + 1] - x.off[i]);
        const std::string_view sy(y.chars + y.off[j], y.off[j + 1] - y.off[j]);
        c = sx.compare(sy);
        break;
      }
    }
    if (c != 0) return x.ascending ? c : -c;
  }
  return 0;
}

struct row_ref {
  uint32_t part;
  uint32_t row;
  friend bool operator<(const row_ref& a, const row_ref& b) {
    return a.part != b.part ? a.part < b.part : a.row < b.row;
  }
};

// A row to sort: its first key normalized to an unsigned integer whose order
// is the key's order (direction included), and where the row lives. Sorting
// these 16-byte entries touches contiguous memory; only ties on the first key
// (or on a string's 8-byte prefix) look at the rows themselves.
struct sort_entry {
  uint64_t key;
  row_ref ref;
};

// Gathers rows order[0, n) from `parts` into one batch of their schema.
[[nodiscard]] batch gather(const std::vector<batch_ptr>& parts, const sort_entry* order, size_t n);

// Where runs go and how big the batches of a merge are.
struct run_options {
  std::string spill_dir;
  size_t buffer_bytes = 64 << 10;   // spill_file write buffer
  size_t run_batch_rows = 1024;     // rows per batch written to a run
  size_t output_batch_rows = 1024;  // rows per batch emitted by the final merge
  int64_t limit = -1;               // >= 0: only the first `limit` rows matter
};

// The largest number of runs one merge reads at once.
inline constexpr size_t k_max_fan_in = 32;

// Writes rows order[0, n) of `parts` as a new run. Adds the bytes written to
// *spilled.
[[nodiscard]] absl::StatusOr<std::unique_ptr<spill_file>> write_run(
    const std::vector<batch_ptr>& parts, const sort_entry* order, size_t n, const run_options& opt,
    uint64_t* spilled);

// Merges `runs` (in input order) by `keys` and emits the rows (the first
// opt.limit if set) in batches of opt.output_batch_rows, merging in passes of
// at most k_max_fan_in runs. Consumes the runs: each file is dropped as soon
// as it has been read.
[[nodiscard]] absl::Status merge_runs(std::vector<std::unique_ptr<spill_file>> runs,
                                      const std::vector<sort_key>& keys, const run_options& opt,
                                      uint64_t* spilled, const emit_fn& emit);

}  // namespace tranche
