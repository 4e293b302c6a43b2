// Supervision of a portion's tasks: which failures are worth another attempt
// and when it happens. A transient failure (the executor or its node died,
// an input block could not be fetched, a spill file could not be written, the
// task passed its deadline) is retried under another lease, up to
// max_retries times per task, after a backoff that doubles; a deterministic
// one (bad data, a type error, a limit) fails the program at once with its
// own text, since running it again gives the same error.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace tranche {

struct retry_options {
  int max_retries = 3;           // further attempts of a task after transient failures
  int64_t backoff_ms = 100;      // delay before the first retry; doubles for each next one
  int64_t max_backoff_ms = 5000;  // the delay's ceiling
  // A task running longer than this fails transiently (a straggler or a hung
  // node): it is stopped and retried elsewhere. 0: no deadline of its own.
  int64_t task_deadline_ms = 0;
  // Speculative execution (0: off): a task running longer than this many
  // times the median duration of its portion's finished tasks gets a copy on
  // another node; the first copy to finish wins and the other is stopped
  // (straggler_watch).
  double speculation = 0;
};

// Whether a task's error is worth retrying. Unavailable, DeadlineExceeded,
// Aborted, Cancelled and Unknown (which the executor's transport uses) are
// transient; every other code (InvalidArgument for bad data, OutOfRange,
// ResourceExhausted for a limit, Internal, ...) is deterministic.
[[nodiscard]] bool is_transient(absl::StatusCode code);

// Attempts of each task of one portion.
class retry_tracker {
 public:
  explicit retry_tracker(retry_options options = {}) : options_(options) {}

  // Task `task` failed transiently on `node`: the delay before it may run
  // again, or nullopt when it has used all its retries.
  [[nodiscard]] std::optional<int64_t> on_failure(uint32_t task, uint64_t node);

  // Failed attempts of `task` so far.
  [[nodiscard]] int failures(uint32_t task) const;
  // The node `task` last failed on (0: none): a retry goes elsewhere when it can.
  [[nodiscard]] uint64_t last_failed_node(uint32_t task) const;

  [[nodiscard]] const retry_options& options() const { return options_; }

 private:
  struct record {
    int failures = 0;
    uint64_t node = 0;
  };
  retry_options options_;
  std::map<uint32_t, record> tasks_;
};

// Which of a portion's running tasks are stragglers worth a speculative
// copy: running longer than `multiplier` times the median duration of the
// portion's finished tasks, once at least half of its tasks have finished
// (so that the median means something), and for at least kMinStragglerMs (a
// copy of a short task costs more than it can save). Each task is copied at
// most once. Times are milliseconds on any steady clock.
class straggler_watch {
 public:
  static constexpr int64_t kMinStragglerMs = 250;

  explicit straggler_watch(double multiplier = 0) : multiplier_(multiplier) {}

  [[nodiscard]] bool enabled() const { return multiplier_ > 0; }
  // Its first copy started (a later start of the same task is ignored until
  // stopped()).
  void started(uint32_t task, int64_t now_ms);
  // A copy finished first: its duration counts towards the median.
  void finished(uint32_t task, int64_t now_ms);
  // No copy runs any more (failed, lost with its node, suspended).
  void stopped(uint32_t task);
  // Tasks to copy now, each once; `tasks` is the portion's task count.
  [[nodiscard]] std::vector<uint32_t> stragglers(int64_t now_ms, int tasks);
  // The median of the finished durations, if any finished.
  [[nodiscard]] std::optional<int64_t> median_ms() const;

 private:
  double multiplier_;
  std::map<uint32_t, int64_t> running_;  // task -> start
  std::vector<int64_t> durations_;
  std::set<uint32_t> copied_;
};

}  // namespace tranche
