// Physical operators: the kernels a task's pipeline is made of. Push model: a
// source hands each batch to the first operator, which emits zero or more
// batches to the next through `emit`; `finish` flushes blocking operators
// (aggregate, sort). One virtual call per batch, never per row.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "exec/expr.h"
#include "plan/logical.h"
#include "tranche/batch.h"

namespace tranche {

using emit_fn = std::function<absl::Status(batch)>;

class physical_operator {
 public:
  virtual ~physical_operator() = default;
  virtual absl::Status push(batch in, const emit_fn& emit) = 0;
  virtual absl::Status finish(const emit_fn& emit) = 0;
};

using operator_ptr = std::unique_ptr<physical_operator>;

// How much memory an operator's state may hold before it spills, and where
// its spill files go (a directory that exists). limit 0: unlimited, no spill.
struct memory_budget {
  int64_t limit = 0;
  std::string spill_dir;
};

// What make_partial_aggregate, make_final_aggregate and make_sort return: an
// operator that reports how much it spilled (tests, metrics). Spill files are
// unlinked on creation, so they vanish at finish, destruction, an error or a
// crash. Memory: the state's estimated bytes (held batches by approx_bytes,
// plus hash tables and state arrays by capacity) stay within about twice
// budget.limit, plus the batch being processed (see aggregate.cc, sort.cc).
class spilling_operator : public physical_operator {
 public:
  // Bytes written to spill files so far (0 while everything fits in memory).
  [[nodiscard]] virtual uint64_t spilled_bytes() const = 0;
};

// Keeps rows where `predicate` is TRUE (NULL and FALSE are dropped).
[[nodiscard]] operator_ptr make_filter(expr_ptr predicate);

// One output column per expression, named by `output`.
[[nodiscard]] operator_ptr make_project(std::vector<expr_ptr> exprs, schema output);

// Schema of a partial aggregate's output: the group keys (named by `keys`),
// then each aggregate's state columns: count/count_star -> [int64 count];
// sum -> [sum (int64 or float64), int64 count of non-NULL inputs];
// avg -> [float64 sum, int64 count]; min/max -> [value of the argument's type];
// count_distinct -> [the argument value, NULL for the NULL group].
[[nodiscard]] schema partial_aggregate_schema(const std::vector<field>& keys,
                                              const std::vector<aggregate_call>& aggs);

// Phase 1 (per task, before the shuffle): groups input rows by `keys` and
// emits one row of state per group at finish, in partial_aggregate_schema.
// Over budget.limit it never spills: it emits the states it holds and starts
// over, so a group may then appear in several rows (the final aggregate merges
// them; COUNT(DISTINCT) values are deduplicated there too).
// With no keys it emits exactly one row (the global aggregate's state),
// except with COUNT(DISTINCT x): counts of distinct values cannot be merged,
// so each such x is also a hidden group key, and a group is emitted as one
// row per distinct (x, ...) combination, each carrying the other aggregates'
// states for its rows (none for no input rows).
[[nodiscard]] operator_ptr make_partial_aggregate(std::vector<expr_ptr> keys,
                                                  std::vector<aggregate_call> aggs,
                                                  schema partial_output, memory_budget budget = {});

// Phase 2 (after the shuffle): input is partial_aggregate_schema; the first
// `num_keys` columns are the group keys. Merges states and emits the final
// values in `output` (keys, then one column per aggregate). SUM/MIN/MAX/AVG of
// no non-NULL input is NULL; COUNT is 0. With num_keys == 0 and no input rows
// at all it still emits one row (SELECT count(*) FROM empty -> 0). Over
// budget.limit it partitions the state rows by key hash into spill files and
// aggregates them partition by partition at finish (see exec/agg_spill.h);
// the global aggregate (no keys) holds one group and never spills.
[[nodiscard]] operator_ptr make_final_aggregate(size_t num_keys, std::vector<aggregate_call> aggs,
                                                schema output, bool global_always_emits = true,
                                                memory_budget budget = {});

// Sorts all input by `keys` at finish; with limit >= 0 keeps only the first
// `limit` rows (top-N, memory bounded by limit). Stable. Over budget.limit it
// writes sorted runs to spill files and merges them at finish (see
// exec/sort_spill.h); a top-N spills only when its `limit` rows do not fit.
[[nodiscard]] operator_ptr make_sort(std::vector<sort_key> keys, int64_t limit = -1,
                                     memory_budget budget = {});

// A scalar subquery's value: passes through exactly one row; emits one row of
// NULLs (schema `output`) when there was none, and fails when there is more
// than one.
[[nodiscard]] operator_ptr make_single_row(schema output);

// Passes through the first `n` rows.
[[nodiscard]] operator_ptr make_limit(int64_t n);

// Splits `b` into `n` batches by a hash of the key columns (NULLs hash to a
// fixed value; equal keys always land in the same partition, whatever batch
// they come from and whichever process computes the hash).
[[nodiscard]] std::vector<batch> hash_partition(const batch& b, const std::vector<int>& key_columns,
                                                size_t n);

}  // namespace tranche
