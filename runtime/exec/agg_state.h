// Per-aggregate state arrays for hash aggregation, internal to exec. One
// agg_state per aggregate call holds one slot per group; the partial aggregate
// folds raw argument columns into it (update), the final aggregate folds
// partial state columns (merge). Both loop column-wise over a batch using the
// group ids from group_table. One virtual call per batch and aggregate.
//
// State columns (see partial_aggregate_schema in operators.h), named after
// the aggregate's output name: count/count_star -> "<name>$count" (int64);
// sum -> "<name>$sum" (result type), "<name>$count"; avg -> "<name>$sum"
// (float64), "<name>$count"; min/max -> "<name>$min"/"<name>$max";
// count_distinct -> "<name>$value" (argument type). The partial aggregate
// groups by each COUNT(DISTINCT) argument too, so a partial group holds one
// value; the final state keeps per group the set of distinct non-NULL values
// (memory grows with the distinct values per group) and emits its size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "plan/logical.h"
#include "tranche/batch.h"

namespace tranche {

enum class agg_phase : uint8_t { partial, final };

class agg_state {
 public:
  virtual ~agg_state() = default;
  // Grows to `groups` slots; new slots hold the empty state.
  virtual void resize(size_t groups) = 0;
  // Partial phase: folds n argument values (arg is nullptr for COUNT(*)).
  [[nodiscard]] virtual absl::Status update(const uint32_t* gids, size_t n, const column* arg) = 0;
  // Final phase: folds n rows of this aggregate's partial state columns.
  [[nodiscard]] virtual absl::Status merge(const uint32_t* gids, size_t n,
                                           const column* const* state) = 0;
  // Appends the state columns of groups [begin, end).
  virtual void emit_partial(size_t begin, size_t end, std::vector<column_ptr>* out) const = 0;
  // The final values of groups [begin, end).
  [[nodiscard]] virtual column_ptr emit_final(size_t begin, size_t end) const = 0;

  // Estimated bytes held (slot arrays by capacity, string and set contents),
  // for the memory budget. Cheap: no walk over the groups.
  [[nodiscard]] virtual size_t memory_bytes() const = 0;

  // Spilling the final phase (exec/agg_spill.h) writes the state back as
  // partial-state rows that merge() reads again. Group g needs at least
  // spill_rows(g) of them: 1, or for COUNT(DISTINCT) one per distinct value.
  [[nodiscard]] virtual size_t spill_rows(size_t /*group*/) const { return 1; }
  // Appends the state columns of groups [begin, end), group begin + i taking
  // rows[i] >= spill_rows rows: its state in the first and NULL states (which
  // merge as nothing) in the others. COUNT(DISTINCT) puts one value per row.
  virtual void emit_spill(size_t begin, size_t end, const std::vector<uint32_t>& rows,
                          std::vector<column_ptr>* out) const;
};

// The state columns an aggregate contributes to the partial schema.
void append_state_fields(const aggregate_call& call, std::vector<field>* out);

// The type of the argument a partial-phase state folds (int64 for COUNT(*)).
[[nodiscard]] type_id argument_type(const aggregate_call& call);

// Validates the call (argument and result types) and builds its state.
[[nodiscard]] absl::StatusOr<std::unique_ptr<agg_state>> make_agg_state(const aggregate_call& call,
                                                                        agg_phase phase);

}  // namespace tranche
