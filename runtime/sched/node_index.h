// The capacity ledger's (ledger.h) view of its nodes, ordered so that its
// placement questions — which node takes the next lease, how many leases of
// a size fit — are answered without visiting every node, and the cluster's
// totals kept as they change rather than summed. At 1,000 nodes the ledger
// asks these once or twice per lease it grants.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <tuple>

#include "tranche/ids.h"
#include "tranche/queues.h"

namespace tranche {

struct node_state {
  capacity registered;
  capacity free;
  bool draining = false;  // grants no new leases
};

class node_index {
 public:
  node_index() = default;
  // An index that reads as `base` plus the changes made to it since, and
  // holds only those: preemption_hints()' simulation changes a few nodes of
  // many, and must not copy them all. `base` must outlive it unchanged.
  [[nodiscard]] static node_index over(const node_index& base);

  // Follows a change of node `n` from `before` to `after` (nullptr: the node
  // is not registered before, or no longer after).
  void update(node_id n, const node_state* before, const node_state* after);

  // The non-draining node with the most free slots that has `memory` free
  // (ties: the lowest id); nullopt when none has.
  [[nodiscard]] std::optional<node_id> most_free(int64_t memory) const;
  // How many leases of `memory` fit on the non-draining nodes' free (or
  // registered) capacity, counting up to `enough`: the exact count when it
  // is less, else some count >= enough.
  [[nodiscard]] int64_t fit_count(int64_t memory, bool registered, int64_t enough) const;

  // Over all nodes, draining ones included.
  [[nodiscard]] const capacity& total_registered() const { return total_registered_; }
  [[nodiscard]] const capacity& total_free() const { return total_free_; }

  // The ledger's check() compares its index with one built afresh.
  friend bool operator==(const node_index&, const node_index&) = default;

 private:
  using entry = std::tuple<int64_t, node_id, int64_t>;
  struct entries {
    // The nodes that can take a lease now (not draining, a slot free),
    // twice: (-free slots, node, free memory), most free slots first, and
    // (free memory, node, free slots). The non-draining nodes with
    // registered slots as (registered memory, node, registered slots).
    std::set<entry> by_slots;
    std::set<entry> by_memory;
    std::set<entry> registered;
    friend bool operator==(const entries&, const entries&) = default;
  };
  // most_free() and fit_count() over one set of entries, leaving out the
  // nodes in `skip` (nullptr: none). The best as (-free slots, node).
  static std::optional<std::pair<int64_t, node_id>> most_free_in(const entries& e, int64_t memory,
                                                                 const std::set<node_id>* skip);
  static int64_t fit_count_in(const entries& e, int64_t memory, bool registered, int64_t enough,
                              const std::set<node_id>* skip, int64_t n);

  entries entries_;
  // With a base (see over()): the nodes changed since, whose entries are
  // here and no longer read from the base's.
  const node_index* base_ = nullptr;
  std::set<node_id> changed_;
  capacity total_registered_;
  capacity total_free_;
};

}  // namespace tranche
