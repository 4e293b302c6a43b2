// The executor: one per node. Runs tasks on a slot-bounded thread pool outside
// CAF's scheduler, keeps their output blocks (one per task and partition) and
// serves them to downstream tasks, locally by pointer or to other nodes as
// Cap'n Proto encoded batches. Drops a program's blocks when it ends.
#pragma once

#include <caf/all.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "actors/atoms.h"
#include "plan/task_runner.h"

namespace tranche {

using executor_actor = caf::typed_actor<
    // Runs one task (a plan_codec task_spec); replies with an encoded
    // task_result and an empty error, or no bytes and the task's error text.
    // The task's input blocks live on `nodes`, served by these executors (same
    // order; untyped because a typed interface cannot name itself).
    caf::replies_to<run_atom, std::vector<char>, std::vector<uint64_t>,
                    std::vector<caf::actor>>::with<std::vector<char>, std::string>,
    // A block's batches, encoded (schemas/batch.capnp), or an error text.
    caf::replies_to<fetch_atom, uint64_t, uint32_t, uint32_t,
                    uint32_t>::with<std::vector<std::vector<char>>, std::string>,
    // Forget every block of a program.
    caf::reacts_to<drop_atom, uint64_t>,
    // How many tasks are running or queued here (a draining worker waits for 0).
    caf::replies_to<drain_atom>::with<int64_t>,
    // The node id the head assigned at join (a worker learns it after spawning).
    caf::reacts_to<node_atom, uint64_t>,
    // Internal: a pool thread finished task `seq` (result bytes or error text).
    caf::reacts_to<task_done_atom, uint64_t, std::vector<char>, std::string>>;

// Blocks held by one node, shared between its actor and its pool threads.
class block_store {
 public:
  // Ignored for a dropped program: a task that was still running when its
  // program failed or was cancelled must not leave blocks behind.
  void put(const block_ref& ref, std::vector<batch_ptr> batches);
  [[nodiscard]] std::vector<batch_ptr> get(const block_ref& ref, bool* found) const;
  void drop_program(uint64_t program);
  [[nodiscard]] size_t size() const;

 private:
  using key = std::tuple<uint64_t, uint32_t, uint32_t, uint32_t>;
  mutable std::mutex mu_;
  std::map<key, std::vector<batch_ptr>> blocks_;
  std::set<uint64_t> dropped_;
};

// Maps node ids to their executors, so a task can fetch remote blocks.
class executor_directory {
 public:
  void add(uint64_t node, executor_actor e, std::shared_ptr<block_store> store);
  [[nodiscard]] executor_actor find(uint64_t node) const;
  // The node's store when it lives in this process (a local fetch needs no copy).
  [[nodiscard]] std::shared_ptr<block_store> local_store(uint64_t node) const;
  [[nodiscard]] std::vector<executor_actor> all() const;
  void remove(uint64_t node);

 private:
  mutable std::mutex mu_;
  std::map<uint64_t, std::pair<executor_actor, std::shared_ptr<block_store>>> nodes_;
};

struct executor_config {
  uint64_t node = 1;
  int slots = 1;
  std::shared_ptr<executor_directory> directory;
};

[[nodiscard]] executor_actor spawn_executor(caf::actor_system& sys, const executor_config& cfg);

}  // namespace tranche
