// Capacity amounts and the configuration of the broker's named queues, as the
// SDK sets and reads them (cluster::set_queue, cluster::queues). Each queue
// has a weight, a guaranteed minimum, a cap and a bound on its waiting
// programs; sched/queues.h holds their validation and the policy arithmetic.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

namespace tranche {

struct capacity {
  int64_t slots = 0;
  int64_t memory = 0;  // bytes
  friend bool operator==(const capacity&, const capacity&) = default;
};

// "No limit" in a cap or in max_waiting.
inline constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();
// The queue that always exists and that a program names unless told otherwise.
inline constexpr char kDefaultQueue[] = "default";

struct queue_config {
  std::string name;
  // Relative share of the cluster when queues compete (> 0, finite).
  double weight = 1.0;
  // Guaranteed minimum: while a queue holds less than this in every resource
  // that names a non-zero amount, it is served before queues that do not
  // (within a priority level). {0, 0}: no guarantee.
  capacity minimum{};
  // Never exceeded by a grant. Lowering it below what the queue holds is
  // allowed: the queue then gets nothing until it is back under it, and the
  // broker asks for the excess back.
  capacity cap{kUnlimited, kUnlimited};
  // Admitted programs that have not started (no lease yet) and still ask for
  // capacity; a new program's first request beyond it is rejected. 0 closes
  // the queue to new programs.
  int64_t max_waiting = kUnlimited;
};

// A queue as it stands.
struct queue_status {
  queue_config config;
  capacity used;                 // the sum of its leases
  int64_t waiting_programs = 0;  // what max_waiting bounds
  int64_t requests = 0;          // waiting capacity requests (started or not)
  double share = 0;              // its weighted dominant share of the cluster
};

}  // namespace tranche
