// Capacity amounts and the broker's named queues: each queue has a weight, a
// guaranteed minimum, a cap and a bound on its waiting programs. This header
// holds the configuration, its validation and the arithmetic the grant policy
// ranks queues by (dominant share, below-minimum, within-cap) as pure
// functions, so that the ledger (ledger.h) keeps only the bookkeeping.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"

namespace tranche {

struct capacity {
  int64_t slots = 0;
  int64_t memory = 0;  // bytes
  friend bool operator==(const capacity&, const capacity&) = default;
};

// "No limit" in a cap or in max_waiting.
inline constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();
// The queue that always exists and that a request names unless told otherwise.
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
  // preemption hints ask for the excess back.
  capacity cap{kUnlimited, kUnlimited};
  // Admitted programs that have not started (no lease yet) and still ask for
  // capacity; a new program's first request beyond it is rejected. 0 closes
  // the queue to new programs.
  int64_t max_waiting = kUnlimited;
};

// The default queue: weight 1, no minimum, no cap, no bound.
[[nodiscard]] queue_config default_queue_config();

// Checks a queue's configuration; the error names the queue and the field
// (the config keys: weight, min-slots, min-memory, cap-slots, cap-memory,
// max-waiting), e.g. `queue "etl": weight must be > 0 (got 0)`.
[[nodiscard]] absl::Status validate_queue(const queue_config& q);

// A queue's weighted dominant share: max(used.slots / total.slots,
// used.memory / total.memory) / weight. A resource the cluster has none of
// counts as 0. Lower is further below its fair share.
[[nodiscard]] double dominant_share(const capacity& used, const capacity& total, double weight);

// Whether `used` is below `minimum` in every resource the minimum names
// (non-zero). A queue that reached its minimum in its dominant resource is no
// longer owed anything by the guarantee. False for a queue without minimum.
[[nodiscard]] bool under_minimum(const capacity& used, const capacity& minimum);

// Whether `n` more leases of `memory` bytes each keep `used` within `limit`
// (no overflow, whatever the magnitudes).
[[nodiscard]] bool fits_within(const capacity& used, int64_t n, int64_t memory,
                               const capacity& limit);

}  // namespace tranche
