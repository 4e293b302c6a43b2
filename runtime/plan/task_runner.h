// Runs one task of a portion: reads its input (file splits, or the upstream
// blocks of its partition through a block_source), pushes batches through the
// portion's pipeline steps and partitions the output by the portion's sink.
// The executor calls it on a pool thread; tests call it directly.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
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
  // Bytes the pipeline's operators wrote to spill files (0: all fit in the lease).
  uint64_t spilled_bytes = 0;
};

// The memory each blocking operator (hash join, aggregate, sort) of a
// portion's pipeline may hold before it spills: the task's lease
// (p.memory_per_task) shared equally among them, halved because a spilling
// operator's state stays within about twice its limit (exec/operators.h).
// At least 1 MiB, so that a tiny lease still makes progress; 0 when the
// portion asks for no memory (unlimited).
[[nodiscard]] int64_t operator_memory_limit(const portion_spec& p);

// Builds the operator chain for a portion's steps; `task` is the task number
// (a write step names its file after it). Blocking operators get
// operator_memory_limit(p) and spill to `spill_dir` (a directory that exists).
[[nodiscard]] absl::StatusOr<std::vector<operator_ptr>> build_pipeline(
    const portion_spec& p, uint32_t task = 0, const std::string& spill_dir = {});

// Runs one task. `stop`, when given and set (by another thread), ends it
// between two batches with a Cancelled error: its lease was revoked or its
// program ended. Operators over their share of the lease spill to
// `spill_dir` (created when missing; empty: the system's temporary
// directory). Spill files are unlinked when created, so nothing is left there.
[[nodiscard]] absl::StatusOr<task_output> run_task(const task_spec& task, block_source& inputs,
                                                   const std::atomic<bool>* stop = nullptr,
                                                   const std::string& spill_dir = {});

}  // namespace tranche
