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

void straggler_watch::started(uint32_t task, int64_t now_ms) { running_.emplace(task, now_ms); }

void straggler_watch::finished(uint32_t task, int64_t now_ms) {
  auto it = running_.find(task);
  if (it == running_.end()) return;
  durations_.push_back(now_ms - it->second);
  running_.erase(it);
}

void straggler_watch::stopped(uint32_t task) { running_.erase(task); }

std::optional<int64_t> straggler_watch::median_ms() const {
  if (durations_.empty()) return std::nullopt;
  std::vector<int64_t> d = durations_;
  auto mid = d.begin() + static_cast<std::ptrdiff_t>(d.size() / 2);
  std::nth_element(d.begin(), mid, d.end());
  return *mid;
}

std::vector<uint32_t> straggler_watch::stragglers(int64_t now_ms, int tasks) {
  std::vector<uint32_t> out;
  if (!enabled() || tasks <= 0 || durations_.size() * 2 < static_cast<size_t>(tasks)) return out;
  const auto median = median_ms();
  const double bound = std::max<double>(static_cast<double>(kMinStragglerMs),
                                        multiplier_ * static_cast<double>(*median));
  for (const auto& [task, start] : running_)
    if (static_cast<double>(now_ms - start) > bound && copied_.insert(task).second)
      out.push_back(task);
  return out;
}

}  // namespace tranche
