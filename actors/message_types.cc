// Implementation of add_message_types (see message_types.h).
#include "actors/message_types.h"

#include "actors/broker.h"
#include "actors/executor.h"
#include "actors/head.h"
#include "actors/job.h"
#include "actors/job_manager.h"
#include "actors/planner.h"
#include "actors/portion.h"
#include "actors/session_manager.h"
#include "tranche/client.h"

namespace tranche {

void add_message_types(caf::actor_system_config& cfg) {
  // add_message_type<T> registers std::vector<T> too.
  cfg.add_message_type<progress_event>("tranche.progress_event");
  cfg.add_message_type<std::vector<char>>("tranche.bytes");
  cfg.add_message_type<std::vector<uint64_t>>("tranche.u64s");
  cfg.add_message_type<int64_t>("tranche.i64");
  cfg.add_message_type<caf::actor>("tranche.actor");
  cfg.add_message_type<executor_actor>("tranche.executor");
  cfg.add_message_type<lease_holder_actor>("tranche.lease_holder");
  cfg.add_message_type<broker_actor>("tranche.broker");
  cfg.add_message_type<planner_actor>("tranche.planner");
  cfg.add_message_type<job_actor>("tranche.job");
  cfg.add_message_type<portion_actor>("tranche.portion");
  cfg.add_message_type<job_manager_actor>("tranche.job_manager");
  cfg.add_message_type<head_actor>("tranche.head");
  cfg.add_message_type<session_manager_actor>("tranche.session_manager");
  cfg.add_message_type<node_agent_actor>("tranche.node_agent");
  cfg.add_message_type<lease_ask>("tranche.lease_ask");
  cfg.add_message_type<capacity>("tranche.capacity");
  cfg.add_message_type<queue_config>("tranche.queue_config");
  cfg.add_message_type<queue_status>("tranche.queue_status");
}

}  // namespace tranche
