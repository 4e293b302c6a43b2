// The resource broker: owns the capacity ledger (sched/ledger.h), queues the
// portions' capacity requests and grants leases — one slot plus memory on one
// node — as capacity frees. Monitors every holder: a holder that dies gets
// its leases reclaimed and its requests dropped.
#pragma once

#include <caf/all.hpp>
#include <vector>

#include "actors/atoms.h"
#include "actors/executor.h"

namespace tranche {

// What the broker (or a job handing over a lease) talks to: a lease's holder.
using lease_holder_actor = caf::typed_actor<
    caf::reacts_to<grant_atom, uint64_t /*lease*/, uint64_t /*node*/, executor_actor>,
    // The broker will never grant this request (a full queue, a gang larger
    // than the queue's cap, a malformed ask): why, in words for the user.
    caf::reacts_to<refused_atom, std::string>>;

using broker_actor = caf::typed_actor<
    // A node's executor offers its capacity (again, to update it).
    caf::reacts_to<register_atom, uint64_t /*node*/, int64_t /*slots*/, int64_t /*memory*/,
                   executor_actor>,
    // Ask for up to `want` leases of `memory` bytes each; grants arrive as grant_atom.
    caf::reacts_to<request_atom, lease_holder_actor, uint64_t /*program*/, int32_t /*portion*/,
                   int64_t /*want*/, int64_t /*memory*/>,
    caf::reacts_to<yield_atom, uint64_t /*lease*/>,
    // A lease changes holder within its program (handed to a successor portion).
    caf::reacts_to<transfer_atom, uint64_t /*lease*/, lease_holder_actor, int32_t /*portion*/>,
    // The holder needs at most `remaining` more leases than granted so far.
    caf::reacts_to<shrink_atom, lease_holder_actor, int64_t /*remaining*/>,
    // A node drains: no new leases on it.
    caf::reacts_to<drain_atom, uint64_t /*node*/>,
    // The program ended: reclaim whatever it still holds or asks for.
    caf::reacts_to<drop_atom, uint64_t /*program*/>,
    // Totals: registered slots, free slots, registered memory, free memory, leases, queued.
    caf::replies_to<ledger_atom>::with<std::vector<int64_t>>>;

[[nodiscard]] broker_actor spawn_broker(caf::actor_system& sys);

}  // namespace tranche
