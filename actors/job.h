// The job actor: one per program, the supervisor of its portions. Obtains the
// plan from the planner, starts each portion when its inputs are complete,
// hands a finishing portion's leases to a waiting successor (or back to the
// broker), forwards progress to the client, delivers the result batches and,
// at the end — success, failure, or the client going away — makes sure every
// lease is returned and every block dropped. Under the whole-program policy
// it first reserves the plan's peak capacity and lends it to the portions.
#pragma once

#include <caf/all.hpp>
#include <memory>
#include <string>
#include <vector>

#include "actors/atoms.h"
#include "actors/broker.h"
#include "actors/executor.h"
#include "actors/job_manager.h"
#include "actors/planner.h"
#include "sched/task_retry.h"
#include "sched/policy.h"
#include "tranche/client.h"

namespace tranche {

// A lease holder itself: under the whole-program policy the job reserves the
// program's capacity and lends it to its portions.
using job_actor = lease_holder_actor::extend<
    // A portion gives a lease back; `to_broker`: it was asked to (preemption),
    // so the lease goes to the broker rather than to another portion.
    caf::reacts_to<release_atom, int32_t /*portion*/, uint64_t /*lease*/, uint64_t /*node*/,
                   executor_actor, bool /*to_broker*/>,
    // A portion finished: the node of each task's output, and how many leases
    // it releases right after this message (to be handed to successors).
    caf::reacts_to<portion_done_atom, int32_t, std::vector<uint64_t>, int32_t>,
    caf::reacts_to<portion_fail_atom, int32_t, std::string>,
    caf::reacts_to<progress_atom, progress_event>, caf::reacts_to<cancel_atom>>;

struct job_context {
  uint64_t program = 0;
  std::vector<char> program_bytes;  // encoded Program
  int32_t parallelism = 0;
  caf::actor listener;  // receives progress, result batches and done
  broker_actor broker;
  planner_actor planner;
  std::shared_ptr<executor_directory> directory;
  submit_options options;                          // queue and priority
  std::shared_ptr<const capacity_policy> policy;  // null: per-portion
  retry_options retry;                            // for every portion's tasks
  // Past this many encoded result bytes sent to the listener the program
  // fails (the client holds the whole result; COPY ... TO has no limit). 0: none.
  int64_t max_result_bytes = 0;
  // Told of the plan, every progress event and the end, for the console
  // (may be null).
  job_manager_actor observer;
};

[[nodiscard]] job_actor spawn_job(caf::actor_system& sys, job_context ctx);

}  // namespace tranche
