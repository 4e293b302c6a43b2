// Runs one task of a portion: reads its input (file splits, or the upstream
// blocks of its partition through a block_source), pushes batches through the
// portion's pipeline steps and partitions the output by the portion's sink.
// The executor calls it on a pool thread; tests call it directly.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "exec/operators.h"
#include "plan/plan.h"
#include "plan/plan_codec.h"
#include "tranche/batch.h"

namespace tranche {

class block_source {
 public:
  virtual ~block_source() = default;
  using consumer = std::function<absl::Status(const batch&)>;
  // Streams the batches of one upstream block, in order, to `consume` (none
  // when the block has no rows); stops at the first error, consume's or its own.
  // A source holds only a bounded window of a block at a time.
  [[nodiscard]] virtual absl::Status fetch(const block_ref& ref, const consumer& consume) = 0;
};

struct task_output {
  // One entry per output partition of the portion's sink.
  std::vector<std::vector<batch_ptr>> partitions;
  uint64_t rows = 0;
  uint64_t bytes = 0;
};

// Builds the operator chain for a portion's steps; `task` is the task number
// (a write step names its file after it).
[[nodiscard]] absl::StatusOr<std::vector<operator_ptr>> build_pipeline(const portion_spec& p,
                                                                       uint32_t task = 0);

// Runs one task. `stop`, when given and set (by another thread), ends it
// between two batches with a Cancelled error: its lease was revoked or its
// program ended.
[[nodiscard]] absl::StatusOr<task_output> run_task(const task_spec& task, block_source& inputs,
                                                   const std::atomic<bool>* stop = nullptr);

}  // namespace tranche
