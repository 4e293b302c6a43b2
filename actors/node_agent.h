// A node's agent: launches the kernels of the sessions placed on its node
// (see actors/session_manager.h for the whole flow), reaps them, and tells
// the session manager how each one ended. Every node daemon runs one, the
// head's included.
//
// A kernel runs as its own process group in <work-dir>/sessions/<id>/ (mode
// 0700; its stdout and stderr go to kernel.log there), with its
// configuration, the one-time launch secret included, on its stdin pipe: no
// secret is ever in its arguments or environment. When the agent stops (its
// daemon stops) its kernels are stopped with it.
#pragma once

#include <caf/all.hpp>
#include <string>
#include <vector>

#include "actors/atoms.h"

namespace tranche {

using node_agent_actor = caf::typed_actor<
    // (session id, encoded KernelConfig without the node's own fields) ->
    // (pid, error): starts the kernel with its configuration on stdin.
    caf::replies_to<launch_atom, std::string, std::vector<char>>::with<int64_t, std::string>,
    // Stops the session's kernel: SIGTERM, then SIGKILL after 5 s.
    caf::reacts_to<kill_atom, std::string>,
    // Internal: reap exited kernels, escalate kills.
    caf::reacts_to<tick_atom>>;

// What a node's agent knows of its node.
struct node_agent_config {
  std::string kernel_binary;  // tranche-kernel
  std::string cluster;        // the head's host:port, for the kernel to attach to
  std::string secret_file;
  std::string tls_certificate, tls_key, tls_ca;
  std::string http_address = "127.0.0.1:0";  // where kernels' endpoints listen
  std::string advertise_host = "127.0.0.1";  // how clients reach them
  std::string work_dir;                      // sessions/<id>/ and notebooks/ under it
  uint64_t node = 0;
  int64_t kill_grace_ms = 5000;
};

[[nodiscard]] node_agent_actor spawn_node_agent(caf::actor_system& sys, node_agent_config cfg);

}  // namespace tranche
