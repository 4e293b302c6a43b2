// The hash join physical operator: joins the rows pushed through it (the
// probe side) with a build side handed over first through add_build(). The
// planner creates one per join in a task pipeline; inner and left joins come
// from FROM/JOIN clauses, semi and anti joins from [NOT] EXISTS and [NOT] IN
// subqueries, a join without keys from an uncorrelated scalar subquery.
//
// Semantics (SQL): keys are equal when their values are equal, as `=` decides
// it: -0.0 equals 0.0, NaN equals nothing (not even NaN), and a NULL key
// never matches anything. A residual condition, if any, must also be TRUE
// (not NULL) for a pair to match.
//   inner: one row per matching pair (probe fields, then build fields).
//   left:  inner, plus each probe row without a match once, build fields NULL.
//   semi:  each probe row with at least one match, once.
//   anti:  each probe row without a match (NULL keys included: NOT EXISTS).
//   anti_null_aware (NOT IN, exactly one key): probe row p is emitted unless
//     some build row b with residual(p, b) TRUE (every b without a residual)
//     has b.key = p.key, or b.key NULL, or p.key NULL. So without a residual:
//     an empty build side emits every row, a NULL build key emits none, else
//     rows with a non-NULL key and no match. With a residual this is SQL's
//     correlated NOT IN: a probe row with a NULL key is compared (through the
//     residual) with every build row, which costs build rows per such row.
// Output rows come in no particular order, in batches of at most
// k_emit_batch_rows (column_util.h) rows.
//
// Memory: with memory_limit > 0 a build side larger than the limit (by
// approx_bytes) turns the operator into a grace hash join that spills both
// sides to files under spill_dir, partitioned by key hash, and joins them
// partition by partition at finish(), where most output is then emitted (see
// exec/join_spill.h). Results are the same as in memory. Limits: a join
// without keys and NOT IN with a residual compare some probe rows with the
// whole build side and never spill; a partition still over the limit after
// three levels of splitting (one key with more rows than fit) is joined in
// memory anyway. Spill files are unlinked as soon as they are created, so
// they vanish at finish(), destruction, an error, or a crash.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "exec/expr.h"
#include "exec/join_type.h"
#include "exec/operators.h"
#include "tranche/batch.h"
#include "tranche/types.h"

namespace tranche {

// join_type and join_type_name() are in exec/join_type.h (shared with the
// logical program and the plan).

struct join_spec {
  join_type type = join_type::inner;
  // Key columns of the probe input (pushed through push()).
  std::vector<int> probe_keys;
  // Key columns of the build input (same count, pairwise same type_id).
  std::vector<int> build_keys;
  // Optional extra condition over the probe columns followed by the build
  // columns (index probe_schema.size() + j = build column j); a pair matches
  // only when the keys are equal AND residual is TRUE.
  expr_ptr residual;
  schema probe_schema;
  schema build_schema;
  schema output;  // inner, left: probe fields then build fields; semi, anti*: probe fields
  int64_t memory_limit = 0;  // bytes the build side may hold in memory; 0 = unlimited
  std::string spill_dir;     // where to spill when over memory_limit (a directory that exists)
};

// A spilling_operator (exec/operators.h): spilled_bytes() reports the grace
// join's spill files.
class hash_join_operator : public spilling_operator {
 public:
  // Adds build-side rows (schema build_schema). Every build batch is added
  // before the first push(). Errors: InvalidArgument for a malformed spec or
  // batch (named in the message), or an I/O error while spilling.
  virtual absl::Status add_build(const batch& b) = 0;
  // push(probe batch, emit) / finish(emit) as in physical_operator.
};

[[nodiscard]] std::unique_ptr<hash_join_operator> make_hash_join(join_spec spec);

}  // namespace tranche
