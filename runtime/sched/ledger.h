// The broker's capacity ledger: per node, the capacity registered, free and
// leased; the outstanding leases; and a FIFO queue of capacity requests. A
// plain class (the broker actor is a thin shell around it) so that its
// invariant — free + leased == registered on every node, every lease held by
// a known holder — is unit-tested over arbitrary operation sequences.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tranche/ids.h"

namespace tranche {

struct capacity {
  int64_t slots = 0;
  int64_t memory = 0;  // bytes
  friend bool operator==(const capacity&, const capacity&) = default;
};

// One slot plus its memory on one node, granted to one portion (its holder).
struct lease {
  lease_id id;
  node_id node;
  int64_t memory = 0;
  uint64_t holder = 0;  // opaque holder identity (the portion actor's id)
  program_id program;
  int portion = 0;
};

// A portion's ask: up to `want` leases of `memory_per_slot` each.
struct capacity_request {
  uint64_t holder = 0;
  program_id program;
  int portion = 0;
  int64_t want = 1;
  int64_t memory_per_slot = 0;
};

struct node_state {
  capacity registered;
  capacity free;
  bool draining = false;  // grants no new leases
};

class ledger {
 public:
  // Registers a node, or updates its capacity (only upward while leased).
  absl::Status add_node(node_id n, capacity c);
  // A draining node keeps its leases but is granted no new ones.
  absl::Status set_draining(node_id n, bool draining);
  // Removes a node and returns the leases it held (they are gone).
  std::vector<lease> remove_node(node_id n);

  // Queues a request; schedule() grants against it.
  request_id enqueue(const capacity_request& r);
  // Grants leases to queued requests in FIFO order: the head request gets
  // leases one at a time on the node with the most free slots that fits its
  // memory, until it has `want` or nothing fits; a request that got all it
  // wants leaves the queue. A head that gets nothing blocks those behind it
  // (no overtaking: a request's position bounds its wait). Returns the new
  // leases, in grant order.
  std::vector<lease> schedule();
  // Lowers a queued request's remaining want (a portion that needs fewer
  // slots now); 0 removes it.
  void shrink_request(uint64_t holder, int64_t remaining);

  // Returns a lease's capacity to its node.
  absl::Status release(lease_id id);
  // Moves a lease to another holder of the same program (a finishing
  // portion's lease handed straight to a waiting successor).
  absl::Status transfer(lease_id id, uint64_t new_holder, int new_portion);
  // Releases every lease and drops every request of `holder`. Returns the
  // number of leases reclaimed.
  size_t drop_holder(uint64_t holder);
  // Same for a whole program.
  size_t drop_program(program_id p);

  // Invariant check: free + leased == registered per node, no negative free,
  // every lease on a known node. Returns the first violation.
  [[nodiscard]] absl::Status check() const;

  [[nodiscard]] const std::map<node_id, node_state>& nodes() const { return nodes_; }
  [[nodiscard]] const std::map<lease_id, lease>& leases() const { return leases_; }
  [[nodiscard]] size_t queued() const { return queue_.size(); }
  [[nodiscard]] capacity total_registered() const;
  [[nodiscard]] capacity total_free() const;

 private:
  struct pending {
    request_id id;
    capacity_request req;
    int64_t granted = 0;
  };
  std::optional<node_id> pick_node(int64_t memory) const;
  void check_debug() const;

  std::map<node_id, node_state> nodes_;
  std::map<lease_id, lease> leases_;
  std::deque<pending> queue_;
  uint64_t next_lease_ = 1;
  uint64_t next_request_ = 1;
};

}  // namespace tranche
