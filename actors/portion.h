// The portion actor: runs one portion of a plan. When its job starts it (its
// inputs are complete) it asks the broker for capacity, dispatches one task at
// a time to the executor of each lease it holds, and yields each lease back
// the moment no task remains for it.
#pragma once

#include <caf/all.hpp>
#include <memory>
#include <vector>

#include "actors/atoms.h"
#include "actors/broker.h"
#include "actors/job.h"
#include "plan/plan.h"

namespace tranche {

using portion_actor = lease_holder_actor::extend<
    // Start: the node holding each task's output, per input portion.
    caf::reacts_to<start_atom, std::vector<std::vector<uint64_t>>>>;

struct portion_context {
  uint64_t program = 0;
  portion_spec spec;
  job_actor job;
  broker_actor broker;
  // Where each node's executor is (to tell a task where its input blocks are).
  std::shared_ptr<executor_directory> directory;
  // Leases the job will hand over right after start; asked from the broker only beyond them.
  int handed = 0;
};

[[nodiscard]] portion_actor spawn_portion(caf::actor_system& sys, portion_context ctx);

}  // namespace tranche
