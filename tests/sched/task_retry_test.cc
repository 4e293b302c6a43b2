// retry_tracker and is_transient: which task errors are retried, how often,
// and after which delays; straggler_watch: which running tasks get a
// speculative copy.
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


TEST(StragglerWatch, OffByDefault) {
  straggler_watch w;
  EXPECT_FALSE(w.enabled());
  w.started(0, 0);
  w.started(1, 0);
  w.finished(1, 10);
  EXPECT_TRUE(w.stragglers(1'000'000, 2).empty());
}

TEST(StragglerWatch, CopiesATaskPastThreeTimesTheMedianOnce) {
  straggler_watch w(3);
  for (uint32_t t = 0; t < 4; ++t) w.started(t, 0);
  w.finished(0, 1000);
  // One of four finished: too few for a median.
  EXPECT_TRUE(w.stragglers(10'000, 4).empty());
  w.finished(1, 1200);
  ASSERT_TRUE(w.median_ms().has_value());
  EXPECT_EQ(*w.median_ms(), 1200);  // the upper of the two middles
  // Tasks 2 and 3 have run 3000 ms: not past 3 x 1200.
  EXPECT_TRUE(w.stragglers(3000, 4).empty());
  w.finished(2, 3100);
  // Median of 1000, 1200, 3100 is 1200: task 3 at 3601 ms is past 3600.
  EXPECT_EQ(w.stragglers(3601, 4), std::vector<uint32_t>{3});
  EXPECT_TRUE(w.stragglers(9000, 4).empty()) << "copied twice";
}

TEST(StragglerWatch, ShortTasksAreNotCopied) {
  straggler_watch w(3);
  for (uint32_t t = 0; t < 3; ++t) w.started(t, 0);
  w.finished(0, 10);
  w.finished(1, 10);
  // 200 ms is 20 x the median, but under the 250 ms floor.
  EXPECT_TRUE(w.stragglers(200, 3).empty());
  EXPECT_EQ(w.stragglers(251, 3), std::vector<uint32_t>{2});
}

TEST(StragglerWatch, AStoppedTaskStartsItsClockAgain) {
  straggler_watch w(2);
  for (uint32_t t = 0; t < 2; ++t) w.started(t, 0);
  w.finished(0, 300);
  w.stopped(1);         // lost with its node, queued again
  w.started(1, 1000);   // runs again from 1000
  EXPECT_TRUE(w.stragglers(1500, 2).empty());
  EXPECT_EQ(w.stragglers(1601, 2), std::vector<uint32_t>{1});
}

}  // namespace
}  // namespace tranche
