// The ledger's indexes: the node index (placement and totals) against the
// walks over every node it replaces, and the leases' yield order.
#include "sched/node_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "sched/yield_order.h"

namespace tranche {
namespace {

constexpr int64_t kMiB = 1 << 20;

// What the index answers, by walking every node (the ledger's former code).
std::optional<node_id> most_free_walk(const std::map<node_id, node_state>& nodes, int64_t memory) {
  std::optional<node_id> best;
  int64_t best_free = 0;
  for (const auto& [id, st] : nodes) {
    if (st.draining || st.free.slots <= 0 || st.free.memory < memory) continue;
    if (!best || st.free.slots > best_free) {
      best = id;
      best_free = st.free.slots;
    }
  }
  return best;
}

int64_t fit_count_walk(const std::map<node_id, node_state>& nodes, int64_t memory,
                       bool registered) {
  int64_t n = 0;
  for (const auto& [id, st] : nodes) {
    if (st.draining) continue;
    const capacity& c = registered ? st.registered : st.free;
    int64_t k = c.slots;
    if (memory > 0) k = std::min(k, c.memory / memory);
    if (k > 0) n += k;
  }
  return n;
}

capacity total_free_walk(const std::map<node_id, node_state>& nodes) {
  capacity c;
  for (const auto& [id, st] : nodes)
    c = capacity{c.slots + st.free.slots, c.memory + st.free.memory};
  return c;
}

// The index's answers agree with the walks: the same node, and the same
// verdict on "do `enough` fit" for every `enough`.
void expect_agrees(const node_index& x, const std::map<node_id, node_state>& nodes,
                   int64_t memory) {
  EXPECT_EQ(x.most_free(memory), most_free_walk(nodes, memory)) << "memory " << memory;
  for (bool registered : {false, true}) {
    const int64_t all = fit_count_walk(nodes, memory, registered);
    for (int64_t enough = 1; enough <= all + 2; ++enough) {
      const int64_t n = x.fit_count(memory, registered, enough);
      EXPECT_EQ(n >= enough, all >= enough) << "memory " << memory << " enough " << enough;
      if (all < enough) {
        EXPECT_EQ(n, all);
      }
    }
  }
}

TEST(NodeIndex, MostFreeSlotsThatFitTheMemoryLowestIdOnTies) {
  node_index x;
  const std::map<node_id, node_state> nodes = {
      {node_id{1}, {{8, 64 * kMiB}, {2, 64 * kMiB}, false}},
      {node_id{2}, {{8, 64 * kMiB}, {6, 4 * kMiB}, false}},  // most slots, little memory
      {node_id{3}, {{8, 64 * kMiB}, {4, 32 * kMiB}, false}},
      {node_id{4}, {{8, 64 * kMiB}, {4, 32 * kMiB}, false}},  // ties with 3
      {node_id{5}, {{8, 64 * kMiB}, {8, 64 * kMiB}, true}},   // draining
  };
  for (const auto& [n, st] : nodes) x.update(n, nullptr, &st);
  EXPECT_EQ(x.most_free(kMiB), node_id{2});
  EXPECT_EQ(x.most_free(8 * kMiB), node_id{3});
  EXPECT_EQ(x.most_free(40 * kMiB), node_id{1});
  EXPECT_EQ(x.most_free(65 * kMiB), std::nullopt);
  // Free: 2 + 0 (4 MiB left) + 4 + 4 leases of 8 MiB; registered: 4 nodes x 8.
  EXPECT_EQ(x.fit_count(8 * kMiB, false, 100), 10);
  EXPECT_EQ(x.fit_count(8 * kMiB, true, 100), 32);
  EXPECT_GE(x.fit_count(0, false, 3), 3);
  // Totals count the draining node too.
  EXPECT_EQ(x.total_registered(), (capacity{40, 320 * kMiB}));
  EXPECT_EQ(x.total_free(), (capacity{24, 196 * kMiB}));
}

TEST(NodeIndex, AgreesWithWalkingEveryNodeOverRandomChanges) {
  std::mt19937_64 rng(7);
  auto pick = [&](int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
  for (int round = 0; round < 20; ++round) {
    node_index x;
    std::map<node_id, node_state> nodes;
    for (int step = 0; step < 300; ++step) {
      const node_id n{static_cast<uint64_t>(pick(40) + 1)};
      auto it = nodes.find(n);
      const node_state* before = it == nodes.end() ? nullptr : &it->second;
      if (before != nullptr && pick(10) == 0) {
        x.update(n, before, nullptr);
        nodes.erase(it);
      } else {
        node_state st;
        st.registered = capacity{pick(9), pick(65) * kMiB};
        st.free =
            capacity{pick(st.registered.slots + 1), pick(st.registered.memory / kMiB + 1) * kMiB};
        st.draining = pick(6) == 0;
        x.update(n, before, &st);
        nodes[n] = st;
      }
      expect_agrees(x, nodes, pick(4) == 0 ? 0 : pick(20) * kMiB);
    }
    // The same index built afresh compares equal.
    node_index fresh;
    for (const auto& [n, st] : nodes) fresh.update(n, nullptr, &st);
    EXPECT_TRUE(fresh == x);
  }
}

TEST(NodeIndex, OverlayReadsAsItsBaseWithTheChangesAndLeavesTheBase) {
  std::mt19937_64 rng(11);
  auto pick = [&](int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
  node_index base;
  std::map<node_id, node_state> nodes;
  for (uint64_t n = 1; n <= 30; ++n) {
    node_state st{{8, 32 * kMiB}, {pick(9), pick(33) * kMiB}, pick(8) == 0};
    base.update(node_id{n}, nullptr, &st);
    nodes[node_id{n}] = st;
  }
  const std::map<node_id, node_state> base_nodes = nodes;
  node_index over = node_index::over(base);
  for (int step = 0; step < 200; ++step) {
    const node_id n{static_cast<uint64_t>(pick(30) + 1)};
    node_state st = nodes.at(n);
    st.free = capacity{pick(9), pick(33) * kMiB};
    over.update(n, &nodes.at(n), &st);
    nodes[n] = st;
    const int64_t memory = pick(12) * kMiB;
    expect_agrees(over, nodes, memory);
    EXPECT_EQ(over.total_free(), total_free_walk(nodes));
    expect_agrees(base, base_nodes, memory);
  }
}

// (priority, lease) of one queue's walk.
std::vector<std::pair<int, uint64_t>> walked(yield_order::walk w) {
  std::vector<std::pair<int, uint64_t>> out;
  for (; !w.done(); w.next()) out.emplace_back(w.priority(), w.lease().value);
  return out;
}

TEST(YieldOrder, LowestPriorityThenNewestFirstPerQueue) {
  yield_order y;
  y.add("a", 1, lease_id{1});
  y.add("b", 0, lease_id{2});
  y.add("a", 0, lease_id{3});
  y.add("a", 1, lease_id{4});
  y.add("a", 0, lease_id{5});
  auto walks = y.walks();
  ASSERT_EQ(walks.size(), 2u);
  EXPECT_EQ(walks[0].queue(), "a");
  EXPECT_EQ(walked(walks[0]),
            (std::vector<std::pair<int, uint64_t>>{{0, 5}, {0, 3}, {1, 4}, {1, 1}}));
  EXPECT_EQ(walked(walks[1]), (std::vector<std::pair<int, uint64_t>>{{0, 2}}));
  y.remove("a", 0, lease_id{5});
  y.remove("a", 1, lease_id{1});
  y.remove("a", 1, lease_id{1});  // twice: no effect
  y.remove("b", 0, lease_id{2});
  walks = y.walks();
  ASSERT_EQ(walks.size(), 1u);  // "b" holds nothing
  EXPECT_EQ(walked(walks[0]), (std::vector<std::pair<int, uint64_t>>{{0, 3}, {1, 4}}));
  EXPECT_TRUE(y.well_formed());
}

TEST(YieldOrder, MarkingAndCompactingKeepTheOrder) {
  std::mt19937_64 rng(3);
  yield_order y;
  std::set<std::tuple<std::string, int, uint64_t>> held;
  const std::vector<std::string> queues = {"a", "b", "c"};
  uint64_t next = 1;
  for (int step = 0; step < 5000; ++step) {
    if (held.empty() || rng() % 3 != 0) {
      const std::string& q = queues[rng() % queues.size()];
      const int priority = static_cast<int>(rng() % 3);
      y.add(q, priority, lease_id{next});
      held.emplace(q, priority, next++);
    } else {
      auto it = held.begin();
      std::advance(it, static_cast<long>(rng() % held.size()));
      y.remove(std::get<0>(*it), std::get<1>(*it), lease_id{std::get<2>(*it)});
      held.erase(it);
    }
    ASSERT_TRUE(y.well_formed());
  }
  std::vector<std::tuple<std::string, int, lease_id>> expected;
  for (const auto& [q, p, id] : held) expected.emplace_back(q, p, lease_id{id});
  EXPECT_EQ(y.entries(), expected);
  for (const auto& w : y.walks()) {
    std::vector<std::pair<int, uint64_t>> want;
    for (const auto& [q, p, id] : held)
      if (q == w.queue()) want.emplace_back(p, id);
    // Lowest priority first, newest first within it.
    std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second > b.second;
    });
    EXPECT_EQ(walked(w), want) << w.queue();
  }
}

}  // namespace
}  // namespace tranche
