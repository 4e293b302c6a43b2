// Physical operators: the kernels a task's pipeline is made of. Push model: a
// source hands each batch to the first operator, which emits zero or more
// batches to the next through `emit`; `finish` flushes blocking operators
// (aggregate, sort). One virtual call per batch, never per row.
#pragma once

#include <functional>
#include <memory>
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
// With no keys it emits exactly one row (the global aggregate's state),
// except with COUNT(DISTINCT x): counts of distinct values cannot be merged,
// so each such x is also a hidden group key, and a group is emitted as one
// row per distinct (x, ...) combination, each carrying the other aggregates'
// states for its rows (none for no input rows).
[[nodiscard]] operator_ptr make_partial_aggregate(std::vector<expr_ptr> keys,
                                                  std::vector<aggregate_call> aggs,
                                                  schema partial_output);

// Phase 2 (after the shuffle): input is partial_aggregate_schema; the first
// `num_keys` columns are the group keys. Merges states and emits the final
// values in `output` (keys, then one column per aggregate). SUM/MIN/MAX/AVG of
// no non-NULL input is NULL; COUNT is 0. With num_keys == 0 and no input rows
// at all it still emits one row (SELECT count(*) FROM empty -> 0).
[[nodiscard]] operator_ptr make_final_aggregate(size_t num_keys, std::vector<aggregate_call> aggs,
                                                schema output, bool global_always_emits = true);

// Sorts all input by `keys` at finish; with limit >= 0 keeps only the first
// `limit` rows (top-N, memory bounded by limit). Stable.
[[nodiscard]] operator_ptr make_sort(std::vector<sort_key> keys, int64_t limit = -1);

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
