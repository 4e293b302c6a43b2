// The final aggregate's state and its spilling, internal to exec. The final
// aggregate operator (aggregate.cc) merges partial-state rows into a
// final_groups; when the estimated bytes pass its memory_budget it writes the
// groups it holds back out as partial-state rows (agg_state::emit_spill),
// split by a seeded hash of the group keys into k_fanout spill files
// (exec/spill.h), and starts over with an empty table. At finish() each
// partition is aggregated on its own in a fresh final_groups; one that again
// outgrows the budget is split the same way with the next level's seed, up to
// k_max_depth levels. Every group lands in exactly one partition, so the
// union of the partitions' results is the in-memory result.
//
// Limit: the state of one group cannot be split. Only COUNT(DISTINCT) makes a
// group large (its set of distinct values); a partition whose groups still do
// not fit after k_max_depth levels -- one giant group, or many identical
// hashes -- is aggregated in memory over the budget.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "exec/agg_state.h"
#include "exec/group_table.h"
#include "exec/operators.h"
#include "exec/spill.h"
#include "tranche/batch.h"

namespace tranche {

// What every level of a final aggregate shares; built (and validated) once.
struct final_spec {
  size_t num_keys = 0;
  std::vector<aggregate_call> aggs;
  std::vector<type_id> key_types;
  std::vector<size_t> widths;  // state columns per aggregate
  schema state_schema;         // the input: keys, then each aggregate's state columns
  schema output;               // keys, then one column per aggregate
  memory_budget budget;
};

// Hash of each row's first `num_keys` columns from `seed`: NULL is a value of
// its own, doubles hash by value (-0.0 as 0.0, NaNs alike), as group_table
// groups them.
void group_key_hash(const batch& b, size_t num_keys, uint64_t seed, std::vector<uint64_t>* out);

// One final aggregate's groups in memory: a group_table and its states.
class final_groups {
 public:
  // `spec` must outlive this; its aggregates were validated (make_agg_state).
  explicit final_groups(const final_spec& spec);
  // Drops every group and frees their memory.
  void reset();
  // Folds partial-state rows (types already checked) into the groups.
  [[nodiscard]] absl::Status merge(const batch& in);
  [[nodiscard]] size_t size() const { return table_->size(); }
  [[nodiscard]] size_t memory_bytes() const;
  // Emits the final values of every group in spec.output.
  [[nodiscard]] absl::Status emit_final(const emit_fn& emit);
  // Emits every group as partial-state rows (spec.state_schema) that merge()
  // folds back into the same state.
  [[nodiscard]] absl::Status emit_states(const emit_fn& emit);

 private:
  const final_spec& spec_;
  bool has_distinct_ = false;
  std::unique_ptr<group_table> table_;
  std::vector<std::unique_ptr<agg_state>> states_;
  std::vector<uint32_t> gids_;
};

// k_fanout spill files of partial-state rows, split by group_key_hash with
// the seed of `depth`.
class spill_partitions {
 public:
  static constexpr size_t k_fanout = 16;
  spill_partitions(const final_spec& spec, int depth, uint64_t* spilled);
  [[nodiscard]] absl::Status append(const batch& b);
  // Writes every group of `g` and resets it.
  [[nodiscard]] absl::Status add(final_groups* g);
  [[nodiscard]] std::unique_ptr<spill_file> release(size_t p) { return std::move(files_[p]); }

 private:
  const final_spec& spec_;
  uint64_t seed_;
  uint64_t* spilled_;
  size_t buffer_bytes_;
  std::vector<std::unique_ptr<spill_file>> files_;
  std::vector<uint64_t> hash_;
  std::vector<std::vector<uint32_t>> sels_;
};

// The spilled part of a final aggregate: level-0 partitions, and at finish()
// the partition-by-partition aggregation.
class final_spill {
 public:
  static constexpr int k_max_depth = 4;
  explicit final_spill(const final_spec& spec) : spec_(spec), top_(spec, 0, &spilled_) {}
  // Writes every group of `g` to the partitions and resets it.
  [[nodiscard]] absl::Status add(final_groups* g) { return top_.add(g); }
  [[nodiscard]] absl::Status finish(const emit_fn& emit);
  [[nodiscard]] uint64_t spilled_bytes() const { return spilled_; }

 private:
  absl::Status aggregate(std::unique_ptr<spill_file> file, int depth, const emit_fn& emit);

  const final_spec& spec_;
  uint64_t spilled_ = 0;
  spill_partitions top_;
};

}  // namespace tranche
