// The capacity ledger's (ledger.h) leases of each queue in the order they
// yield to a waiting request in preemption_hints(): lowest priority first,
// then newest first. Kept as leases come and go so that the hints visit the
// few leases they take rather than all of them; cheap to keep, since it sees
// every grant and release: lease ids only grow, so a lease joins at the end
// of its (queue, priority) list, and one that goes is only marked there
// until half of the list is marked.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "tranche/ids.h"

namespace tranche {

class yield_order {
  // A (queue, priority)'s lease ids, ascending; those gone are marked.
  struct list {
    std::vector<uint64_t> ids;
    int64_t gone = 0;
  };
  using priorities = std::map<int, list>;

 public:
  // `id` is larger than every lease id added before.
  void add(const std::string& queue, int priority, lease_id id);
  void remove(const std::string& queue, int priority, lease_id id);

  // One queue's leases in yield order. Valid while the yield_order is not
  // changed.
  class walk {
   public:
    walk(const std::string& queue, const priorities& p);
    [[nodiscard]] const std::string& queue() const { return *queue_; }
    [[nodiscard]] bool done() const { return at_ == end_; }
    [[nodiscard]] int priority() const { return at_->first; }
    [[nodiscard]] lease_id lease() const { return lease_id{at_->second.ids[i_ - 1]}; }
    void next();

   private:
    void settle();  // onto the next lease not gone, from here
    const std::string* queue_;
    priorities::const_iterator at_, end_;
    size_t i_ = 0;  // the lease is ids[i_ - 1]
  };
  // A walk per queue that holds leases, by queue name.
  [[nodiscard]] std::vector<walk> walks() const;

  // Every lease held, as (queue, priority, lease), and whether the lists are
  // well formed (ascending, marks counted): for the ledger's check().
  [[nodiscard]] std::vector<std::tuple<std::string, int, lease_id>> entries() const;
  [[nodiscard]] bool well_formed() const;

 private:
  std::map<std::string, priorities> queues_;
};

}  // namespace tranche
