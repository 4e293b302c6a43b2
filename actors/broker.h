// The resource broker: owns the capacity ledger (sched/ledger.h), queues the
// portions' capacity requests and grants leases — one slot plus memory on one
// node — as capacity frees, in the queues' policy order. Monitors every
// holder: a holder that dies gets its leases reclaimed and its requests
// dropped. While requests wait, it asks holders over their share (lower
// priority, over-share queues, queues over a lowered cap) to give leases back
// at their next task boundary, and takes the leases back itself only once a
// grace period has passed without them.
#pragma once

#include <caf/all.hpp>
#include <string>
#include <vector>

#include "actors/atoms.h"
#include "actors/executor.h"
#include "sched/ledger.h"
#include "tranche/queues.h"

namespace tranche {

// What the broker (or a job handing over a lease) talks to: a lease's holder.
using lease_holder_actor = caf::typed_actor<
    caf::reacts_to<grant_atom, uint64_t /*lease*/, uint64_t /*node*/, executor_actor>,
    // The broker will never grant this request (a full queue, a gang larger
    // than the queue's cap, a malformed ask): why, in words for the user.
    caf::reacts_to<refused_atom, std::string>,
    // Give `leases` leases back at your next task boundaries (the latest
    // count replaces earlier ones; 0: never mind), because of `reason`.
    caf::reacts_to<preempt_atom, int64_t, std::string>,
    // The grace period passed: this lease is gone; abandon what runs on it.
    caf::reacts_to<revoke_atom, uint64_t /*lease*/>>;

// A capacity request: up to `want` more leases of `memory` bytes each, none
// until `min_want` fit at once.
struct lease_ask {
  uint64_t program = 0;
  int32_t portion = 0;  // -1: the program as a whole (whole-program policy)
  int64_t want = 1;
  int64_t min_want = 1;
  int64_t memory = 0;
  std::string queue = kDefaultQueue;
  int32_t priority = 0;
  std::vector<uint64_t> preferred;  // nodes holding the input, most first
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_ask& a) {
  return f(caf::meta::type_name("lease_ask"), a.program, a.portion, a.want, a.min_want, a.memory,
           a.queue, a.priority, a.preferred);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, capacity& c) {
  return f(caf::meta::type_name("capacity"), c.slots, c.memory);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, queue_config& q) {
  return f(caf::meta::type_name("queue_config"), q.name, q.weight, q.minimum, q.cap,
           q.max_waiting);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, queue_status& q) {
  return f(caf::meta::type_name("queue_status"), q.config, q.used, q.waiting_programs, q.requests,
           q.share);
}

using broker_actor = caf::typed_actor<
    // A node's executor offers its capacity (again, to update it).
    caf::reacts_to<register_atom, uint64_t /*node*/, int64_t /*slots*/, int64_t /*memory*/,
                   executor_actor>,
    // Ask for capacity; grants arrive as grant_atom, a rejection as
    // refused_atom. A holder that already waits for capacity gets `want` more
    // added to its waiting request.
    caf::reacts_to<request_atom, lease_holder_actor, lease_ask>,
    caf::reacts_to<yield_atom, uint64_t /*lease*/>,
    // A lease changes holder within its program (handed to a successor portion).
    caf::reacts_to<transfer_atom, uint64_t /*lease*/, lease_holder_actor, int32_t /*portion*/>,
    // The holder needs at most `remaining` more leases than granted so far.
    caf::reacts_to<shrink_atom, lease_holder_actor, int64_t /*remaining*/>,
    // A node drains: no new leases on it.
    caf::reacts_to<drain_atom, uint64_t /*node*/>,
    // The console drains a node or undrains it. -> error text (unknown node),
    // empty on success.
    caf::replies_to<drain_atom, uint64_t /*node*/, bool /*draining*/>::with<std::string>,
    // The ledger's nodes, encoded (schemas/console.capnp NodeList).
    caf::replies_to<nodes_atom>::with<std::vector<char>>,
    // Capacity, queue and grant-latency metrics (encoded MetricList).
    caf::replies_to<metrics_atom>::with<std::vector<char>>,
    // The program ended: reclaim whatever it still holds or asks for.
    caf::reacts_to<drop_atom, uint64_t /*program*/>,
    // Totals: registered slots, free slots, registered memory, free memory, leases, queued.
    caf::replies_to<ledger_atom>::with<std::vector<int64_t>>,
    // Queues at run time: add or change one (-> error text, empty on
    // success), remove one (same), list them all.
    caf::replies_to<set_queue_atom, queue_config>::with<std::string>,
    caf::replies_to<drop_queue_atom, std::string>::with<std::string>,
    caf::replies_to<queues_atom>::with<std::vector<queue_status>>,
    // Internal: time to look at waiting requests and overdue preemptions.
    caf::reacts_to<tick_atom>>;

struct broker_options {
  ledger_options ledger;
  // Queues besides `default` (and `default`'s own settings, if named).
  std::vector<queue_config> queues;
  // Whether holders are asked to give leases back (the per-portion policy);
  // the whole-program policy keeps what it reserved.
  bool preempt = true;
  // How long a holder asked to give leases back has before the broker takes
  // them (the tasks on them are abandoned and rerun later).
  int64_t preempt_grace_ms = 30'000;
  // How often waiting requests are checked against the holders' shares.
  int64_t preempt_interval_ms = 100;
};

// Fails on an invalid queue in `options.queues`, naming it.
[[nodiscard]] absl::StatusOr<broker_actor> spawn_broker(caf::actor_system& sys,
                                                        broker_options options);
// With the default options.
[[nodiscard]] broker_actor spawn_broker(caf::actor_system& sys);

}  // namespace tranche
