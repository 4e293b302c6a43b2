// Capacity policies: how a program's portions obtain and give back capacity,
// chosen by name (`policy` in the head's config, cluster_options::policy).
//
//   per-portion    (the default) each portion asks the broker for capacity
//                  when it becomes runnable — a target (its task count) and a
//                  minimum — grows as capacity frees, hands leases it no
//                  longer needs to a waiting successor or back to the broker,
//                  and gives leases back when the broker asks (preemption).
//   whole-program  the classic static allocation: before its first portion
//                  runs, the program reserves its plan's peak capacity (all of
//                  it at once), lends those leases to its portions as they
//                  run, and returns them only when it ends. The baseline that
//                  makes per-portion scheduling's benefit measurable
//                  (`tranche-bench utilization`).
//
// The job actor asks the policy three questions; everything else (queues,
// grant order, admission) is the broker's and the same under both.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace tranche {

// What a policy needs to know of a plan's portion.
struct portion_shape {
  int tasks = 1;
  std::vector<int> inputs;  // earlier portions it reads
  int64_t memory_per_task = 0;
};

// Leases a program reserves as a whole: `leases` of `memory_per_lease` each.
struct reservation {
  int64_t leases = 0;
  int64_t memory_per_lease = 0;
};

class capacity_policy {
 public:
  virtual ~capacity_policy() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  // What the program reserves before its first portion runs ({0, 0}: nothing),
  // on a cluster of `cluster_slots` slots.
  [[nodiscard]] virtual reservation reserve(const std::vector<portion_shape>& plan,
                                            int64_t cluster_slots) const = 0;
  // Whether a runnable portion asks the broker for capacity itself (else it
  // runs on the leases its program lends it).
  [[nodiscard]] virtual bool portions_ask_broker() const = 0;
  // Whether the broker may ask this program's portions to give leases back.
  [[nodiscard]] virtual bool preemptible() const = 0;
};

// "per-portion" or "whole-program"; anything else is an error that lists both.
[[nodiscard]] absl::StatusOr<std::unique_ptr<capacity_policy>> make_policy(std::string_view name);

// The most slots a plan's portions can use at once: the largest total of
// tasks over portions that may run at the same time (none upstream of
// another). At most `cluster_slots`, at least 1.
[[nodiscard]] int64_t peak_slots(const std::vector<portion_shape>& plan, int64_t cluster_slots);

}  // namespace tranche
