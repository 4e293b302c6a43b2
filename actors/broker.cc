// The broker actor (see broker.h): a thin shell around the ledger, plus the
// preemption loop that turns the ledger's hints into requests to holders.
#include "actors/broker.h"

#include <chrono>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "console/console_codec.h"
#include "daemon/log.h"
#include "sched/ledger.h"

namespace tranche {
namespace {

// What a holder was asked to give back, and when the broker takes it.
struct preemption_ask {
  int64_t leases = 0;
  int64_t deadline = 0;  // ledger ms
};

struct broker_state {
  broker_options options;
  ledger book;
  // The ledger's clock (it ages waiting requests): ms since the broker started.
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now() - started)
        .count();
  }
  std::map<uint64_t, lease_holder_actor> holders;  // by actor id
  std::map<uint64_t, executor_actor> executors;    // by node
  std::map<uint64_t, preemption_ask> asks;         // by holder
  bool ticking = false;
  // Metrics: when each waiting holder asked (until its next grant), the
  // latency of those grants, and counts since the broker started.
  std::map<uint64_t, int64_t> asked_at;  // by holder, ledger ms
  latency_histogram grant_latency;
  uint64_t granted = 0, revoked = 0, asks_made = 0;
  static inline const char* name = "broker";
};

using broker_ptr = broker_actor::stateful_pointer<broker_state>;

// The tick runs while anything waits or an ask is outstanding.
void keep_ticking(broker_ptr self) {
  auto& st = self->state;
  if (st.ticking || !st.options.preempt) return;
  if (st.book.queued() == 0 && st.asks.empty()) return;
  st.ticking = true;
  self->delayed_send(self, std::chrono::milliseconds(st.options.preempt_interval_ms),
                     tick_atom::value);
}

void grant_pending(broker_ptr self) {
  auto& st = self->state;
  for (const lease& l : st.book.schedule(st.now_ms())) {
    auto h = st.holders.find(l.holder);
    auto e = st.executors.find(l.node.value);
    if (h == st.holders.end() || e == st.executors.end()) {
      (void)st.book.release(l.id);  // holder gone meanwhile
      continue;
    }
    ++st.granted;
    if (auto a = st.asked_at.find(l.holder); a != st.asked_at.end()) {
      st.grant_latency.observe(static_cast<double>(st.now_ms() - a->second) / 1000.0);
      st.asked_at.erase(a);
    }
    self->send(h->second, grant_atom::value, l.id.value, l.node.value, e->second);
  }
  keep_ticking(self);
}

void track(broker_ptr self, const lease_holder_actor& h) {
  if (self->state.holders.emplace(h.id(), h).second) self->monitor(h);
}

// A lease came back (or was taken): one less owed by its holder.
void settle(broker_ptr self, uint64_t holder) {
  auto it = self->state.asks.find(holder);
  if (it != self->state.asks.end() && --it->second.leases <= 0) self->state.asks.erase(it);
}

void tell(broker_ptr self, uint64_t holder, int64_t leases, const std::string& reason) {
  auto h = self->state.holders.find(holder);
  if (h == self->state.holders.end()) return;
  if (leases > 0) ++self->state.asks_made;
  self->send(h->second, preempt_atom::value, leases, reason);
}

// Asks the holders the ledger names to give leases back (or tells them an
// earlier ask is off), and takes the leases of those past their grace period.
void preempt(broker_ptr self) {
  auto& st = self->state;
  const int64_t now = st.now_ms();
  st.book.advance(now);
  std::map<uint64_t, std::pair<int64_t, std::string>> wanted;  // holder -> (leases, why)
  if (st.book.queued() > 0) {
    for (const yield_hint& h : st.book.preemption_hints(now)) {
      auto& w = wanted[h.holder];
      w.first += h.leases;
      if (w.second.empty())
        w.second = absl::StrCat(std::string(yield_reason_name(h.reason)), " (queue \"", h.queue, "\")");
    }
  }
  for (auto it = st.asks.begin(); it != st.asks.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    tell(self, it->first, 0, "no longer needed");
    it = st.asks.erase(it);
  }
  for (const auto& [holder, w] : wanted) {
    auto [it, fresh] = st.asks.emplace(holder, preemption_ask{0, now + st.options.preempt_grace_ms});
    if (!fresh && it->second.leases == w.first) continue;
    it->second.leases = w.first;
    tell(self, holder, w.first, w.second);
  }
  // Past the grace period: take the holder's newest leases.
  bool took = false;
  for (auto it = st.asks.begin(); it != st.asks.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    std::vector<lease_id> mine;
    for (const auto& [id, l] : st.book.leases())
      if (l.holder == it->first) mine.push_back(id);
    auto h = st.holders.find(it->first);
    for (int64_t k = 0; k < it->second.leases && !mine.empty(); ++k) {
      const lease_id id = mine.back();
      mine.pop_back();
      (void)st.book.release(id);
      if (h != st.holders.end()) self->send(h->second, revoke_atom::value, id.value);
      ++st.revoked;
      took = true;
    }
    it = st.asks.erase(it);
  }
  if (took) grant_pending(self);
}

broker_actor::behavior_type broker_impl(broker_ptr self, broker_options options) {
  self->state.options = options;
  self->state.book = ledger(options.ledger);
  for (const queue_config& q : options.queues) {
    auto& book = self->state.book;
    (void)(book.queue(q.name) ? book.update_queue(q) : book.add_queue(q));  // checked at spawn
  }
  self->set_down_handler([=](const caf::down_msg& dm) {
    self->state.book.advance(self->state.now_ms());  // usage counts up to the change
    const uint64_t id = dm.source.id();
    self->state.holders.erase(id);
    self->state.asks.erase(id);
    self->state.asked_at.erase(id);
    self->state.book.drop_holder(id);
    for (auto it = self->state.executors.begin(); it != self->state.executors.end(); ++it) {
      if (it->second.address() == dm.source) {
        self->state.book.remove_node(node_id{it->first});
        self->state.executors.erase(it);
        break;
      }
    }
    grant_pending(self);
  });
  return {
      [=](register_atom, uint64_t node, int64_t slots, int64_t memory, executor_actor e) {
        if (!self->state.book.add_node(node_id{node}, capacity{slots, memory}).ok()) return;
        if (self->state.executors.emplace(node, e).second) self->monitor(e);
        grant_pending(self);
      },
      [=](request_atom, lease_holder_actor h, const lease_ask& a) {
        track(self, h);
        auto& book = self->state.book;
        self->state.asked_at.emplace(h.id(), self->state.now_ms());
        if (book.grow_request(h.id(), a.want)) return grant_pending(self);
        capacity_request r;
        r.holder = h.id();
        r.program = program_id{a.program};
        r.portion = a.portion;
        r.want = a.want;
        r.memory_per_slot = a.memory;
        r.min_want = a.min_want;
        r.queue = a.queue;
        r.priority = a.priority;
        for (uint64_t n : a.preferred) r.preferred.push_back(node_id{n});
        auto id = book.submit(r, self->state.now_ms());
        if (!id.ok()) {
          self->state.asked_at.erase(h.id());
          self->send(h, refused_atom::value, std::string(id.status().message()));
          return;
        }
        grant_pending(self);
      },
      [=](yield_atom, uint64_t lease) {
        auto& book = self->state.book;
        auto it = book.leases().find(lease_id{lease});
        if (it == book.leases().end()) return;
        const uint64_t holder = it->second.holder;
        book.advance(self->state.now_ms());
        (void)book.release(lease_id{lease});
        settle(self, holder);
        grant_pending(self);
      },
      [=](transfer_atom, uint64_t lease, lease_holder_actor h, int32_t portion) {
        track(self, h);
        (void)self->state.book.transfer(lease_id{lease}, h.id(), portion);
      },
      [=](shrink_atom, lease_holder_actor h, int64_t remaining) {
        self->state.book.shrink_request(h.id(), remaining);
        grant_pending(self);
      },
      [=](drain_atom, uint64_t node) { (void)self->state.book.set_draining(node_id{node}, true); },
      [=](drain_atom, uint64_t node, bool draining) -> std::string {
        auto& book = self->state.book;
        if (book.nodes().count(node_id{node}) == 0)
          return absl::StrCat("no node ", node, " in the cluster");
        if (auto s = book.set_draining(node_id{node}, draining); !s.ok())
          return std::string(s.message());
        log_info("broker", absl::StrCat("node ", node, draining ? " is draining: no new leases"
                                                                : " takes new leases again"));
        if (!draining) grant_pending(self);
        return {};
      },
      [=](metrics_atom) {
        const auto& st = self->state;
        const auto& book = st.book;
        std::vector<metric_sample> m;
        auto add = [&](std::string name, double v,
                       std::vector<std::pair<std::string, std::string>> labels = {}) {
          m.push_back({std::move(name), std::move(labels), v});
        };
        std::map<uint64_t, int64_t> leases;
        for (const auto& [id, l] : book.leases()) ++leases[l.node.value];
        int64_t up = 0, draining = 0;
        for (const auto& [id, n] : book.nodes()) (n.draining ? draining : up) += 1;
        add("tranche_nodes", static_cast<double>(up), {{"state", "up"}});
        add("tranche_nodes", static_cast<double>(draining), {{"state", "draining"}});
        const capacity reg = book.total_registered(), fr = book.total_free();
        add("tranche_slots", static_cast<double>(reg.slots));
        add("tranche_free_slots", static_cast<double>(fr.slots));
        add("tranche_memory_bytes", static_cast<double>(reg.memory));
        add("tranche_free_memory_bytes", static_cast<double>(fr.memory));
        add("tranche_leases", static_cast<double>(book.leases().size()));
        add("tranche_capacity_requests_waiting", static_cast<double>(book.queued()));
        for (const auto& [id, n] : book.nodes()) {
          const std::string node = std::to_string(id.value);
          add("tranche_node_slots", static_cast<double>(n.registered.slots), {{"node", node}});
          add("tranche_node_free_slots", static_cast<double>(n.free.slots), {{"node", node}});
          add("tranche_node_memory_bytes", static_cast<double>(n.registered.memory),
              {{"node", node}});
          add("tranche_node_free_memory_bytes", static_cast<double>(n.free.memory),
              {{"node", node}});
          add("tranche_node_leases", static_cast<double>(leases[id.value]), {{"node", node}});
        }
        for (const auto& q : book.queues()) {
          const std::string name = q.config.name;
          add("tranche_queue_used_slots", static_cast<double>(q.used.slots), {{"queue", name}});
          add("tranche_queue_used_memory_bytes", static_cast<double>(q.used.memory),
              {{"queue", name}});
          add("tranche_queue_waiting_programs", static_cast<double>(q.waiting_programs),
              {{"queue", name}});
          add("tranche_queue_requests", static_cast<double>(q.requests), {{"queue", name}});
          add("tranche_queue_share", q.share, {{"queue", name}});
        }
        st.grant_latency.append_to("tranche_grant_latency_seconds", &m);
        add("tranche_leases_granted_total", static_cast<double>(st.granted));
        add("tranche_leases_revoked_total", static_cast<double>(st.revoked));
        add("tranche_preemption_asks_total", static_cast<double>(st.asks_made));
        return encode_metrics(m);
      },
      [=](nodes_atom) {
        const auto& book = self->state.book;
        std::map<uint64_t, int64_t> leases;
        for (const auto& [id, l] : book.leases()) ++leases[l.node.value];
        std::vector<node_info> out;
        for (const auto& [id, st] : book.nodes())
          out.push_back({id.value, st.draining, st.registered, st.free, leases[id.value]});
        return encode_node_list(out);
      },
      [=](drop_atom, uint64_t program) {
        self->state.book.advance(self->state.now_ms());
        self->state.book.drop_program(program_id{program});
        grant_pending(self);
      },
      [=](ledger_atom) -> std::vector<int64_t> {
        const auto& b = self->state.book;
        auto reg = b.total_registered();
        auto fr = b.total_free();
        return {reg.slots,
                fr.slots,
                reg.memory,
                fr.memory,
                static_cast<int64_t>(b.leases().size()),
                static_cast<int64_t>(b.queued())};
      },
      [=](set_queue_atom, const queue_config& q) -> std::string {
        auto& book = self->state.book;
        absl::Status s = book.queue(q.name) ? book.update_queue(q) : book.add_queue(q);
        if (!s.ok()) return std::string(s.message());
        grant_pending(self);  // a raised cap or weight may let requests in
        return {};
      },
      [=](drop_queue_atom, const std::string& name) -> std::string {
        return std::string(self->state.book.remove_queue(name).message());
      },
      [=](queues_atom) { return self->state.book.queues(); },
      [=](tick_atom) {
        self->state.ticking = false;
        preempt(self);
        keep_ticking(self);
      },
  };
}

}  // namespace

absl::StatusOr<broker_actor> spawn_broker(caf::actor_system& sys, broker_options options) {
  if (auto s = validate_queues(options.queues); !s.ok()) return s;
  return sys.spawn(broker_impl, std::move(options));
}

broker_actor spawn_broker(caf::actor_system& sys) { return *spawn_broker(sys, broker_options{}); }

}  // namespace tranche
