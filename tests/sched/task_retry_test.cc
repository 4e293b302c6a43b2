// retry_tracker and is_transient: which task errors are retried, how often,
// and after which delays.
#include "sched/task_retry.h"

#include <gtest/gtest.h>

namespace tranche {
namespace {

TEST(TaskRetry, TransientCodesOnly) {
  EXPECT_TRUE(is_transient(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(is_transient(absl::StatusCode::kDeadlineExceeded));
  EXPECT_TRUE(is_transient(absl::StatusCode::kAborted));
  EXPECT_TRUE(is_transient(absl::StatusCode::kCancelled));
  EXPECT_TRUE(is_transient(absl::StatusCode::kUnknown));
  EXPECT_FALSE(is_transient(absl::StatusCode::kInvalidArgument));
  EXPECT_FALSE(is_transient(absl::StatusCode::kOutOfRange));
  EXPECT_FALSE(is_transient(absl::StatusCode::kResourceExhausted));
  EXPECT_FALSE(is_transient(absl::StatusCode::kInternal));
  EXPECT_FALSE(is_transient(absl::StatusCode::kNotFound));
  EXPECT_FALSE(is_transient(absl::StatusCode::kOk));
}

TEST(TaskRetry, BackoffDoublesUpToTheCeilingThenGivesUp) {
  retry_tracker r(retry_options{4, 100, 250, 0});
  EXPECT_EQ(r.failures(3), 0);
  EXPECT_EQ(r.last_failed_node(3), 0u);
  EXPECT_EQ(r.on_failure(3, 2), 100);
  EXPECT_EQ(r.on_failure(3, 1), 200);
  EXPECT_EQ(r.last_failed_node(3), 1u);
  EXPECT_EQ(r.on_failure(3, 2), 250);
  EXPECT_EQ(r.on_failure(3, 2), 250);
  EXPECT_EQ(r.failures(3), 4);
  EXPECT_EQ(r.on_failure(3, 2), std::nullopt);  // the fifth failure: retries used up
  // Tasks are counted apart.
  EXPECT_EQ(r.on_failure(4, 1), 100);
  EXPECT_EQ(r.failures(4), 1);
}

TEST(TaskRetry, NoRetriesFailsAtOnce) {
  retry_tracker r(retry_options{0, 100, 1000, 0});
  EXPECT_EQ(r.on_failure(0, 1), std::nullopt);
}

}  // namespace
}  // namespace tranche
