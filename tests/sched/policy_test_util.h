// Helpers shared by the grant-policy tests (tests/sched/*_test.cc): asks,
// queue configurations and what a holder or a queue holds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sched/ledger.h"
#include "sched/queues.h"

namespace tranche::policy_test {

constexpr int64_t kMiB = 1 << 20;
constexpr int64_t kGiB = int64_t{1} << 30;

inline capacity_request ask(uint64_t holder, uint64_t program, const std::string& queue, int64_t want,
                     int priority = 0, int64_t min_want = 1, int64_t memory = kMiB) {
  capacity_request r;
  r.holder = holder;
  r.program = program_id{program};
  r.want = want;
  r.memory_per_slot = memory;
  r.queue = queue;
  r.priority = priority;
  r.min_want = min_want;
  return r;
}

inline queue_config qc(const std::string& name, double weight, capacity minimum = {},
                capacity cap = {kUnlimited, kUnlimited}, int64_t max_waiting = kUnlimited) {
  return queue_config{name, weight, minimum, cap, max_waiting};
}

inline int64_t held_by_holder(const ledger& l, uint64_t holder) {
  int64_t n = 0;
  for (const auto& [id, x] : l.leases()) n += x.holder == holder;
  return n;
}

inline int64_t held_by_queue(const ledger& l, const std::string& queue) {
  int64_t n = 0;
  for (const auto& [id, x] : l.leases()) n += x.queue == queue;
  return n;
}

inline std::vector<lease_id> leases_of(const ledger& l, uint64_t holder) {
  std::vector<lease_id> ids;
  for (const auto& [id, x] : l.leases())
    if (x.holder == holder) ids.push_back(id);
  return ids;
}

}  // namespace tranche::policy_test
