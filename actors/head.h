// The head's front door, the one actor a head daemon publishes: workers and
// clients first prove they hold the cluster secret (HMAC challenge-response,
// runtime/auth), then a worker registers its executor's capacity and a client
// receives the job manager. Nothing else of the head is reachable without it.
#pragma once

#include <caf/all.hpp>
#include <memory>
#include <string>
#include <vector>

#include "actors/atoms.h"
#include "actors/broker.h"
#include "actors/executor.h"
#include "actors/job_manager.h"
#include "actors/session_manager.h"
#include "auth/auth.h"

namespace tranche {

using head_actor = caf::typed_actor<
    // (role "worker" or "client", client nonce) -> (challenge id, server nonce, server proof)
    caf::replies_to<hello_atom, std::string, std::vector<char>>::with<uint64_t, std::vector<char>,
                                                                      std::vector<char>>,
    // (challenge, proof, slots, memory, executor) -> (node id, error)
    caf::replies_to<join_atom, uint64_t, std::vector<char>, int64_t, int64_t,
                    executor_actor>::with<uint64_t, std::string>,
    // A joined worker asks to drain its node: no new leases. -> accepted
    caf::replies_to<drain_atom, uint64_t>::with<bool>,
    // A joined worker's agent (node, seats): forwarded to the session manager.
    caf::reacts_to<agent_atom, uint64_t, int64_t, node_agent_actor>,
    // (challenge, proof) -> (job manager, broker, session manager, error)
    caf::replies_to<connect_atom, uint64_t, std::vector<char>>::with<
        job_manager_actor, broker_actor, session_manager_actor, std::string>,
    // An operator with the admin token instead of the secret (tranchectl
    // with TRANCHE_ADMIN_TOKEN): (token) -> (job manager, broker, session
    // manager, error).
    caf::replies_to<admin_atom, std::string>::with<job_manager_actor, broker_actor,
                                                   session_manager_actor, std::string>>;

struct head_config {
  broker_actor broker;
  job_manager_actor job_manager;
  std::shared_ptr<executor_directory> directory;
  std::shared_ptr<cluster_secret> secret;
  uint64_t first_node_id = 2;  // node 1 is the head's own executor
  std::shared_ptr<const admin_token> admin;  // null: no admin token accepted
  session_manager_actor session_manager;     // null: no sessions
};

[[nodiscard]] head_actor spawn_head(caf::actor_system& sys, head_config cfg);

// The connecting side of the handshake, from a blocking context: runs hello
// and checks the head's proof; returns (challenge id, our proof).
struct handshake {
  uint64_t challenge = 0;
  std::vector<char> proof;
};
[[nodiscard]] absl::StatusOr<handshake> authenticate(caf::scoped_actor& self,
                                                     const head_actor& head,
                                                     const cluster_secret& secret,
                                                     const std::string& role);

}  // namespace tranche
