// Unit tests of the capacity ledger: grants, FIFO order, release, transfer,
// node loss, and the invariant free + leased == registered after random
// operation sequences.
#include "sched/ledger.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace tranche {
namespace {

constexpr int64_t kMiB = 1 << 20;

capacity_request req(uint64_t holder, int64_t want, int64_t mem = kMiB, int portion = 0) {
  capacity_request r;
  r.holder = holder;
  r.program = program_id{holder / 100};
  r.portion = portion;
  r.want = want;
  r.memory_per_slot = mem;
  return r;
}

TEST(Ledger, GrantsUpToWantAndSpreadsOverNodes) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {2, 8 * kMiB}).ok());
  ASSERT_TRUE(l.add_node(node_id{2}, {2, 8 * kMiB}).ok());
  l.enqueue(req(100, 3));
  auto g = l.schedule();
  ASSERT_EQ(g.size(), 3u);
  int on1 = 0;
  for (auto& x : g) on1 += x.node == node_id{1};
  EXPECT_TRUE(on1 == 1 || on1 == 2);
  EXPECT_EQ(l.queued(), 0u);
  EXPECT_EQ(l.total_free().slots, 1);
  EXPECT_TRUE(l.check().ok());
}

TEST(Ledger, PartialGrantThenGrowsWhenCapacityFrees) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {2, 8 * kMiB}).ok());
  l.enqueue(req(100, 4));
  auto g = l.schedule();
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(l.queued(), 1u);
  ASSERT_TRUE(l.release(g[0].id).ok());
  auto g2 = l.schedule();
  ASSERT_EQ(g2.size(), 1u);
  EXPECT_EQ(g2[0].holder, 100u);
  EXPECT_TRUE(l.check().ok());
}

TEST(Ledger, FifoHeadBlocksLaterRequests) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {1, 8 * kMiB}).ok());
  l.enqueue(req(100, 1));
  ASSERT_EQ(l.schedule().size(), 1u);
  l.enqueue(req(200, 1));
  l.enqueue(req(300, 1));
  EXPECT_TRUE(l.schedule().empty());
  ASSERT_TRUE(l.release(l.leases().begin()->first).ok());
  auto g = l.schedule();
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].holder, 200u);
}

TEST(Ledger, MemoryBoundsGrants) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {4, 3 * kMiB}).ok());
  l.enqueue(req(100, 4, 2 * kMiB));
  EXPECT_EQ(l.schedule().size(), 1u);
  EXPECT_EQ(l.total_free().memory, kMiB);
}

TEST(Ledger, ShrinkRequestRemovesWhenNothingRemains) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {1, 8 * kMiB}).ok());
  l.enqueue(req(100, 3));
  ASSERT_EQ(l.schedule().size(), 1u);
  l.shrink_request(100, 0);
  EXPECT_EQ(l.queued(), 0u);
}

TEST(Ledger, GrowRequestRaisesAWaitingRequestOnly) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {2, 8 * kMiB}).ok());
  EXPECT_FALSE(l.grow_request(100, 1));  // nothing waiting: the caller submits
  l.enqueue(req(100, 3));
  ASSERT_EQ(l.schedule().size(), 2u);
  ASSERT_TRUE(l.grow_request(100, 2));  // gave one back, still needs it: 3 to go
  for (const auto& [id, x] : std::map<lease_id, lease>(l.leases())) ASSERT_TRUE(l.release(id).ok());
  EXPECT_EQ(l.schedule().size(), 2u);
  EXPECT_EQ(l.queued(), 1u);
  for (const auto& [id, x] : std::map<lease_id, lease>(l.leases())) ASSERT_TRUE(l.release(id).ok());
  EXPECT_EQ(l.schedule().size(), 1u);
  EXPECT_EQ(l.queued(), 0u);
  EXPECT_TRUE(l.check().ok());
}

TEST(Ledger, LeasesGoToPreferredNodesWithRoomFirst) {
  ledger l;
  for (uint64_t n = 1; n <= 3; ++n) ASSERT_TRUE(l.add_node(node_id{n}, {2, 8 * kMiB}).ok());
  capacity_request r = req(100, 4);
  r.preferred = {node_id{3}, node_id{7} /*unknown*/, node_id{2}};
  l.enqueue(r);
  auto g = l.schedule();
  ASSERT_EQ(g.size(), 4u);
  EXPECT_EQ(g[0].node, node_id{3});
  EXPECT_EQ(g[1].node, node_id{3});
  EXPECT_EQ(g[2].node, node_id{2});
  EXPECT_EQ(g[3].node, node_id{2});
  l.enqueue(req(200, 1));  // no preference: the node with the most room
  auto h = l.schedule();
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].node, node_id{1});
}

TEST(Ledger, TransferAndDropHolder) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {2, 8 * kMiB}).ok());
  l.enqueue(req(100, 2));
  auto g = l.schedule();
  ASSERT_EQ(g.size(), 2u);
  ASSERT_TRUE(l.transfer(g[0].id, 101, 1).ok());
  EXPECT_EQ(l.drop_holder(100), 1u);
  EXPECT_EQ(l.leases().size(), 1u);
  EXPECT_EQ(l.leases().begin()->second.holder, 101u);
  EXPECT_EQ(l.drop_holder(101), 1u);
  EXPECT_EQ(l.total_free(), (capacity{2, 8 * kMiB}));
  EXPECT_FALSE(l.release(g[0].id).ok());
}

TEST(Ledger, RemoveNodeReturnsItsLeases) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {1, 8 * kMiB}).ok());
  ASSERT_TRUE(l.add_node(node_id{2}, {1, 8 * kMiB}).ok());
  l.enqueue(req(100, 2));
  ASSERT_EQ(l.schedule().size(), 2u);
  auto gone = l.remove_node(node_id{2});
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].node, node_id{2});
  EXPECT_EQ(l.leases().size(), 1u);
  EXPECT_TRUE(l.check().ok());
}

TEST(Ledger, DrainingNodeGetsNoNewLeases) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {2, 8 * kMiB}).ok());
  ASSERT_TRUE(l.add_node(node_id{2}, {2, 8 * kMiB}).ok());
  ASSERT_TRUE(l.set_draining(node_id{2}, true).ok());
  l.enqueue(req(100, 4));
  auto g = l.schedule();
  ASSERT_EQ(g.size(), 2u);
  for (const auto& x : g) EXPECT_EQ(x.node, node_id{1});
  EXPECT_FALSE(l.set_draining(node_id{9}, true).ok());
}

TEST(Ledger, CannotShrinkBelowLeased) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {2, 8 * kMiB}).ok());
  l.enqueue(req(100, 2));
  ASSERT_EQ(l.schedule().size(), 2u);
  EXPECT_FALSE(l.add_node(node_id{1}, {1, 8 * kMiB}).ok());
  EXPECT_TRUE(l.add_node(node_id{1}, {3, 8 * kMiB}).ok());
  EXPECT_EQ(l.total_free().slots, 1);
}

TEST(Ledger, InvariantHoldsOverRandomSequences) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 50; ++round) {
    ledger l;
    capacity registered{};
    for (uint64_t n = 1; n <= 3; ++n) {
      capacity c{static_cast<int64_t>(rng() % 4 + 1), static_cast<int64_t>(rng() % 16 + 1) * kMiB};
      ASSERT_TRUE(l.add_node(node_id{n}, c).ok());
      registered.slots += c.slots;
      registered.memory += c.memory;
    }
    for (int step = 0; step < 300; ++step) {
      switch (rng() % 6) {
        case 0:
        case 1:
          l.enqueue(req(rng() % 5 + 100, static_cast<int64_t>(rng() % 4 + 1),
                        static_cast<int64_t>(rng() % 3 + 1) * kMiB));
          break;
        case 2:
          (void)l.schedule();
          break;
        case 3:
          if (!l.leases().empty()) {
            ASSERT_TRUE(l.release(l.leases().begin()->first).ok());
          }
          break;
        case 4:
          l.drop_holder(rng() % 5 + 100);
          break;
        case 5:
          if (!l.leases().empty()) {
            ASSERT_TRUE(l.transfer(l.leases().rbegin()->first, rng() % 5 + 100, 1).ok());
          }
          break;
      }
      ASSERT_TRUE(l.check().ok()) << l.check().message();
      capacity leased{};
      for (auto& [id, x] : l.leases()) {
        leased.slots += 1;
        leased.memory += x.memory;
      }
      EXPECT_EQ(l.total_free().slots + leased.slots, registered.slots);
      EXPECT_EQ(l.total_free().memory + leased.memory, registered.memory);
    }
    for (uint64_t h = 100; h < 105; ++h) l.drop_holder(h);
    EXPECT_EQ(l.total_free(), registered);
    EXPECT_TRUE(l.leases().empty());
  }
}

}  // namespace
}  // namespace tranche
