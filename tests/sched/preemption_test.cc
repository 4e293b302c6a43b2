// The ledger's preemption hints: which holders should give leases back, how
// many and why, computed without changing the ledger.
#include <gtest/gtest.h>

#include "policy_test_util.h"

namespace tranche {
namespace {

using namespace policy_test;

// ----------------------------------------------------- preemption hints

TEST(Preemption, HigherPriorityWaiterGetsLowerPriorityLeasesBack) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {4, 64 * kMiB}).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "default", 4, 0), 0).ok());
  ASSERT_EQ(l.schedule(0).size(), 4u);
  EXPECT_TRUE(l.preemption_hints(1).empty());  // nobody waits
  ASSERT_TRUE(l.submit(ask(200, 2, "default", 2, 5), 1).ok());
  ASSERT_TRUE(l.submit(ask(300, 3, "default", 2, 0), 1).ok());  // equal priority: no claim
  auto hints = l.preemption_hints(2);
  ASSERT_EQ(hints.size(), 1u);
  EXPECT_EQ(hints[0].holder, 100u);
  EXPECT_EQ(hints[0].program, program_id{1});
  EXPECT_EQ(hints[0].queue, "default");
  EXPECT_EQ(hints[0].reason, yield_reason::priority);
  EXPECT_EQ(yield_reason_name(hints[0].reason), "priority");
  EXPECT_EQ(hints[0].leases, 2);
  // Computing hints changed nothing.
  EXPECT_EQ(l.leases().size(), 4u);
  EXPECT_EQ(l.queued(), 2u);
  EXPECT_TRUE(l.check().ok());
  // The holder yields that many at its task boundary: the waiter gets them.
  auto held = leases_of(l, 100);
  ASSERT_TRUE(l.release(held[0]).ok());
  ASSERT_TRUE(l.release(held[1]).ok());
  auto g = l.schedule(3);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].holder, 200u);
  EXPECT_TRUE(l.preemption_hints(3).empty());
}

TEST(Preemption, NeverFromHigherPriority) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {4, 64 * kMiB}).ok());
  ASSERT_TRUE(l.add_queue(qc("a", 1, {4, 0})).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "default", 4, 5), 0).ok());
  ASSERT_EQ(l.schedule(0).size(), 4u);
  ASSERT_TRUE(l.submit(ask(200, 2, "a", 2, 0), 1).ok());  // under its minimum, lower priority
  EXPECT_TRUE(l.preemption_hints(2).empty());
}

TEST(Preemption, UnderMinimumQueueGetsUpToItsMinimum) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {4, 64 * kMiB}).ok());
  ASSERT_TRUE(l.add_queue(qc("a", 1, {2, 0})).ok());
  ASSERT_TRUE(l.add_queue(qc("b", 1)).ok());
  ASSERT_TRUE(l.submit(ask(200, 2, "b", 4), 0).ok());
  ASSERT_EQ(l.schedule(0).size(), 4u);
  ASSERT_TRUE(l.submit(ask(100, 1, "a", 4), 1).ok());
  auto hints = l.preemption_hints(2);
  ASSERT_EQ(hints.size(), 1u);
  EXPECT_EQ(hints[0].holder, 200u);
  EXPECT_EQ(hints[0].reason, yield_reason::under_minimum);
  EXPECT_EQ(hints[0].leases, 2);  // then 2:2 is the fair split: nothing more
}

TEST(Preemption, OverShareQueueGivesBackDownToItsWeightedShare) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {8, 64 * kMiB}).ok());
  ASSERT_TRUE(l.add_queue(qc("a", 1)).ok());
  ASSERT_TRUE(l.add_queue(qc("b", 3)).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "a", 8), 0).ok());
  ASSERT_EQ(l.schedule(0).size(), 8u);
  ASSERT_TRUE(l.submit(ask(200, 2, "b", 8), 1).ok());
  auto hints = l.preemption_hints(2);
  ASSERT_EQ(hints.size(), 1u);
  EXPECT_EQ(hints[0].holder, 100u);
  EXPECT_EQ(hints[0].reason, yield_reason::fair_share);
  EXPECT_EQ(hints[0].leases, 6);  // 2:6 is 1:3
  // Following the hint lands on the weighted split, and no further hints.
  auto held = leases_of(l, 100);
  for (size_t i = 0; i < 6; ++i) ASSERT_TRUE(l.release(held[i]).ok());
  EXPECT_EQ(l.schedule(3).size(), 6u);
  EXPECT_EQ(held_by_queue(l, "b"), 6);
  EXPECT_TRUE(l.preemption_hints(4).empty());
}

TEST(Preemption, OnlyWhatLetsTheWaiterStart) {
  // A gang of 3 at priority 3: only the 2 leases at priority 0 yield to it —
  // not enough, so nothing is asked.
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {4, 64 * kMiB}).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "default", 2, 5), 0).ok());
  ASSERT_TRUE(l.submit(ask(200, 2, "default", 2, 0), 0).ok());
  ASSERT_EQ(l.schedule(0).size(), 4u);
  ASSERT_TRUE(l.submit(ask(300, 3, "default", 3, 3, 3), 1).ok());
  EXPECT_TRUE(l.preemption_hints(2).empty());
  // A gang of 2 would start on them.
  l.shrink_request(300, 2);
  auto hints = l.preemption_hints(2);
  ASSERT_EQ(hints.size(), 1u);
  EXPECT_EQ(hints[0].holder, 200u);
  EXPECT_EQ(hints[0].leases, 2);
}

TEST(Preemption, LoweredCapAsksForTheExcess) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {8, 64 * kMiB}).ok());
  ASSERT_TRUE(l.add_queue(qc("a", 1)).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "a", 3), 0).ok());
  ASSERT_EQ(l.schedule(0).size(), 3u);
  ASSERT_TRUE(l.update_queue(qc("a", 1, {}, {1, kUnlimited})).ok());
  EXPECT_TRUE(l.check().ok());  // over the lowered cap is not a violation
  auto hints = l.preemption_hints(1);
  ASSERT_EQ(hints.size(), 1u);
  EXPECT_EQ(hints[0].reason, yield_reason::over_cap);
  EXPECT_EQ(hints[0].leases, 2);
  // The queue gets nothing more meanwhile, and never grows back past it.
  ASSERT_TRUE(l.submit(ask(101, 1, "a", 1), 1).ok());
  EXPECT_TRUE(l.schedule(2).empty());
  auto held = leases_of(l, 100);
  ASSERT_TRUE(l.release(held[0]).ok());
  EXPECT_TRUE(l.schedule(3).empty());
  ASSERT_TRUE(l.release(held[1]).ok());
  EXPECT_TRUE(l.schedule(4).empty());  // at the cap, 1
  ASSERT_TRUE(l.release(held[2]).ok());
  EXPECT_EQ(l.schedule(5).size(), 1u);
  EXPECT_TRUE(l.check().ok());
}

}  // namespace
}  // namespace tranche
