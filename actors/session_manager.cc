// The session manager (see session_manager.h).
#include "actors/session_manager.h"

#include <chrono>
#include <map>

#include "absl/strings/str_cat.h"
#include "auth/session_token.h"
#include "console/console_codec.h"
#include "console/metrics.h"
#include "daemon/log.h"
#include "session/session_codec.h"

namespace tranche {
namespace {

using create_reply = caf::typed_response_promise<std::vector<char>, std::string, std::string>;

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string duration_text(int64_t ms) {
  if (ms % 3'600'000 == 0) return absl::StrCat(ms / 3'600'000, "h");
  if (ms % 60'000 == 0) return absl::StrCat(ms / 60'000, "m");
  if (ms % 1000 == 0) return absl::StrCat(ms / 1000, "s");
  return absl::StrCat(ms, "ms");
}

struct agent_entry {
  node_agent_actor agent;
  int64_t seats = 0;
};

struct session_manager_state {
  session_manager_config cfg;
  std::unique_ptr<session_book> book;
  std::map<uint64_t, agent_entry> agents;             // by node
  std::map<std::string, create_reply> pending;        // creates awaiting registration
  std::map<std::string, std::string> launch_secrets;  // digests, until the kernel registers
  // A new session's token, held only until the create's reply carries it.
  std::map<std::string, std::string> tokens;
  std::map<std::string, caf::actor> kernels;      // registered kernels
  std::map<std::string, int64_t> stop_deadlines;  // stopping: kill after (unix ms)
  int64_t created = 0;
  static inline const char* name = "session_manager";
};

using manager_ptr = session_manager_actor::stateful_pointer<session_manager_state>;

// Whether the current message comes from an actor of the manager's own
// process (the head actor, the daemon's startup code): agents are offered
// only through the head, which checks each worker's own.
bool from_this_process(manager_ptr self) {
  const auto sender = self->current_sender();
  return sender && sender->node() == self->node();
}

// Whether the current message comes from the agent of the session's node.
bool from_agent_of(manager_ptr self, const std::string& id) {
  const session_info* s = self->state.book->find(id);
  const auto sender = self->current_sender();
  if (s == nullptr || !sender) return false;
  auto a = self->state.agents.find(s->node);
  return a != self->state.agents.end() && a->second.agent.address() == sender->address();
}

void kill_kernel(manager_ptr self, const std::string& id) {
  const session_info* s = self->state.book->find(id);
  if (s == nullptr) return;
  auto a = self->state.agents.find(s->node);
  if (a != self->state.agents.end()) self->send(a->second.agent, kill_atom::value, id);
}

// Answers a create still waiting for its kernel.
void answer(manager_ptr self, const std::string& id, const std::string& token) {
  auto it = self->state.pending.find(id);
  if (it == self->state.pending.end()) return;
  const session_info* s = self->state.book->find(id);
  if (s != nullptr && (s->state == session_state::idle || s->state == session_state::busy))
    it->second.deliver(encode_session_info(*s), token, std::string{});
  else if (s != nullptr && !has_ended(s->state))
    it->second.deliver(std::vector<char>{}, std::string{},
                       absl::StrCat("session ", id, " is ", std::string(to_string(s->state)),
                                    ": ", s->reason));
  else
    it->second.deliver(std::vector<char>{}, std::string{},
                       absl::StrCat("session ", id, " failed: ", s ? s->reason : "unknown"));
  self->state.pending.erase(it);
}

void forget(manager_ptr self, const std::string& id) {
  auto& st = self->state;
  st.launch_secrets.erase(id);
  st.tokens.erase(id);
  st.stop_deadlines.erase(id);
  if (auto k = st.kernels.find(id); k != st.kernels.end()) {
    self->demonitor(k->second);
    st.kernels.erase(k);
  }
}

void fail(manager_ptr self, const std::string& id, const std::string& reason) {
  const session_info* s = self->state.book->find(id);
  if (s == nullptr || has_ended(s->state)) return;
  self->state.book->fail(id, reason, unix_ms());
  log_warn("sessions", absl::StrCat("session ", id, " failed: ", reason));
  // If anything of it still runs: through its agent, and through itself.
  kill_kernel(self, id);
  if (auto k = self->state.kernels.find(id); k != self->state.kernels.end())
    caf::anon_send(k->second, stop_atom::value, reason);
  answer(self, id, {});
  forget(self, id);
}

// Asks a live session to stop: its kernel ends its statement and exits.
void stop(manager_ptr self, const std::string& id, session_state end, const std::string& reason) {
  auto& st = self->state;
  const session_info* s = st.book->find(id);
  if (s == nullptr || has_ended(s->state)) return;
  const bool starting = s->state == session_state::starting;
  if (!st.book->stop(id, end, reason, unix_ms()).ok()) return;
  log_info("sessions", absl::StrCat("session ", id, " stopping: ", reason));
  st.stop_deadlines[id] = unix_ms() + 10'000;
  if (auto k = st.kernels.find(id); k != st.kernels.end() && !starting)
    caf::anon_send(k->second, stop_atom::value, reason);
  else
    kill_kernel(self, id);
  answer(self, id, {});
}

void ended(manager_ptr self, const std::string& id, const std::string& how) {
  auto& st = self->state;
  const session_info* s = st.book->find(id);
  if (s == nullptr || has_ended(s->state)) return;
  st.book->exited(id, how, unix_ms());
  s = st.book->find(id);
  if (s != nullptr)
    log_info("sessions",
             absl::StrCat("session ", id, " ", std::string(to_string(s->state)), ": ", s->reason));
  answer(self, id, {});
  forget(self, id);
}

void place_and_launch(manager_ptr self, const session_request& req,
                      const std::vector<node_info>& nodes, create_reply rp) {
  auto& st = self->state;
  std::vector<session_host> hosts;
  for (const auto& n : nodes) {
    auto a = st.agents.find(n.id);
    if (a == st.agents.end()) continue;
    hosts.push_back({n.id, a->second.seats, n.free.slots, n.draining});
  }
  auto node = st.book->place(hosts, req.options.node);
  if (!node.ok()) {
    rp.deliver(std::vector<char>{}, std::string{}, std::string(node.status().message()));
    return;
  }
  std::string id;
  do id = absl::StrCat("s-", random_hex(4));
  while (st.book->find(id) != nullptr);
  const std::string token = new_session_token();
  auto info =
      st.book->create(id, req.options, req.requester, *node, token_digest(token), unix_ms());
  if (!info.ok()) {
    rp.deliver(std::vector<char>{}, std::string{}, std::string(info.status().message()));
    return;
  }
  ++st.created;
  kernel_config kc;
  kc.session_id = id;
  kc.name = info->name;
  kc.launch_secret = random_hex(32);
  kc.token_digest = token_digest(token);
  kc.expires_unix_ms = info->expires_unix_ms;
  kc.idle_timeout_ms = info->idle_timeout_ms;
  kc.requester = info->requester;
  kc.max_result_rows = st.cfg.max_result_rows;
  st.launch_secrets[id] = token_digest(kc.launch_secret);
  st.tokens[id] = token;
  st.pending.emplace(id, std::move(rp));
  log_info("sessions", absl::StrCat("session ", id, " for ", info->requester, " placed on node ",
                                    *node, "; launching its kernel"));
  const node_agent_actor agent = st.agents[*node].agent;
  self->request(agent, std::chrono::seconds(10), launch_atom::value, id, encode_kernel_config(kc))
      .then(
          [=](int64_t, const std::string& error) {
            if (!error.empty())
              fail(self, id, absl::StrCat("node ", *node, " could not launch the kernel: ", error));
          },
          [=](const caf::error& err) {
            fail(self, id,
                 absl::StrCat("node ", *node,
                              " did not launch the kernel: ", self->system().render(err)));
          });
}

session_manager_actor::behavior_type manager_impl(manager_ptr self, session_manager_config cfg) {
  self->state.cfg = std::move(cfg);
  self->state.book = std::make_unique<session_book>(self->state.cfg.book);
  self->set_down_handler([=](const caf::down_msg& dm) {
    auto& st = self->state;
    for (auto it = st.agents.begin(); it != st.agents.end(); ++it)
      if (it->second.agent.address() == dm.source) {
        const uint64_t node = it->first;
        st.agents.erase(it);
        const auto ids = st.book->node_lost(node, absl::StrCat("node ", node, " died"), unix_ms());
        for (const auto& id : ids) {
          log_warn("sessions", absl::StrCat("session ", id, " failed: node ", node, " died"));
          if (auto k = st.kernels.find(id); k != st.kernels.end())
            caf::anon_send(k->second, stop_atom::value, std::string("its node died"));
          answer(self, id, {});
          forget(self, id);
        }
        return;
      }
    for (const auto& [id, k] : st.kernels)
      if (k.address() == dm.source) {
        // The agent knows how the process ended; give its word a moment.
        self->delayed_send(self, std::chrono::seconds(2), kernel_down_atom::value, id,
                           std::string("the kernel's connection to the cluster was lost"));
        return;
      }
  });
  self->send(self, tick_atom::value);
  return {
      [=](session_create_atom, const std::vector<char>& bytes) -> create_reply {
        auto rp = self->make_response_promise<std::vector<char>, std::string, std::string>();
        auto req = decode_session_request(bytes.data(), bytes.size());
        if (!req.ok()) {
          rp.deliver(std::vector<char>{}, std::string{}, std::string(req.status().message()));
          return rp;
        }
        self->request(self->state.cfg.broker, std::chrono::seconds(10), nodes_atom::value)
            .then(
                [=](const std::vector<char>& encoded) mutable {
                  auto nodes = decode_node_list(encoded.data(), encoded.size());
                  if (!nodes.ok()) {
                    rp.deliver(std::vector<char>{}, std::string{},
                               std::string(nodes.status().message()));
                    return;
                  }
                  place_and_launch(self, *req, *nodes, rp);
                },
                [=](const caf::error& err) mutable {
                  rp.deliver(
                      std::vector<char>{}, std::string{},
                      absl::StrCat("the broker did not answer: ", self->system().render(err)));
                });
        return rp;
      },
      [=](sessions_atom) { return encode_session_list(self->state.book->list()); },
      [=](session_atom, const std::string& id) -> std::tuple<std::vector<char>, std::string> {
        const session_info* s = self->state.book->find(id);
        if (s == nullptr) return {std::vector<char>{}, absl::StrCat("no session ", id)};
        return {encode_session_info(*s), std::string{}};
      },
      [=](stop_atom, const std::string& id) -> std::string {
        const session_info* s = self->state.book->find(id);
        if (s == nullptr) return absl::StrCat("no session ", id);
        if (has_ended(s->state))
          return absl::StrCat("session ", id,
                              " has already ended: ", std::string(to_string(s->state)),
                              s->reason.empty() ? "" : absl::StrCat(" (", s->reason, ")"));
        stop(self, id, session_state::stopped, "stopped by request");
        return {};
      },
      [=](agent_atom, uint64_t node, int64_t seats, const node_agent_actor& agent) {
        if (!agent || !from_this_process(self)) {
          log_warn("sessions", absl::StrCat("ignored an agent for node ", node,
                                            " offered from outside the head"));
          return;
        }
        self->state.agents[node] = agent_entry{agent, seats};
        self->monitor(agent);
        log_info("sessions", absl::StrCat("node ", node, " hosts up to ", seats, " session(s)"));
      },
      [=](register_atom, const std::string& id, const std::string& secret,
          const std::string& endpoint, const caf::actor& kernel) -> std::string {
        auto& st = self->state;
        auto it = st.launch_secrets.find(id);
        // One-time: whatever the outcome, the secret is spent.
        const bool ok = it != st.launch_secrets.end() && !secret.empty() &&
                        token_matches(secret, it->second) && kernel;
        if (it != st.launch_secrets.end()) st.launch_secrets.erase(it);
        std::string token;
        if (auto t = st.tokens.find(id); t != st.tokens.end()) {
          token = std::move(t->second);
          st.tokens.erase(t);
        }
        if (!ok) {
          log_warn("sessions", absl::StrCat("refused a kernel registering as session ", id,
                                            ": wrong or spent launch secret"));
          fail(self, id, "a kernel registered with a wrong or spent launch secret");
          return "refused: wrong or spent launch secret";
        }
        if (auto s = st.book->registered(id, endpoint, unix_ms()); !s.ok())
          return std::string(s.message());
        st.kernels[id] = kernel;
        self->monitor(kernel);
        log_info("sessions", absl::StrCat("session ", id, " is idle at ", endpoint));
        answer(self, id, token);
        return {};
      },
      [=](busy_atom, const std::string& id, bool busy, int64_t statements) {
        auto& st = self->state;
        auto k = st.kernels.find(id);
        const auto sender = self->current_sender();
        if (k == st.kernels.end() || !sender || sender->address() != k->second.address())
          return;  // only the session's own kernel
        (void)st.book->set_busy(id, busy, statements, unix_ms());
      },
      [=](exited_atom, const std::string& id, const std::string& how) {
        if (from_agent_of(self, id)) ended(self, id, how);
      },
      [=](kernel_down_atom, const std::string& id, const std::string& how) {
        const auto sender = self->current_sender();
        if (sender && sender->address() == self->address()) ended(self, id, how);
      },
      [=](metrics_atom) {
        std::vector<metric_sample> out;
        const auto counts = self->state.book->count_by_state();
        for (auto s : {session_state::starting, session_state::idle, session_state::busy,
                       session_state::stopping, session_state::stopped, session_state::failed,
                       session_state::culled}) {
          auto c = counts.find(s);
          out.push_back({"tranche_sessions",
                         {{"state", std::string(to_string(s))}},
                         static_cast<double>(c == counts.end() ? 0 : c->second)});
        }
        out.push_back(
            {"tranche_sessions_created_total", {}, static_cast<double>(self->state.created)});
        for (const auto& [node, a] : self->state.agents)
          out.push_back({"tranche_node_session_seats",
                         {{"node", absl::StrCat(node)}},
                         static_cast<double>(a.seats)});
        return encode_metrics(out);
      },
      [=](tick_atom) {
        auto& st = self->state;
        const int64_t now = unix_ms();
        const auto due = st.book->due(now);
        for (const auto& id : due.register_timeouts)
          fail(self, id,
               absl::StrCat("the kernel did not register within ",
                            duration_text(st.cfg.book.register_timeout_ms), "; it was killed"));
        for (const auto& id : due.expired)
          stop(self, id, session_state::stopped,
               absl::StrCat("reached the maximum session lifetime (",
                            duration_text(st.cfg.book.max_lifetime_ms), ")"));
        for (const auto& id : due.idle) {
          const session_info* s = st.book->find(id);
          stop(self, id, session_state::culled,
               absl::StrCat("idle for ", duration_text(s ? s->idle_timeout_ms : 0),
                            " (its idle timeout)"));
        }
        std::vector<std::string> late;
        for (const auto& [id, at] : st.stop_deadlines)
          if (now >= at) late.push_back(id);
        for (const auto& id : late) {
          st.stop_deadlines[id] = now + 60'000;
          kill_kernel(self, id);
        }
        self->delayed_send(self, std::chrono::milliseconds(st.cfg.tick_ms), tick_atom::value);
      },
  };
}

}  // namespace

session_manager_actor spawn_session_manager(caf::actor_system& sys, session_manager_config cfg) {
  return sys.spawn(manager_impl, std::move(cfg));
}

}  // namespace tranche
