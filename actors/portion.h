// The portion actor: runs one portion of a plan. When its job starts it (its
// inputs are complete) it asks the broker for capacity — a lease per task,
// starting on whatever it gets, on the nodes holding its input first —
// dispatches one task at a time to the executor of each lease it holds, and
// yields each lease back the moment no task remains for it. Asked by the
// broker to give leases back (preemption), it does so at its next task
// boundaries and asks again for what it still needs; a lease the broker
// revokes after the grace period takes its running task back to the queue.
// A task that fails for a transient cause (its executor or node died, an
// input could not be fetched, it passed its deadline) runs again after a
// backoff, on another node when it can, up to retry.max_retries times; a
// deterministic error fails the program with the error's own text.
#pragma once

#include <caf/all.hpp>
#include <memory>
#include <vector>

#include "actors/atoms.h"
#include "actors/broker.h"
#include "actors/job.h"
#include "plan/plan.h"
#include "sched/task_retry.h"

namespace tranche {

using portion_actor = lease_holder_actor::extend<
    // Start: the node holding each task's output, per input portion. Sent
    // again after a suspend: the inputs were recomputed; resume.
    caf::reacts_to<start_atom, std::vector<std::vector<uint64_t>>>,
    // Some input blocks were lost with their node and are being recomputed:
    // stop the running tasks and start none until the next start_atom.
    caf::reacts_to<suspend_atom>,
    // Internal: task `t`'s backoff after a transient failure is over (or,
    // for t == ~0u, the speculation tick: look for stragglers).
    caf::reacts_to<tick_atom, uint32_t>>;

struct portion_context {
  uint64_t program = 0;
  portion_spec spec;
  job_actor job;
  broker_actor broker;
  // Where each node's executor is (to tell a task where its input blocks are).
  std::shared_ptr<executor_directory> directory;
  // Leases the job will hand over right after start; asked from the broker only beyond them.
  int handed = 0;
  // The program's queue and priority, which its requests carry.
  submit_options options;
  // Whether it asks the broker for capacity when it starts (per-portion);
  // else it runs on the leases its program lends it (whole-program). Either
  // way it asks for replacements of leases lost with their node.
  bool ask_broker = true;
  // How its tasks' transient failures are retried (sched/task_retry.h).
  retry_options retry;
  // Lineage: run only these tasks (their outputs were lost with a node);
  // empty: every task.
  std::vector<uint32_t> only_tasks;
};

[[nodiscard]] portion_actor spawn_portion(caf::actor_system& sys, portion_context ctx);

}  // namespace tranche
