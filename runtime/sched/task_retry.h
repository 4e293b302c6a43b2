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
#include <string>

#include "absl/status/status.h"

namespace tranche {

struct retry_options {
  int max_retries = 3;           // further attempts of a task after transient failures
  int64_t backoff_ms = 100;      // delay before the first retry; doubles for each next one
  int64_t max_backoff_ms = 5000;  // the delay's ceiling
  // A task running longer than this fails transiently (a straggler or a hung
  // node): it is stopped and retried elsewhere. 0: no deadline of its own.
  int64_t task_deadline_ms = 0;
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

}  // namespace tranche
