// The head actor (see head.h).
#include "actors/head.h"

#include <chrono>
#include <map>

#include "absl/strings/str_cat.h"
#include "daemon/log.h"

namespace tranche {
namespace {

constexpr auto kHandshakeTimeout = std::chrono::seconds(10);

struct head_state {
  head_config cfg;
  std::unique_ptr<challenge_book> book;
  std::map<uint64_t, std::string> roles;  // challenge id -> the role it was issued to
  uint64_t next_node = 2;
  std::map<caf::actor_addr, uint64_t> nodes;  // executor -> node id
  static inline const char* name = "head";
};

using head_ptr = head_actor::stateful_pointer<head_state>;

// Verifies a proof for a challenge issued to `role`.
absl::Status check(head_ptr self, uint64_t challenge, const std::vector<char>& proof,
                   const std::string& role) {
  auto it = self->state.roles.find(challenge);
  if (it == self->state.roles.end() || it->second != role) {
    (void)self->state.book->verify(challenge, proof);  // spend it anyway
    self->state.roles.erase(challenge);
    return absl::PermissionDeniedError("authentication failed: unknown or expired challenge");
  }
  self->state.roles.erase(it);
  return self->state.book->verify(challenge, proof);
}

head_actor::behavior_type head_impl(head_ptr self, head_config cfg) {
  self->state.cfg = std::move(cfg);
  self->state.next_node = self->state.cfg.first_node_id;
  self->state.book = std::make_unique<challenge_book>(*self->state.cfg.secret, steady_clock_ms);
  self->set_down_handler([=](const caf::down_msg& dm) {
    auto it = self->state.nodes.find(dm.source);
    if (it == self->state.nodes.end()) return;
    log_warn("head",
             absl::StrCat("node ", it->second, " is dead (", self->system().render(dm.reason),
                          "); its capacity leaves the ledger"));
    self->state.cfg.directory->remove(it->second);
    self->state.nodes.erase(it);
  });
  return {
      [=](hello_atom, const std::string& role, const std::vector<char>& nonce)
          -> std::tuple<uint64_t, std::vector<char>, std::vector<char>> {
        auto c = self->state.book->issue(role, nonce);
        if (!c.ok()) {
          log_warn("head", absl::StrCat("refused a hello: ", std::string(c.status().message())));
          return {0, {}, {}};
        }
        if (self->state.roles.size() > 4 * challenge_book::kMaxOutstanding)
          self->state.roles.clear();  // the book has dropped those long ago
        self->state.roles[c->id] = role;
        return {c->id, c->server_nonce, c->server_proof};
      },
      [=](join_atom, uint64_t challenge, const std::vector<char>& proof, int64_t slots,
          int64_t memory, executor_actor exec) -> std::tuple<uint64_t, std::string> {
        if (auto s = check(self, challenge, proof, "worker"); !s.ok()) {
          log_warn("head", absl::StrCat("refused a worker: ", std::string(s.message())));
          return {0, std::string(s.message())};
        }
        if (!exec || slots < 1 || memory < 0) return {0, "join: bad capacity or executor"};
        const uint64_t node = self->state.next_node++;
        self->state.nodes[exec.address()] = node;
        self->monitor(exec);
        self->state.cfg.directory->add(node, exec, nullptr);
        self->send(self->state.cfg.broker, register_atom::value, node, slots, memory, exec);
        log_info("head", absl::StrCat("node ", node, " joined with ", slots, " slots and ",
                                      memory >> 20, " MiB"));
        return {node, std::string{}};
      },
      [=](drain_atom, uint64_t node) -> bool {
        // Only the process that joined as `node` may drain it.
        const auto sender = self->current_sender();
        for (const auto& [addr, n] : self->state.nodes)
          if (n == node && sender && addr.node() == sender->node()) {
            self->send(self->state.cfg.broker, drain_atom::value, node);
            log_info("head", absl::StrCat("node ", node, " is draining: no new leases"));
            return true;
          }
        return false;
      },
      [=](agent_atom, uint64_t node, int64_t seats, const node_agent_actor& agent) {
        // Only the process that joined as `node` may offer its sessions.
        const auto sender = self->current_sender();
        for (const auto& [addr, n] : self->state.nodes)
          if (n == node && sender && addr.node() == sender->node()) {
            self->send(self->state.cfg.session_manager, agent_atom::value, node, seats, agent);
            return;
          }
        log_warn("head", absl::StrCat("ignored a session agent for node ", node,
                                      " from a process that is not that node"));
      },
      [=](connect_atom, uint64_t challenge, const std::vector<char>& proof)
          -> std::tuple<job_manager_actor, broker_actor, session_manager_actor, std::string> {
        if (auto s = check(self, challenge, proof, "client"); !s.ok()) {
          log_warn("head", absl::StrCat("refused a client: ", std::string(s.message())));
          return {job_manager_actor{}, broker_actor{}, session_manager_actor{},
                  std::string(s.message())};
        }
        return {self->state.cfg.job_manager, self->state.cfg.broker,
                self->state.cfg.session_manager, std::string{}};
      },
      [=](admin_atom, const std::string& token)
          -> std::tuple<job_manager_actor, broker_actor, session_manager_actor, std::string> {
        if (!self->state.cfg.admin || !self->state.cfg.admin->matches(token)) {
          log_warn("head", "refused an operator: wrong admin token");
          return {job_manager_actor{}, broker_actor{}, session_manager_actor{},
                  "authentication failed: wrong admin token"};
        }
        return {self->state.cfg.job_manager, self->state.cfg.broker,
                self->state.cfg.session_manager, std::string{}};
      },
  };
}

}  // namespace

head_actor spawn_head(caf::actor_system& sys, head_config cfg) {
  return sys.spawn(head_impl, std::move(cfg));
}

absl::StatusOr<handshake> authenticate(caf::scoped_actor& self, const head_actor& head,
                                       const cluster_secret& secret, const std::string& role) {
  const std::vector<char> nonce = random_nonce();
  absl::StatusOr<handshake> out = absl::UnavailableError("the head did not answer");
  self->request(head, kHandshakeTimeout, hello_atom::value, role, nonce)
      .receive(
          [&](uint64_t challenge, const std::vector<char>& server_nonce,
              const std::vector<char>& server_proof) {
            if (challenge == 0) {
              out = absl::PermissionDeniedError("the head refused the hello");
              return;
            }
            if (auto s = check_server(secret, role, nonce, server_nonce, server_proof); !s.ok()) {
              // Answer with an empty proof, never a real one, so that the head
              // logs the refusal too.
              if (role == "worker")
                self->send(head, join_atom::value, challenge, std::vector<char>{}, int64_t{0},
                           int64_t{0}, executor_actor{});
              else
                self->send(head, connect_atom::value, challenge, std::vector<char>{});
              out = s;
              return;
            }
            out = handshake{challenge, client_proof(secret, role, nonce, server_nonce)};
          },
          [&](const caf::error& err) {
            out = absl::UnavailableError(absl::StrCat("hello: ", self->system().render(err)));
          });
  return out;
}

}  // namespace tranche
