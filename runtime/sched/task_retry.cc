// Implementation of task_retry.h.
#include "sched/task_retry.h"

#include <algorithm>

namespace tranche {

bool is_transient(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

std::optional<int64_t> retry_tracker::on_failure(uint32_t task, uint64_t node) {
  record& r = tasks_[task];
  ++r.failures;
  r.node = node;
  if (r.failures > options_.max_retries) return std::nullopt;
  int64_t delay = std::max<int64_t>(0, options_.backoff_ms);
  for (int i = 1; i < r.failures && delay < options_.max_backoff_ms; ++i) delay *= 2;
  return std::min(delay, std::max<int64_t>(0, options_.max_backoff_ms));
}

int retry_tracker::failures(uint32_t task) const {
  auto it = tasks_.find(task);
  return it == tasks_.end() ? 0 : it->second.failures;
}

uint64_t retry_tracker::last_failed_node(uint32_t task) const {
  auto it = tasks_.find(task);
  return it == tasks_.end() ? 0 : it->second.node;
}

}  // namespace tranche
