// Unit tests of the broker's grant policy in the ledger: named queues
// (validation, run-time changes), grant order (priority, guaranteed minimum,
// weighted dominant share, arrival), caps, gang start, admission control,
// aging against starvation, preemption hints, and the ledger's invariants
// over random operation sequences with queues.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "sched/ledger.h"
#include "sched/queues.h"

namespace tranche {
namespace {

constexpr int64_t kMiB = 1 << 20;
constexpr int64_t kGiB = int64_t{1} << 30;

capacity_request ask(uint64_t holder, uint64_t program, const std::string& queue, int64_t want,
                     int priority = 0, int64_t min_want = 1, int64_t memory = kMiB) {
  capacity_request r{holder, program_id{program}, 0, want, memory};
  r.queue = queue;
  r.priority = priority;
  r.min_want = min_want;
  return r;
}

queue_config qc(const std::string& name, double weight, capacity minimum = {},
                capacity cap = {kUnlimited, kUnlimited}, int64_t max_waiting = kUnlimited) {
  return queue_config{name, weight, minimum, cap, max_waiting};
}

int64_t held_by_holder(const ledger& l, uint64_t holder) {
  int64_t n = 0;
  for (const auto& [id, x] : l.leases()) n += x.holder == holder;
  return n;
}

int64_t held_by_queue(const ledger& l, const std::string& queue) {
  int64_t n = 0;
  for (const auto& [id, x] : l.leases()) n += x.queue == queue;
  return n;
}

std::vector<lease_id> leases_of(const ledger& l, uint64_t holder) {
  std::vector<lease_id> ids;
  for (const auto& [id, x] : l.leases())
    if (x.holder == holder) ids.push_back(id);
  return ids;
}

// ---------------------------------------------------------------- queues

TEST(Queues, DefaultQueueAlwaysExists) {
  ledger l;
  auto d = l.queue("default");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->config.weight, 1.0);
  EXPECT_EQ(d->config.minimum, (capacity{0, 0}));
  EXPECT_EQ(d->config.cap, (capacity{kUnlimited, kUnlimited}));
  EXPECT_EQ(d->config.max_waiting, kUnlimited);
  auto s = l.remove_queue("default");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "queue \"default\" cannot be removed");
  // It can be changed, though (e.g. to bound its waiting programs).
  EXPECT_TRUE(l.update_queue(qc("default", 2, {}, {kUnlimited, kUnlimited}, 10)).ok());
  EXPECT_EQ(l.queue("default")->config.max_waiting, 10);
}

TEST(Queues, ValidationNamesTheQueueAndTheField) {
  ledger l;
  auto msg = [&](const queue_config& q) { return std::string(l.add_queue(q).message()); };
  EXPECT_EQ(msg(qc("etl", 0)), "queue \"etl\": weight must be > 0 (got 0)");
  EXPECT_EQ(msg(qc("etl", -2)), "queue \"etl\": weight must be > 0 (got -2)");
  EXPECT_NE(msg(qc("etl", std::numeric_limits<double>::infinity())).find("weight"),
            std::string::npos);
  EXPECT_EQ(msg(qc("etl", 1, {-1, 0})), "queue \"etl\": min-slots must be >= 0 (got -1)");
  EXPECT_EQ(msg(qc("etl", 1, {0, -5})), "queue \"etl\": min-memory must be >= 0 (got -5)");
  EXPECT_EQ(msg(qc("etl", 1, {}, {-1, kUnlimited})),
            "queue \"etl\": cap-slots must be >= 0 (got -1)");
  EXPECT_EQ(msg(qc("etl", 1, {}, {4, -1})), "queue \"etl\": cap-memory must be >= 0 (got -1)");
  EXPECT_EQ(msg(qc("etl", 1, {4, 0}, {2, kUnlimited})),
            "queue \"etl\": min-slots (4) exceeds cap-slots (2)");
  EXPECT_EQ(msg(qc("etl", 1, {0, 8 * kMiB}, {kUnlimited, kMiB})),
            "queue \"etl\": min-memory (8388608) exceeds cap-memory (1048576)");
  EXPECT_EQ(msg(qc("etl", 1, {}, {kUnlimited, kUnlimited}, -1)),
            "queue \"etl\": max-waiting must be >= 0 (got -1)");
  EXPECT_EQ(msg(qc("a b", 1)), "queue \"a b\": name must be 1 to 64 of [A-Za-z0-9_.-]");
  EXPECT_EQ(msg(qc("", 1)), "queue \"\": name must be 1 to 64 of [A-Za-z0-9_.-]");
  EXPECT_EQ(l.queues().size(), 1u);  // nothing invalid got in

  ASSERT_TRUE(l.add_queue(qc("etl", 2, {1, 0}, {4, kGiB}, 3)).ok());
  auto dup = l.add_queue(qc("etl", 1));
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.message(), "queue \"etl\" already exists");
  auto unknown = l.update_queue(qc("adhoc", 1));
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(unknown.message(), "queue \"adhoc\" does not exist");
  EXPECT_EQ(l.update_queue(qc("etl", 0)).message(), "queue \"etl\": weight must be > 0 (got 0)");
  EXPECT_EQ(l.queue("etl")->config.weight, 2.0);  // unchanged by the refused update
}

TEST(Queues, ChangedAndRemovedAtRunTimeButNotWithWorkInThem) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {2, 8 * kMiB}).ok());
  ASSERT_TRUE(l.add_queue(qc("etl", 1)).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "etl", 3), 0).ok());
  EXPECT_EQ(l.remove_queue("etl").message(),
            "queue \"etl\" cannot be removed: it still has 1 waiting request and 0 leases");
  ASSERT_EQ(l.schedule(1).size(), 2u);
  EXPECT_EQ(l.remove_queue("etl").message(),
            "queue \"etl\" cannot be removed: it still has 1 waiting request and 2 leases");
  l.shrink_request(100, 0);
  EXPECT_EQ(l.remove_queue("etl").message(),
            "queue \"etl\" cannot be removed: it still has 0 waiting requests and 2 leases");
  ASSERT_TRUE(l.update_queue(qc("etl", 5)).ok());
  EXPECT_EQ(l.queue("etl")->config.weight, 5.0);
  EXPECT_EQ(l.queue("etl")->used, (capacity{2, 2 * kMiB}));  // kept across the change
  l.drop_program(program_id{1});
  EXPECT_TRUE(l.remove_queue("etl").ok());
  EXPECT_FALSE(l.queue("etl").has_value());
  auto s = l.submit(ask(100, 1, "etl", 1), 2);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.status().message(), "queue \"etl\" does not exist");
  EXPECT_EQ(l.remove_queue("etl").code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(l.check().ok());
}

TEST(Queues, MalformedRequestsAreRejectedAtOnce) {
  ledger l;
  ASSERT_TRUE(l.add_queue(qc("small", 1, {}, {2, 3 * kMiB})).ok());
  EXPECT_EQ(l.submit(ask(100, 1, "default", 0), 0).status().message(),
            "program 1 portion 0: want must be >= 1 (got 0)");
  EXPECT_EQ(l.submit(ask(100, 1, "default", 2, 0, 3), 0).status().message(),
            "program 1 portion 0: min-want must be between 1 and want (2), got 3");
  // A gang larger than the cap could never start.
  EXPECT_EQ(l.submit(ask(100, 1, "small", 4, 0, 3), 0).status().message(),
            "queue \"small\": program 1 portion 0 needs 3 slots at once, over cap-slots 2");
  EXPECT_EQ(l.submit(ask(100, 1, "small", 2, 0, 2, 2 * kMiB), 0).status().message(),
            "queue \"small\": program 1 portion 0 needs 2 x 2097152 bytes at once, over "
            "cap-memory 3145728");
  EXPECT_EQ(l.queued(), 0u);
  // The FIFO-era entry point reports a rejection as request 0.
  EXPECT_EQ(l.enqueue(ask(100, 1, "nowhere", 1)), request_id{});
  // A program stays in the queue it was admitted to.
  ASSERT_TRUE(l.submit(ask(100, 1, "small", 1), 0).ok());
  auto other = l.submit(ask(101, 1, "default", 1), 0);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(other.status().message(), "program 1 was admitted to queue \"small\", not \"default\"");
}

// ----------------------------------------------------------- grant order

TEST(GrantOrder, PriorityFirst) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {1, 8 * kMiB}).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "default", 1), 0).ok());
  ASSERT_EQ(l.schedule(0).size(), 1u);
  ASSERT_TRUE(l.submit(ask(200, 2, "default", 1, /*priority=*/0), 1).ok());
  ASSERT_TRUE(l.submit(ask(300, 3, "default", 1, /*priority=*/5), 2).ok());
  EXPECT_TRUE(l.schedule(3).empty());
  ASSERT_TRUE(l.release(leases_of(l, 100)[0]).ok());
  auto g = l.schedule(4);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].holder, 300u);  // later, but higher priority
  EXPECT_EQ(g[0].priority, 5);
  ASSERT_TRUE(l.release(g[0].id).ok());
  g = l.schedule(5);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].holder, 200u);
}

TEST(GrantOrder, PriorityBeatsQueueShare) {
  // Queue b is far over queue a's share, but its request has the priority.
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {4, 64 * kMiB}).ok());
  ASSERT_TRUE(l.add_queue(qc("a", 1)).ok());
  ASSERT_TRUE(l.add_queue(qc("b", 1)).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "b", 3), 0).ok());
  ASSERT_EQ(l.schedule(0).size(), 3u);
  ASSERT_TRUE(l.submit(ask(200, 2, "a", 1, 0), 1).ok());
  ASSERT_TRUE(l.submit(ask(300, 3, "b", 1, 1), 2).ok());
  auto g = l.schedule(3);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].holder, 300u);
}

// Queue a: tiny weight, guaranteed 2 slots, holds 1 (share 2.5). Queue b:
// weight 1, holds 2 (share 0.5). One slot free; b's request arrived first.
struct min_setup {
  ledger l;
  explicit min_setup(capacity a_min, int a_priority = 0, int b_priority = 0) {
    EXPECT_TRUE(l.add_node(node_id{1}, {4, 64 * kMiB}).ok());
    EXPECT_TRUE(l.add_queue(qc("a", 0.1, a_min)).ok());
    EXPECT_TRUE(l.add_queue(qc("b", 1)).ok());
    EXPECT_TRUE(l.submit(ask(200, 2, "b", 2), 0).ok());
    EXPECT_TRUE(l.submit(ask(100, 1, "a", 1), 0).ok());
    EXPECT_EQ(l.schedule(0).size(), 3u);
    EXPECT_TRUE(l.submit(ask(201, 2, "b", 1, b_priority), 1).ok());
    EXPECT_TRUE(l.submit(ask(101, 1, "a", 1, a_priority), 2).ok());
  }
  uint64_t next_holder() {
    auto g = l.schedule(3);
    EXPECT_EQ(g.size(), 1u);
    return g.empty() ? 0 : g[0].holder;
  }
};

TEST(GrantOrder, LowestWeightedShareFirst) { EXPECT_EQ(min_setup({}).next_holder(), 201u); }

TEST(GrantOrder, UnderMinimumBeforeLowerShare) {
  EXPECT_EQ(min_setup({2, 0}).next_holder(), 101u);
  // Memory minimum: under it while below in every resource it names.
  EXPECT_EQ(min_setup({0, 2 * kMiB}).next_holder(), 101u);
  EXPECT_EQ(min_setup({2, 2 * kMiB}).next_holder(), 101u);
  // At its minimum in one named resource: no longer owed.
  EXPECT_EQ(min_setup({1, 8 * kMiB}).next_holder(), 201u);
}

TEST(GrantOrder, PriorityBeatsMinimum) {
  EXPECT_EQ(min_setup({2, 0}, /*a_priority=*/0, /*b_priority=*/1).next_holder(), 201u);
}

TEST(GrantOrder, ArrivalBreaksTies) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {1, 8 * kMiB}).ok());
  ASSERT_TRUE(l.add_queue(qc("a", 1)).ok());
  ASSERT_TRUE(l.add_queue(qc("b", 1)).ok());
  ASSERT_TRUE(l.submit(ask(200, 2, "b", 1), 0).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "a", 1), 1).ok());
  auto g = l.schedule(2);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].holder, 200u);
}

// ------------------------------------------------------------ fair share

TEST(FairShare, WeightsOneToThreeSplitASaturatedCluster) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {4, 64 * kMiB}).ok());
  ASSERT_TRUE(l.add_node(node_id{2}, {4, 64 * kMiB}).ok());
  ASSERT_TRUE(l.add_queue(qc("a", 1)).ok());
  ASSERT_TRUE(l.add_queue(qc("b", 3)).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "a", 8), 0).ok());
  ASSERT_TRUE(l.submit(ask(200, 2, "b", 8), 0).ok());
  ASSERT_EQ(l.schedule(0).size(), 8u);
  EXPECT_EQ(held_by_queue(l, "a"), 2);
  EXPECT_EQ(held_by_queue(l, "b"), 6);
}

TEST(FairShare, IdleShareGoesToWhoeverAsks) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {8, 64 * kMiB}).ok());
  ASSERT_TRUE(l.add_queue(qc("a", 1)).ok());
  ASSERT_TRUE(l.add_queue(qc("b", 3)).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "a", 8), 0).ok());
  ASSERT_TRUE(l.submit(ask(200, 2, "b", 1), 0).ok());
  ASSERT_EQ(l.schedule(0).size(), 8u);
  EXPECT_EQ(held_by_queue(l, "a"), 7);
  EXPECT_EQ(held_by_queue(l, "b"), 1);
}

TEST(FairShare, OneToThreeSlotTimeConvergesUnderChurn) {
  // Two saturated queues, leases of random lengths: the slot-time each gets
  // converges to the weights' 1:3.
  std::mt19937_64 rng(11);
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {4, 64 * kMiB}).ok());
  ASSERT_TRUE(l.add_node(node_id{2}, {4, 64 * kMiB}).ok());
  ASSERT_TRUE(l.add_queue(qc("a", 1)).ok());
  ASSERT_TRUE(l.add_queue(qc("b", 3)).ok());
  std::map<lease_id, int64_t> ends;
  std::map<std::string, int64_t> slot_time;
  uint64_t next_holder = 1000;
  for (int64_t t = 0; t < 5000; ++t) {
    for (auto it = ends.begin(); it != ends.end();) {
      if (it->second <= t) {
        ASSERT_TRUE(l.release(it->first).ok());
        it = ends.erase(it);
      } else {
        ++it;
      }
    }
    for (const char* q : {"a", "b"}) {
      const uint64_t program = q[0] == 'a' ? 1 : 2;
      while (l.queue(q)->requests < 8)
        ASSERT_TRUE(l.submit(ask(next_holder++, program, q, 2), t).ok());
    }
    for (const lease& g : l.schedule(t)) ends[g.id] = t + static_cast<int64_t>(rng() % 8 + 1);
    ASSERT_EQ(l.total_free().slots, 0);  // saturated
    for (const auto& [id, x] : l.leases()) ++slot_time[x.queue];
  }
  const double ratio = static_cast<double>(slot_time["b"]) / static_cast<double>(slot_time["a"]);
  EXPECT_NEAR(ratio, 3.0, 0.15) << slot_time["a"] << " vs " << slot_time["b"];
  EXPECT_TRUE(l.check().ok());
}

TEST(FairShare, DominantResourceCountsMemory) {
  // 10 slots, 20 GiB. a's leases take 4 GiB (a fifth of the memory, a tenth
  // of the slots): its dominant resource is memory. Equal weights equalize
  // dominant shares: a 4 leases (0.8 of memory), b 6 (0.6 of slots, next
  // would pass a). By slots alone it would be 5:5.
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {10, 20 * kGiB}).ok());
  ASSERT_TRUE(l.add_queue(qc("a", 1)).ok());
  ASSERT_TRUE(l.add_queue(qc("b", 1)).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "a", 10, 0, 1, 4 * kGiB), 0).ok());
  ASSERT_TRUE(l.submit(ask(200, 2, "b", 10, 0, 1, 0), 0).ok());
  ASSERT_EQ(l.schedule(0).size(), 10u);
  EXPECT_EQ(held_by_queue(l, "a"), 4);
  EXPECT_EQ(held_by_queue(l, "b"), 6);
  EXPECT_DOUBLE_EQ(l.queue("a")->share, 0.8);
  EXPECT_DOUBLE_EQ(l.queue("b")->share, 0.6);
}

// --------------------------------------------------------- caps, minimum

TEST(Caps, NeverExceededAndDoNotBlockOtherQueues) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {8, 64 * kMiB}).ok());
  ASSERT_TRUE(l.add_queue(qc("a", 10, {}, {2, kUnlimited})).ok());
  ASSERT_TRUE(l.add_queue(qc("m", 10, {}, {kUnlimited, 3 * kMiB})).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "a", 5), 0).ok());
  ASSERT_TRUE(l.submit(ask(101, 1, "a", 5), 0).ok());
  ASSERT_TRUE(l.submit(ask(300, 3, "m", 5), 0).ok());
  ASSERT_TRUE(l.submit(ask(200, 2, "default", 3), 0).ok());
  ASSERT_EQ(l.schedule(0).size(), 8u);
  EXPECT_EQ(held_by_queue(l, "a"), 2);  // despite the highest weight
  EXPECT_EQ(held_by_queue(l, "m"), 3);  // 3 MiB of 1 MiB leases
  EXPECT_EQ(held_by_queue(l, "default"), 3);
  // Capacity frees, but a and m stay at their caps.
  for (auto id : leases_of(l, 200)) ASSERT_TRUE(l.release(id).ok());
  ASSERT_EQ(l.schedule(1).size(), 0u);
  EXPECT_EQ(l.queue("a")->used.slots, 2);
  EXPECT_EQ(l.queue("m")->used.memory, 3 * kMiB);
  // Raising the cap lets the queue grow.
  ASSERT_TRUE(l.update_queue(qc("a", 10, {}, {3, kUnlimited})).ok());
  ASSERT_EQ(l.schedule(2).size(), 1u);
  EXPECT_EQ(held_by_queue(l, "a"), 3);
  EXPECT_TRUE(l.check().ok());
}

TEST(Caps, RequestsOfACappedQueueDoNotOvertakeEachOther) {
  // a: cap 3, holds 2. Its first request needs a gang of 2 (over the cap for
  // now), its second just 1: the second must not take the headroom.
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {8, 64 * kMiB}).ok());
  ASSERT_TRUE(l.add_queue(qc("a", 1, {}, {3, kUnlimited})).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "a", 2), 0).ok());
  ASSERT_EQ(l.schedule(0).size(), 2u);
  ASSERT_TRUE(l.submit(ask(101, 1, "a", 2, 0, 2), 1).ok());
  ASSERT_TRUE(l.submit(ask(102, 1, "a", 1), 2).ok());
  ASSERT_TRUE(l.submit(ask(200, 2, "default", 1), 3).ok());
  auto g = l.schedule(4);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].holder, 200u);
  ASSERT_TRUE(l.release(leases_of(l, 100)[0]).ok());
  g = l.schedule(5);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].holder, 101u);
  EXPECT_EQ(g[1].holder, 101u);
}

TEST(Minimum, GuaranteedThenFairShare) {
  // b holds the whole cluster's free capacity as it frees; a (weight 1, min
  // 3 slots) is served first until it holds 3, then they alternate by share.
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {8, 64 * kMiB}).ok());
  ASSERT_TRUE(l.add_queue(qc("a", 1, {3, 0})).ok());
  ASSERT_TRUE(l.add_queue(qc("b", 8)).ok());
  ASSERT_TRUE(l.submit(ask(200, 2, "b", 8), 0).ok());
  ASSERT_EQ(l.schedule(0).size(), 8u);
  ASSERT_TRUE(l.submit(ask(100, 1, "a", 8), 1).ok());
  ASSERT_TRUE(l.submit(ask(201, 2, "b", 8), 1).ok());
  auto ids = leases_of(l, 200);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(l.release(ids[static_cast<size_t>(i)]).ok());
    (void)l.schedule(2 + i);
  }
  // Under its minimum a beats b, whose weight makes its share far lower;
  // once at 3, b's share (0.5 / 8) wins the 4th.
  EXPECT_EQ(held_by_queue(l, "a"), 3);
  EXPECT_EQ(held_by_queue(l, "b"), 5);
}

// ------------------------------------------------------------ gang start

TEST(Gang, NothingUntilTheMinimumFitsThenGrows) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {2, 64 * kMiB}).ok());
  ASSERT_TRUE(l.add_node(node_id{2}, {2, 64 * kMiB}).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "default", 3), 0).ok());
  ASSERT_EQ(l.schedule(0).size(), 3u);
  auto gang = l.submit(ask(200, 2, "default", 4, 0, /*min_want=*/2), 1);
  ASSERT_TRUE(gang.ok());
  ASSERT_TRUE(l.submit(ask(300, 3, "default", 1), 2).ok());
  EXPECT_TRUE(l.schedule(3).empty());
  EXPECT_EQ(l.granted(*gang), 0);
  // The free slot is not given to the later 1-slot request: no overtaking,
  // the capacity accumulates for the gang.
  EXPECT_EQ(l.total_free().slots, 1);
  auto held = leases_of(l, 100);
  ASSERT_TRUE(l.release(held[0]).ok());
  auto g = l.schedule(4);
  ASSERT_EQ(g.size(), 2u);  // both at once
  EXPECT_EQ(g[0].holder, 200u);
  EXPECT_EQ(g[1].holder, 200u);
  EXPECT_EQ(l.granted(*gang), 2);
  // Then it grows one lease at a time as capacity frees.
  ASSERT_TRUE(l.release(held[1]).ok());
  g = l.schedule(5);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].holder, 200u);
  ASSERT_TRUE(l.release(held[2]).ok());
  g = l.schedule(6);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].holder, 200u);
  EXPECT_FALSE(l.granted(*gang).has_value());  // got its 4: left the queue
  EXPECT_EQ(held_by_holder(l, 200), 4);
  EXPECT_TRUE(l.check().ok());
}

TEST(Gang, ThatCanNeverFitIsSkippedNotBlocking) {
  // 4 slots but 4 MiB: three leases of 2 MiB can never be placed at once.
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {4, 4 * kMiB}).ok());
  auto gang = l.submit(ask(100, 1, "default", 3, 0, 3, 2 * kMiB), 0);
  ASSERT_TRUE(gang.ok());
  ASSERT_TRUE(l.submit(ask(200, 2, "default", 1), 1).ok());
  auto g = l.schedule(2);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].holder, 200u);
  EXPECT_EQ(l.granted(*gang), 0);
  // A bigger node joins: now it starts.
  ASSERT_TRUE(l.add_node(node_id{2}, {4, 8 * kMiB}).ok());
  g = l.schedule(3);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(held_by_holder(l, 100), 3);
}

TEST(Gang, ShrinkingBelowTheMinimumShrinksTheGang) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {2, 64 * kMiB}).ok());
  auto gang = l.submit(ask(100, 1, "default", 4, 0, 4), 0);
  ASSERT_TRUE(gang.ok());
  EXPECT_TRUE(l.schedule(1).empty());
  l.shrink_request(100, 2);
  EXPECT_EQ(l.schedule(2).size(), 2u);
  EXPECT_TRUE(l.check().ok());
}

// ------------------------------------------------------------- admission

TEST(Admission, ProgramsBeyondTheBoundAreRejectedAtOnce) {
  ledger l;
  ASSERT_TRUE(l.add_queue(qc("etl", 1, {}, {kUnlimited, kUnlimited}, 8)).ok());
  for (uint64_t p = 1; p <= 8; ++p) ASSERT_TRUE(l.submit(ask(p * 100, p, "etl", 1), 0).ok());
  auto s = l.submit(ask(900, 9, "etl", 1), 1);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.status().message(), "queue \"etl\" is full: 8 programs waiting (max-waiting 8)");
  EXPECT_EQ(l.queued(), 8u);  // never queued
  EXPECT_EQ(l.queue("etl")->waiting_programs, 8);
  // An admitted program's further requests are not turned away.
  ASSERT_TRUE(l.submit(ask(101, 1, "etl", 1), 1).ok());
  // Once programs start, they no longer wait: room for new ones.
  ASSERT_TRUE(l.add_node(node_id{1}, {2, 64 * kMiB}).ok());
  ASSERT_EQ(l.schedule(2).size(), 2u);  // programs 1 and 2, in arrival order
  EXPECT_EQ(l.queue("etl")->waiting_programs, 6);
  ASSERT_TRUE(l.submit(ask(900, 9, "etl", 1), 3).ok());
  ASSERT_TRUE(l.submit(ask(1000, 10, "etl", 1), 3).ok());
  EXPECT_EQ(l.submit(ask(1100, 11, "etl", 1), 3).status().message(),
            "queue \"etl\" is full: 8 programs waiting (max-waiting 8)");
  // A program that ends leaves room too.
  l.drop_program(program_id{3});
  EXPECT_EQ(l.queue("etl")->waiting_programs, 7);
  EXPECT_TRUE(l.submit(ask(1100, 11, "etl", 1), 4).ok());
  // Other queues are not affected.
  EXPECT_TRUE(l.submit(ask(1200, 12, "default", 1), 4).ok());
  EXPECT_TRUE(l.check().ok());
}

TEST(Admission, ZeroClosesTheQueueAndSingularReadsRight) {
  ledger l;
  ASSERT_TRUE(l.add_queue(qc("closed", 1, {}, {kUnlimited, kUnlimited}, 0)).ok());
  EXPECT_EQ(l.submit(ask(100, 1, "closed", 1), 0).status().message(),
            "queue \"closed\" is full: 0 programs waiting (max-waiting 0)");
  ASSERT_TRUE(l.add_queue(qc("one", 1, {}, {kUnlimited, kUnlimited}, 1)).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "one", 1), 0).ok());
  EXPECT_EQ(l.submit(ask(200, 2, "one", 1), 0).status().message(),
            "queue \"one\" is full: 1 program waiting (max-waiting 1)");
}

// ---------------------------------------------------------------- aging

// One slot, turned over every tick. A low-priority request arrives at t=0
// behind a stream of high-priority ones (one more every tick). Returns the
// tick it is granted, or -1.
int64_t low_priority_granted_at(int64_t age_bound, int64_t horizon) {
  ledger l(ledger_options{age_bound});
  EXPECT_TRUE(l.add_node(node_id{1}, {1, 64 * kMiB}).ok());
  EXPECT_TRUE(l.submit(ask(1, 1, "default", 1, 9), 0).ok());
  EXPECT_EQ(l.schedule(0).size(), 1u);
  EXPECT_TRUE(l.submit(ask(2, 2, "default", 1, 0), 0).ok());
  for (int64_t t = 1; t <= horizon; ++t) {
    const uint64_t p = static_cast<uint64_t>(t) + 10;
    EXPECT_TRUE(l.submit(ask(p, p, "default", 1, 9), t).ok());
    EXPECT_TRUE(l.release(l.leases().begin()->first).ok());
    auto g = l.schedule(t);
    EXPECT_EQ(g.size(), 1u);
    if (!g.empty() && g[0].holder == 2) return t;
    EXPECT_TRUE(l.check().ok());
  }
  return -1;
}

TEST(Aging, LowPriorityIsServedUnderAStreamOfHighPriority) {
  // Without aging (a bound beyond the horizon) it starves...
  EXPECT_EQ(low_priority_granted_at(1'000'000, 1000), -1);
  // ...with it, it is served as soon as it is overdue and a slot frees:
  // within age_bound plus one lease's length.
  const int64_t at = low_priority_granted_at(100, 1000);
  EXPECT_GE(at, 100);
  EXPECT_LE(at, 101);
}

TEST(Aging, OverdueRequestsGoInArrivalOrderAndReserve) {
  ledger l(ledger_options{10});
  ASSERT_TRUE(l.add_node(node_id{1}, {2, 64 * kMiB}).ok());
  ASSERT_TRUE(l.submit(ask(1, 1, "default", 2, 9), 0).ok());
  ASSERT_EQ(l.schedule(0).size(), 2u);
  ASSERT_TRUE(l.submit(ask(2, 2, "default", 2, 0, /*min_want=*/2), 1).ok());  // gang, low
  ASSERT_TRUE(l.submit(ask(3, 3, "default", 1, 1), 2).ok());
  ASSERT_TRUE(l.submit(ask(4, 4, "default", 1, 9), 20).ok());  // high, young
  // Both early ones are overdue at t=20: the gang goes first, and while it
  // does not fit, the free slot is held for it rather than given away.
  auto held = leases_of(l, 1);
  ASSERT_TRUE(l.release(held[0]).ok());
  EXPECT_TRUE(l.schedule(20).empty());
  ASSERT_TRUE(l.release(held[1]).ok());
  auto g = l.schedule(21);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].holder, 2u);
  EXPECT_EQ(g[1].holder, 2u);
  for (const auto& x : g) ASSERT_TRUE(l.release(x.id).ok());
  g = l.schedule(22);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].holder, 3u);  // overdue, before the young high-priority one
  EXPECT_EQ(g[1].holder, 4u);
}

TEST(Aging, StartedRequestsDoNotAge) {
  // An elastic request that started keeps growing by the normal order only.
  ledger l(ledger_options{10});
  ASSERT_TRUE(l.add_node(node_id{1}, {2, 64 * kMiB}).ok());
  ASSERT_TRUE(l.submit(ask(1, 1, "default", 5, 0), 0).ok());
  ASSERT_EQ(l.schedule(0).size(), 2u);
  ASSERT_TRUE(l.submit(ask(2, 2, "default", 1, 9), 100).ok());
  ASSERT_TRUE(l.release(leases_of(l, 1)[0]).ok());
  auto g = l.schedule(100);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].holder, 2u);
}

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

// ----------------------------------------------------------- properties

TEST(QueuePolicy, InvariantsHoldOverRandomSequences) {
  std::mt19937_64 rng(42);
  auto pick = [&](int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
  const std::vector<std::string> names = {"default", "a", "b", "c"};
  auto random_config = [&](const std::string& name) {
    queue_config q;
    q.name = name;
    q.weight = 0.5 + static_cast<double>(pick(8)) / 2;
    if (pick(3) == 0) q.minimum = capacity{pick(4), pick(2) * kMiB * pick(6)};
    if (pick(3) == 0) q.cap = capacity{q.minimum.slots + pick(6), kUnlimited};
    if (pick(4) == 0) q.cap.memory = std::max(q.minimum.memory, pick(12) * kMiB);
    if (pick(3) == 0) q.max_waiting = pick(5);
    return q;
  };
  size_t rejected = 0, granted_total = 0, hinted = 0;
  for (int round = 0; round < 30; ++round) {
    ledger l(ledger_options{pick(200)});
    int64_t now = 0;
    for (uint64_t n = 1; n <= 3; ++n)
      ASSERT_TRUE(l.add_node(node_id{n}, {pick(4) + 1, (pick(16) + 1) * kMiB}).ok());
    for (size_t i = 1; i < names.size(); ++i)
      ASSERT_TRUE(l.add_queue(random_config(names[i])).ok());
    for (int step = 0; step < 400; ++step) {
      now += pick(20);
      const uint64_t program = static_cast<uint64_t>(pick(10) + 1);
      const uint64_t holder = program * 100 + static_cast<uint64_t>(pick(3));
      switch (pick(14)) {
        case 0:
        case 1:
        case 2: {
          const int64_t want = pick(4) + 1;
          // Mostly the program's own queue; sometimes another (rejected).
          const size_t q = pick(8) == 0 ? static_cast<size_t>(pick(4)) : program % 4;
          auto r = ask(holder, program, names[q], want, static_cast<int>(pick(3)), pick(want) + 1,
                       pick(4) * kMiB);
          if (!l.submit(r, now).ok()) ++rejected;
          break;
        }
        case 3:
        case 4: {
          auto g = l.schedule(now);
          granted_total += g.size();
          // Caps are never exceeded by a grant.
          for (const lease& x : g) {
            auto q = l.queue(x.queue);
            ASSERT_TRUE(q.has_value());
            EXPECT_TRUE(fits_within(q->used, 0, 0, q->config.cap)) << x.queue;
          }
          break;
        }
        case 5:
          if (!l.leases().empty()) {
            auto it = l.leases().begin();
            std::advance(it, pick(static_cast<int64_t>(l.leases().size())));
            ASSERT_TRUE(l.release(it->first).ok());
          }
          break;
        case 6:
          l.drop_holder(holder);
          break;
        case 7:
          if (pick(3) == 0) l.drop_program(program_id{program});
          break;
        case 8:
          if (!l.leases().empty()) {
            const lease& x = l.leases().rbegin()->second;
            ASSERT_TRUE(
                l.transfer(x.id, x.program.value * 100 + static_cast<uint64_t>(pick(3)), 1).ok());
          }
          break;
        case 9:
          l.shrink_request(holder, pick(3));
          break;
        case 10: {
          const std::string& name = names[static_cast<size_t>(pick(4))];
          if (!l.queue(name)) {
            ASSERT_TRUE(l.add_queue(random_config(name)).ok());
          } else if (pick(4) == 0 && name != "default") {
            auto before = l.queue(name);
            const bool has_work = before->requests > 0 || before->used.slots > 0;
            auto s = l.remove_queue(name);
            // Refused exactly when it has work.
            EXPECT_EQ(s.ok(), !has_work) << s.message();
            EXPECT_EQ(l.queue(name).has_value(), has_work);
          } else {
            ASSERT_TRUE(l.update_queue(random_config(name)).ok());
          }
          break;
        }
        case 11: {
          const node_id n{static_cast<uint64_t>(pick(4) + 1)};
          switch (pick(3)) {
            case 0:
              (void)l.add_node(n, {pick(5), pick(16) * kMiB});
              break;
            case 1:
              (void)l.set_draining(n, pick(2) == 0);
              break;
            case 2:
              if (pick(3) == 0) l.remove_node(n);
              break;
          }
          break;
        }
        case 12:
        case 13: {
          const auto leases_before = l.leases().size();
          const auto queued_before = l.queued();
          const capacity free_before = l.total_free();
          auto hints = l.preemption_hints(now);
          // A pure function of the state...
          EXPECT_EQ(l.leases().size(), leases_before);
          EXPECT_EQ(l.queued(), queued_before);
          EXPECT_EQ(l.total_free(), free_before);
          // ...that asks only what holders hold.
          std::map<uint64_t, int64_t> asked;
          for (const auto& h : hints) {
            EXPECT_GT(h.leases, 0);
            asked[h.holder] += h.leases;
          }
          for (const auto& [h, n] : asked) EXPECT_LE(n, held_by_holder(l, h));
          hinted += hints.size();
          break;
        }
      }
      ASSERT_TRUE(l.check().ok()) << l.check().message();
      // The books, recomputed from the leases.
      for (const auto& q : l.queues()) {
        capacity used{};
        for (const auto& [id, x] : l.leases())
          if (x.queue == q.config.name) used = capacity{used.slots + 1, used.memory + x.memory};
        EXPECT_EQ(q.used, used) << q.config.name;
      }
      capacity leased{};
      for (const auto& [id, x] : l.leases())
        leased = capacity{leased.slots + 1, leased.memory + x.memory};
      EXPECT_EQ(l.total_free().slots + leased.slots, l.total_registered().slots);
      EXPECT_EQ(l.total_free().memory + leased.memory, l.total_registered().memory);
    }
    // Liveness: with the caps lifted and a node big enough for any gang,
    // every waiting request is granted as leases keep coming back.
    for (const auto& q : l.queues()) {
      queue_config c = q.config;
      c.cap = capacity{kUnlimited, kUnlimited};
      ASSERT_TRUE(l.update_queue(c).ok());
    }
    for (const auto& [n, st] : l.nodes()) ASSERT_TRUE(l.set_draining(n, false).ok());
    ASSERT_TRUE(l.add_node(node_id{99}, {16, 64 * kMiB}).ok());
    for (int i = 0; i < 100; ++i) {
      std::vector<lease_id> ids;
      for (const auto& [id, x] : l.leases()) ids.push_back(id);
      for (auto id : ids) ASSERT_TRUE(l.release(id).ok());
      if (l.queued() == 0) break;
      (void)l.schedule(++now);
      ASSERT_TRUE(l.check().ok()) << l.check().message();
    }
    EXPECT_EQ(l.queued(), 0u);
    EXPECT_EQ(l.total_free(), l.total_registered());
  }
  // The sequences did exercise rejection, grants and hints.
  EXPECT_GT(rejected, 0u);
  EXPECT_GT(granted_total, 100u);
  EXPECT_GT(hinted, 0u);
}

}  // namespace
}  // namespace tranche
