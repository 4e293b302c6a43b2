// The executor: one per node. Runs tasks on a slot-bounded thread pool outside
// CAF's scheduler, keeps their output blocks (one per task and partition) and
// serves them to downstream tasks, locally by pointer or to other nodes as
// Cap'n Proto encoded batches. Drops a program's blocks when it ends.
#pragma once

#include <atomic>
#include <caf/all.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "actors/atoms.h"
#include "plan/task_runner.h"
#include "store/block_store.h"

namespace tranche {

using executor_actor = caf::typed_actor<
    // Runs one task (a plan_codec task_spec); replies with an encoded
    // task_result, an empty error and code 0, or no bytes, the task's error
    // text and its absl::StatusCode (sched/task_retry.h: transient or not).
    // The task's input blocks live on `nodes`, served by these executors (same
    // order; untyped because a typed interface cannot name itself).
    caf::replies_to<run_atom, std::vector<char>, std::vector<uint64_t>,
                    std::vector<caf::actor>>::with<std::vector<char>, std::string, int32_t>,
    // Batches [first, first + count) of block (program, portion, task,
    // partition), encoded (schemas/batch.capnp); with first == 0 also the
    // sizes of all the block's batches, so that the reader can plan its
    // window; or an error text. Readers ask for a window at a time: CAF has
    // no back-pressure, so the reader's credit is what bounds memory.
    caf::replies_to<fetch_atom, uint64_t, uint32_t, uint32_t, uint32_t, uint32_t,
                    uint32_t>::with<std::vector<std::vector<char>>, std::vector<uint64_t>,
                                    std::string>,
    // Forget every block of a program, and stop its tasks.
    caf::reacts_to<drop_atom, uint64_t>,
    // Stop task (program, portion, task) if it runs or waits here: its lease
    // was revoked. Its requester gets a "cancelled" error.
    caf::reacts_to<cancel_atom, uint64_t, uint32_t, uint32_t>,
    // How many tasks are running or queued here (a draining worker waits for 0).
    caf::replies_to<drain_atom>::with<int64_t>,
    // The node id the head assigned at join (a worker learns it after spawning).
    caf::reacts_to<node_atom, uint64_t>,
    // Internal: a pool thread finished task `seq` (result bytes, or error text and code).
    caf::reacts_to<task_done_atom, uint64_t, std::vector<char>, std::string, int32_t>>;

// Maps node ids to their executors, so a task can fetch remote blocks.
class executor_directory {
 public:
  void add(uint64_t node, executor_actor e, std::shared_ptr<block_store> store);
  [[nodiscard]] executor_actor find(uint64_t node) const;
  // The node's store when it lives in this process (a local fetch needs no copy).
  [[nodiscard]] std::shared_ptr<block_store> local_store(uint64_t node) const;
  [[nodiscard]] std::vector<executor_actor> all() const;
  [[nodiscard]] std::vector<uint64_t> nodes() const;
  void remove(uint64_t node);

 private:
  mutable std::mutex mu_;
  std::map<uint64_t, std::pair<executor_actor, std::shared_ptr<block_store>>> nodes_;
};

// How a task reads a remote block: chunks of about `chunk_bytes`, at most
// `window_bytes` requested and not yet consumed (at least one chunk).
struct fetch_window {
  uint64_t chunk_bytes = uint64_t{1} << 20;
  uint64_t window_bytes = uint64_t{4} << 20;
};

// What runs a task on a pool thread: run_task, unless a benchmark or test
// substitutes its own work (e.g. timed sleeps to measure scheduling alone).
// `stop` is set when the task is cancelled; the executor keeps no output of
// a cancelled task whatever the function returns.
using task_function = std::function<absl::StatusOr<task_output>(
    const task_spec&, block_source&, const std::atomic<bool>& stop)>;

struct executor_config {
  uint64_t node = 1;
  int slots = 1;
  // Shuffle blocks past store.memory_budget spill to store.spill_dir, and so
  // do the operators of a task past their share of its lease (run_task).
  block_store_options store;
  fetch_window fetch;
  std::shared_ptr<executor_directory> directory;
  task_function run;  // empty: run_task
};

[[nodiscard]] executor_actor spawn_executor(caf::actor_system& sys, const executor_config& cfg);

}  // namespace tranche
