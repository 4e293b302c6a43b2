// The broker's capacity ledger: per node, the capacity registered, free and
// leased; the outstanding leases; the named queues (queues.h) with what each
// holds; and the waiting capacity requests, granted in the policy's order
// (see schedule()). A plain class (the broker actor is a thin shell around
// it) so that its invariants — free + leased == registered on every node,
// every lease held for an admitted program, each queue's usage the sum of its
// leases and never grown past its cap — are unit-tested over arbitrary
// operation sequences.
//
// Time is the caller's: the operations that age requests take `now` (any
// monotonic unit; the broker passes milliseconds). The ledger never reads a
// clock, and treats a `now` earlier than one it has seen as the latest seen.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sched/node_index.h"
#include "sched/queues.h"
#include "sched/yield_order.h"
#include "tranche/ids.h"

namespace tranche {

// One slot plus its memory on one node, granted to one portion (its holder).
struct lease {
  lease_id id;
  node_id node;
  int64_t memory = 0;
  uint64_t holder = 0;  // opaque holder identity (the portion actor's id)
  program_id program;
  int portion = 0;
  std::string queue = kDefaultQueue;  // whose usage it counts in
  int priority = 0;                   // of the request it was granted to
};

// A portion's ask: up to `want` leases of `memory_per_slot` each, none until
// `min_want` of them fit at once (gang start), then more as capacity frees.
struct capacity_request {
  uint64_t holder = 0;
  program_id program;
  int portion = 0;
  int64_t want = 1;
  int64_t memory_per_slot = 0;
  std::string queue = kDefaultQueue;  // every request of a program names the same
  int priority = 0;                   // higher first
  int64_t min_want = 1;               // 1 <= min_want <= want
  // Data locality: nodes that hold the portion's input, most data first. A
  // lease goes to the first of them with room, else as usual.
  std::vector<node_id> preferred;
};

struct ledger_options {
  // A request that has waited this long without a lease outranks every
  // request that has not (see schedule()). In the caller's time unit.
  int64_t age_bound = 30'000;
  // Fair share balances slot-time, not only the split of the moment: queues
  // are ranked by their weighted dominant share now plus the weighted
  // dominant share they have held over time divided by this horizon (in the
  // caller's time unit, > 0). Whole slots split 2:1 weights of 8 slots 5:3
  // at any instant; over time the accumulated term alternates the odd slot
  // so that saturated queues receive slot-time in their weights' proportion.
  // A queue that comes back from idle starts level with the least-served
  // busy queue (it does not get to claim back the time it did not ask).
  int64_t fair_share_horizon = 1'000;
  // Verify the invariants (check()) after every change and abort on a
  // violation. On in builds without NDEBUG; it costs O((leases + nodes +
  // requests) log) per change, so benchmarks at scale turn it off.
#ifdef NDEBUG
  bool check_invariants = false;
#else
  bool check_invariants = true;
#endif
};

// Why a holder is asked to give leases back, most pressing first.
enum class yield_reason {
  over_cap,       // its queue holds more than its (lowered) cap
  priority,       // a higher-priority request waits
  under_minimum,  // a queue below its guaranteed minimum waits
  fair_share,     // an equal-priority request of a queue below its weighted share waits
};
[[nodiscard]] std::string_view yield_reason_name(yield_reason r);

// "Give `leases` leases back at your next task boundary."
struct yield_hint {
  uint64_t holder = 0;
  program_id program;
  int portion = 0;
  std::string queue;
  yield_reason reason = yield_reason::priority;
  int64_t leases = 0;
};

class ledger {
 public:
  explicit ledger(ledger_options options = {});

  // Registers a node, or updates its capacity (only upward while leased).
  absl::Status add_node(node_id n, capacity c);
  // A draining node keeps its leases but is granted no new ones.
  absl::Status set_draining(node_id n, bool draining);
  // Removes a node and returns the leases it held (they are gone).
  std::vector<lease> remove_node(node_id n);

  // Queues at run time. The configuration is validated (validate_queue);
  // `default` always exists: it can be changed but not removed. Removing a
  // queue that holds leases or has waiting requests is refused.
  absl::Status add_queue(const queue_config& q);
  absl::Status update_queue(const queue_config& q);
  absl::Status remove_queue(const std::string& name);

  // Queues a request at time `now`. Rejected at once (never queued) when the
  // queue is unknown, the request malformed (want < 1, min_want outside
  // [1, want], negative memory), its gang can never fit under the queue's
  // cap, its program was admitted to another queue, or — admission control —
  // its program is new and the queue already has max_waiting programs
  // waiting: `queue "etl" is full: 8 programs waiting (max-waiting 8)`. A
  // program is admitted on its first accepted request and stays admitted
  // until drop_program(); it counts as waiting while it has not been granted
  // a lease and has a request queued.
  absl::StatusOr<request_id> submit(const capacity_request& r, int64_t now);
  // submit() at the latest time seen; request_id{0} when rejected.
  request_id enqueue(const capacity_request& r);

  // Grants leases to the waiting requests, one decision at a time, always to
  // the first request in this order:
  //   1. Overdue requests — not granted anything yet and waiting for at least
  //      age_bound — in arrival order, before everything else.
  //   2. Then by priority, higher first;
  //   3. then requests of queues under their guaranteed minimum before the
  //      others;
  //   4. then by the queue's fair-share rank (see fair_share_horizon): its
  //      weighted dominant share now plus what it has held over time,
  //      lowest first;
  //   5. then in arrival order.
  // A request not yet started gets min_want leases at once (gang start), a
  // started one one more lease per decision (then the order is re-evaluated,
  // since its queue's share grew); each lease goes to the node with the most
  // free slots that fits its memory. A request leaves once it has `want`.
  // Skipped: a request that could not fit even on the empty cluster (it
  // waits for nodes); a request whose grant would exceed its queue's cap —
  // and with it the rest of that queue for this call (requests of a capped
  // queue do not overtake each other). A request that does fit the cluster
  // but not its free capacity blocks everything after it: no overtaking, so
  // capacity accumulates for it.
  // Starvation bound: a request that fits under its queue's cap is granted
  // at most age_bound after its arrival plus the time it then takes for the
  // requests that arrived before it to start and for its gang's capacity to
  // free up — no request that arrived later is served before it once it is
  // overdue. Returns the new leases, in grant order.
  std::vector<lease> schedule(int64_t now);
  // schedule() at the latest time seen.
  std::vector<lease> schedule();
  // Moves the clock to `now` (the fair-share accounting runs on it): call it
  // before a change at a time the other calls would not tell, e.g. release().
  void advance(int64_t now);
  // Lowers a queued request's remaining want (a portion that needs fewer
  // slots now); 0 removes it. A gang not started shrinks with it.
  void shrink_request(uint64_t holder, int64_t remaining);
  // Raises the holder's waiting request by `more` leases (a portion that gave
  // one back to a preemption, or lost one with its node, and still has tasks
  // for it). False when the holder has no waiting request: submit one.
  bool grow_request(uint64_t holder, int64_t more);

  // Which holders should give leases back (at their next task boundary) and
  // how many, so that the waiting requests can be served in schedule()'s
  // order: the excess of queues over their caps; then, for each waiting
  // request that does not fit in that order, leases of lower priority, or of
  // equal priority in another queue that stays at or above its minimum when
  // the waiter's queue is under its minimum, or that after the move would
  // still hold a weighted share at least the waiter's. Lowest priority, then
  // the most over-share queue, then the newest lease go first; nothing is
  // asked of a holder that would not let the waiter start. Computed on a
  // copy: changes nothing. One entry per holder and reason.
  [[nodiscard]] std::vector<yield_hint> preemption_hints(int64_t now) const;

  // Returns a lease's capacity to its node.
  absl::Status release(lease_id id);
  // Moves a lease to another holder of the same program (a finishing
  // portion's lease handed straight to a waiting successor).
  absl::Status transfer(lease_id id, uint64_t new_holder, int new_portion);
  // Releases every lease and drops every request of `holder`. Returns the
  // number of leases reclaimed.
  size_t drop_holder(uint64_t holder);
  // Same for a whole program, which also stops being admitted.
  size_t drop_program(program_id p);

  // Invariant check: free + leased == registered per node, no negative free,
  // every lease on a known node and of an admitted program of its queue, each
  // queue's usage the sum of its leases and within its cap (or, if the cap
  // was lowered below it, never grown since), the waiting-request and
  // waiting-program books consistent, the indexes (nodes and totals; leases
  // by holder, program and queue; requests by holder) up to date. Returns the
  // first violation.
  [[nodiscard]] absl::Status check() const;

  [[nodiscard]] const std::map<node_id, node_state>& nodes() const { return nodes_; }
  [[nodiscard]] const std::map<lease_id, lease>& leases() const { return leases_; }
  [[nodiscard]] size_t queued() const { return pending_.size(); }
  [[nodiscard]] capacity total_registered() const;
  [[nodiscard]] capacity total_free() const;
  [[nodiscard]] std::vector<queue_status> queues() const;  // by name
  [[nodiscard]] std::optional<queue_status> queue(const std::string& name) const;
  // Leases granted so far to a waiting request; nullopt once it left.
  [[nodiscard]] std::optional<int64_t> granted(request_id id) const;
  [[nodiscard]] int64_t now() const { return now_; }

 private:
  struct pending {
    request_id id;  // ids grow with arrival: also the arrival order
    capacity_request req;
    int64_t granted = 0;
    int64_t arrival = 0;
  };
  using request_order = std::set<std::pair<int64_t, uint64_t>>;  // (-priority, request id)
  struct queue_entry {
    queue_config config;
    capacity used;
    // What `used` may reach: the cap, or, after the cap was lowered below
    // what the queue held, the least it has held since. check() verifies
    // used <= ceiling: grants never push a queue past its cap.
    capacity ceiling;
    int64_t waiting = 0;  // programs, see submit()
    request_order order;
    // The integral of its weighted dominant share over time (see
    // fair_share_horizon), up to usage_at_.
    double usage = 0;
  };
  struct program_entry {
    std::string queue;
    bool started = false;  // granted a lease since admission
    int64_t requests = 0;  // waiting requests
    int64_t leases = 0;    // held
    bool waiting = false;  // counted in its queue's `waiting`
  };
  // Called when the request first in order does not fit the free capacity;
  // may free some (preemption_hints' simulation) and says whether it now fits.
  using reclaimer = std::function<bool(const pending&)>;

  std::vector<lease> grant_loop(const reclaimer* reclaim);
  // Integrates every queue's usage up to `now` and moves the clock there.
  void accrue(int64_t now);
  [[nodiscard]] bool overdue(const pending& p) const;
  [[nodiscard]] static int64_t need(const pending& p);
  std::optional<node_id> pick_node(int64_t memory, const std::vector<node_id>& preferred) const;
  // A node's state; nullptr if unknown.
  [[nodiscard]] const node_state* node_of(node_id n) const;
  // nodes_.find(), or in preemption_hints' simulation, the node copied from
  // source_->base when first reached.
  std::map<node_id, node_state>::iterator find_node(node_id n);
  // Every change of a node's state goes through here: it keeps the index.
  void set_node(std::map<node_id, node_state>::iterator it, const node_state& st);
  lease grant_one(pending& p, node_id n);
  // Takes a lease out of the books (its node's capacity back if the node is
  // known) and returns it.
  lease unlease(std::map<lease_id, lease>::iterator it);
  // A lease's capacity back to its node (if known) and out of its queue's
  // usage.
  void return_capacity(const lease& l);
  void erase_pending(std::map<uint64_t, pending>::iterator it);
  // The grant loop's view of the waiting requests: the oldest not started,
  // and the order key of a queue's first; nullptr if none.
  pending* oldest_unstarted();
  const std::pair<int64_t, uint64_t>* first_waiting(const std::string& name, queue_entry& q);
  // Whether a request of source_->base is in this ledger's books or was.
  [[nodiscard]] bool seen(uint64_t id) const;
  // Copies a waiting request of source_->base into this ledger's books.
  void pull(uint64_t id);
  // The holder's waiting requests, oldest first.
  [[nodiscard]] std::vector<uint64_t> requests_of(uint64_t holder) const;
  void refresh_program(program_id p);
  void note_usage(queue_entry& q);
  [[nodiscard]] queue_status status_of(const queue_entry& q) const;
  void check_debug() const;

  ledger_options options_;
  int64_t now_ = 0;
  int64_t usage_at_ = 0;  // queue usage is integrated up to here
  std::map<node_id, node_state> nodes_;
  node_index node_index_;
  std::map<lease_id, lease> leases_;
  absl::flat_hash_map<uint64_t, int64_t> held_;  // leases by holder, if any
  yield_order yield_order_;
  std::map<std::string, queue_entry> queues_;
  std::map<program_id, program_entry> programs_;
  std::map<uint64_t, pending> pending_;                      // by request id
  std::set<std::pair<uint64_t, uint64_t>> holder_requests_;  // (holder, request id)
  std::set<uint64_t> unstarted_;                             // requests granted nothing yet, by id
  uint64_t next_lease_ = 1;
  uint64_t next_request_ = 1;

  // Only in preemption_hints' simulation: the ledger it simulates, whose
  // nodes and waiting requests it copies as its grant loop reaches them (a
  // few, often) rather than all up front. The rest of each queue's order,
  // and of the requests not started, still to look at; the requests it
  // erased.
  struct simulation_source {
    const ledger* base = nullptr;
    std::map<std::string, std::pair<request_order::const_iterator, request_order::const_iterator>>
        order;
    std::pair<std::set<uint64_t>::const_iterator, std::set<uint64_t>::const_iterator> unstarted;
    std::set<uint64_t> erased;
  };
  std::optional<simulation_source> source_;
};

}  // namespace tranche
