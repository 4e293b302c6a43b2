// The broker's named queues (their configuration is in tranche/queues.h, the
// SDK's view): this header holds their validation and the arithmetic the grant policy
// ranks queues by (dominant share, below-minimum, within-cap) as pure
// functions, so that the ledger (ledger.h) keeps only the bookkeeping.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tranche/queues.h"

namespace tranche {

// The default queue: weight 1, no minimum, no cap, no bound.
[[nodiscard]] queue_config default_queue_config();

// Checks a queue's configuration; the error names the queue and the field
// (the config keys: weight, min-slots, min-memory, cap-slots, cap-memory,
// max-waiting), e.g. `queue "etl": weight must be > 0 (got 0)`.
[[nodiscard]] absl::Status validate_queue(const queue_config& q);

// validate_queue for each, and no name twice (`queue "etl" is defined twice`).
[[nodiscard]] absl::Status validate_queues(const std::vector<queue_config>& queues);

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
