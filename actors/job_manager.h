// The job manager (head): accepts programs from clients, assigns program ids
// and spawns one job actor per program; answers explain requests.
#pragma once

#include <caf/all.hpp>
#include <memory>
#include <string>
#include <vector>

#include "actors/atoms.h"
#include "actors/broker.h"
#include "actors/executor.h"
#include "actors/planner.h"
#include "console/program_history.h"
#include "sched/task_retry.h"
#include "tranche/client.h"

namespace tranche {

using job_manager_actor = caf::typed_actor<
    // (encoded Program, listener) -> program id; the listener gets the messages
    // documented in tranche/client.h.
    caf::replies_to<submit_atom, std::vector<char>, caf::actor>::with<uint64_t>,
    // encoded Program -> (plan text, error text)
    caf::replies_to<explain_atom, std::vector<char>>::with<std::string, std::string>,
    // Cancel a running program: it ends with the error "cancelled", its
    // tasks stop, its capacity and blocks are freed. -> false if it is not
    // running (unknown, or already ended).
    caf::replies_to<cancel_atom, uint64_t>::with<bool>,
    // The console: every program kept, newest first, without portions
    // (encoded ProgramList, schemas/console.capnp); one program with its
    // portions and capacity over time (encoded ProgramInfo, or an error).
    caf::replies_to<programs_atom>::with<std::vector<char>>,
    caf::replies_to<program_atom, uint64_t>::with<std::vector<char>, std::string>,
    // Program and task metrics (encoded MetricList, console/metrics.h).
    caf::replies_to<metrics_atom>::with<std::vector<char>>,
    // From the program's own job actor (anyone else is ignored): its plan's
    // portions (encoded ProgramInfo holding only them), its progress, its end.
    caf::reacts_to<planned_atom, uint64_t, std::vector<char>>,
    caf::reacts_to<progress_atom, progress_event>,
    caf::reacts_to<done_atom, uint64_t, std::string>>;

struct job_manager_config {
  job_manager_config() = default;
  job_manager_config(broker_actor b, planner_actor p, std::shared_ptr<executor_directory> d,
                     int32_t par = 1, std::string pol = "per-portion")
      : broker(std::move(b)),
        planner(std::move(p)),
        directory(std::move(d)),
        parallelism(par),
        policy(std::move(pol)) {}

  broker_actor broker;
  planner_actor planner;
  std::shared_ptr<executor_directory> directory;
  int32_t parallelism = 1;  // shuffle partitions; 0: the cluster's slots at planning time
  std::string policy = "per-portion";  // capacity policy (sched/policy.h)
  retry_options retry;                 // how failed tasks are retried (sched/task_retry.h)
  // A longer encoded program is refused (its listener gets done_atom with the
  // reason); a longer result fails its program (job_context). 0: no limit.
  int64_t max_program_bytes = 0;
  int64_t max_result_bytes = 0;
  // Ended programs the console keeps in memory (program_book::options::keep_ended).
  size_t keep_programs = 1000;
  // Where ended programs are stored across restarts (null: nowhere). Read
  // at spawn: the book starts with them and program ids continue after the
  // largest ever stored.
  std::shared_ptr<program_history> history;
};

[[nodiscard]] job_manager_actor spawn_job_manager(caf::actor_system& sys, job_manager_config cfg);

}  // namespace tranche
