// The SDK's cluster interface over a head's own job manager and broker, for
// code running in the head's process (the HTTP endpoint, actors/http_console.h):
// the same calls and answers as a client connected from outside.
#pragma once

#include <caf/all.hpp>
#include <memory>

#include "actors/broker.h"
#include "actors/job_manager.h"
#include "actors/session_manager.h"
#include "tranche/client.h"

namespace tranche {

[[nodiscard]] std::unique_ptr<cluster> attach_cluster(caf::actor_system& sys,
                                                      job_manager_actor jm, broker_actor broker,
                                                      session_manager_actor sessions = {});

// The head's session manager as a cluster connected from outside received
// it (null for an embedded cluster): what a session's kernel registers with.
[[nodiscard]] session_manager_actor session_manager_of(cluster& c);

}  // namespace tranche
