// Unit tests of the capacity policies (sched/policy.h): names, what each
// reserves, and the plan's peak.
#include "sched/policy.h"

#include <gtest/gtest.h>

namespace tranche {
namespace {

portion_shape shape(int tasks, std::vector<int> inputs = {}, int64_t memory = 1) {
  return portion_shape{tasks, std::move(inputs), memory};
}

TEST(Policy, ChosenByNameAndUnknownNamesAreErrors) {
  auto pp = make_policy("per-portion");
  ASSERT_TRUE(pp.ok());
  EXPECT_EQ((*pp)->name(), "per-portion");
  EXPECT_TRUE((*pp)->portions_ask_broker());
  EXPECT_TRUE((*pp)->preemptible());
  auto wp = make_policy("whole-program");
  ASSERT_TRUE(wp.ok());
  EXPECT_EQ((*wp)->name(), "whole-program");
  EXPECT_FALSE((*wp)->portions_ask_broker());
  EXPECT_FALSE((*wp)->preemptible());
  auto bad = make_policy("fifo");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "unknown capacity policy \"fifo\": expected per-portion or whole-program");
}

TEST(Policy, PerPortionReservesNothing) {
  auto p = *make_policy("per-portion");
  auto r = p->reserve({shape(8), shape(2, {0})}, 16);
  EXPECT_EQ(r.leases, 0);
}

TEST(Policy, WholeProgramReservesThePeakAtTheLargestMemory) {
  auto p = *make_policy("whole-program");
  auto r = p->reserve({shape(8, {}, 100), shape(2, {0}, 300), shape(1, {1}, 50)}, 16);
  EXPECT_EQ(r.leases, 8);
  EXPECT_EQ(r.memory_per_lease, 300);
}

TEST(PeakSlots, AChainPeaksAtItsWidestPortion) {
  EXPECT_EQ(peak_slots({shape(8), shape(3, {0}), shape(1, {1})}, 100), 8);
}

TEST(PeakSlots, IndependentBranchesAddUp) {
  // Two scans feed a join, then an aggregate: both scans may run at once.
  EXPECT_EQ(peak_slots({shape(6), shape(4), shape(5, {0, 1}), shape(1, {2})}, 100), 10);
  // A scan can run alongside the other branch's later portion.
  EXPECT_EQ(peak_slots({shape(2), shape(3, {0}), shape(4), shape(1, {1, 2})}, 100), 7);
}

TEST(PeakSlots, BoundedByTheClusterAndAtLeastOne) {
  EXPECT_EQ(peak_slots({shape(64)}, 8), 8);
  EXPECT_EQ(peak_slots({}, 8), 1);
  EXPECT_EQ(peak_slots({shape(0)}, 0), 1);
}

}  // namespace
}  // namespace tranche
