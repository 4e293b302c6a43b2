// Sessions: the head's session manager and each node's agent.
//
// create: a client asks the session manager (through the head, with the
// cluster secret) for a session. The manager picks a node with room for one
// (session_book::place over the broker's live, undrained nodes and the seats
// their agents offer), makes the session's token (auth/session_token.h;
// only its SHA-256 digest is kept) and a one-time launch secret, and asks
// that node's agent to launch a kernel. The agent starts `tranche-kernel`
// with the kernel configuration (schemas/session.capnp KernelConfig: the
// launch secret, the token's digest, the cluster to attach to) written to
// its stdin pipe, which it then closes. The kernel connects to the cluster
// like a client and registers with the manager, proving the launch secret;
// only then does the client get its reply: the record and the token. A
// kernel that does not register within 30 s is killed and its session fails
// with that reason.
//
// While it lives the kernel reports busy and idle; the manager culls a
// session idle past its idle timeout, stops one at its absolute end, fails
// the sessions of a node whose agent dies and the session of a kernel that
// exits on its own (the agent says how: exit status, signal). Every record
// stays after the end with its state and reason (session_book).
#pragma once

#include <caf/all.hpp>
#include <memory>
#include <string>
#include <vector>

#include "actors/atoms.h"
#include "actors/broker.h"
#include "actors/node_agent.h"
#include "session/session_book.h"

namespace tranche {

using session_manager_actor = caf::typed_actor<
    // A client: encoded SessionRequest -> (encoded SessionInfo, token, error).
    // The reply comes once the kernel registered (or the session failed).
    caf::replies_to<session_create_atom, std::vector<char>>::with<std::vector<char>, std::string,
                                                                  std::string>,
    // Every session kept, newest first (encoded SessionList).
    caf::replies_to<sessions_atom>::with<std::vector<char>>,
    // One session (encoded SessionInfo), or an error.
    caf::replies_to<session_atom, std::string>::with<std::vector<char>, std::string>,
    // Stops a session -> error text, empty on success.
    caf::replies_to<stop_atom, std::string>::with<std::string>,
    // The head: node N's agent offers `seats` sessions.
    caf::reacts_to<agent_atom, uint64_t, int64_t, node_agent_actor>,
    // A kernel: (session, launch secret, endpoint, its actor) -> error text.
    caf::replies_to<register_atom, std::string, std::string, std::string,
                    caf::actor>::with<std::string>,
    // The registered kernel: (session, busy, statements run).
    caf::reacts_to<busy_atom, std::string, bool, int64_t>,
    // An agent: the session's kernel process ended, and how.
    caf::reacts_to<exited_atom, std::string, std::string>,
    // Internal: a kernel's actor went down (its agent's word may follow).
    caf::reacts_to<kernel_down_atom, std::string, std::string>,
    // Session metrics (encoded MetricList, console/metrics.h).
    caf::replies_to<metrics_atom>::with<std::vector<char>>,
    // Internal: culling, timeouts and expiry.
    caf::reacts_to<tick_atom>>;

struct session_manager_config {
  broker_actor broker;
  session_book_options book;
  int64_t max_result_rows = 1000;
  int64_t tick_ms = 500;
};

[[nodiscard]] session_manager_actor spawn_session_manager(caf::actor_system& sys,
                                                          session_manager_config cfg);

}  // namespace tranche
