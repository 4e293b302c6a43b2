// The broker actor (see broker.h): a thin shell around the ledger.
#include "actors/broker.h"

#include <chrono>
#include <map>
#include <string>

#include "sched/ledger.h"

namespace tranche {
namespace {

struct broker_state {
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
  static inline const char* name = "broker";
};

using broker_ptr = broker_actor::stateful_pointer<broker_state>;

void grant_pending(broker_ptr self) {
  for (const lease& l : self->state.book.schedule(self->state.now_ms())) {
    auto h = self->state.holders.find(l.holder);
    auto e = self->state.executors.find(l.node.value);
    if (h == self->state.holders.end() || e == self->state.executors.end()) {
      (void)self->state.book.release(l.id);  // holder gone meanwhile
      continue;
    }
    self->send(h->second, grant_atom::value, l.id.value, l.node.value, e->second);
  }
}

void track(broker_ptr self, const lease_holder_actor& h) {
  if (self->state.holders.emplace(h.id(), h).second) self->monitor(h);
}

broker_actor::behavior_type broker_impl(broker_ptr self) {
  self->set_down_handler([=](const caf::down_msg& dm) {
    const uint64_t id = dm.source.id();
    self->state.holders.erase(id);
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
      [=](request_atom, lease_holder_actor h, uint64_t program, int32_t portion, int64_t want,
          int64_t memory) {
        track(self, h);
        auto id = self->state.book.submit(
            capacity_request{h.id(), program_id{program}, portion, want, memory},
            self->state.now_ms());
        if (!id.ok()) {
          self->send(h, refused_atom::value, std::string(id.status().message()));
          return;
        }
        grant_pending(self);
      },
      [=](yield_atom, uint64_t lease) {
        (void)self->state.book.release(lease_id{lease});
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
      [=](drop_atom, uint64_t program) {
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
  };
}

}  // namespace

broker_actor spawn_broker(caf::actor_system& sys) { return sys.spawn(broker_impl); }

}  // namespace tranche
