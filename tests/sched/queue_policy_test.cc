// The ledger's invariants over random operation sequences with queues,
// priorities, gangs, caps, node changes, transfers and hints.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "policy_test_util.h"

namespace tranche {
namespace {

using namespace policy_test;

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
          if (pick(2) == 0)
            l.shrink_request(holder, pick(3));
          else
            (void)l.grow_request(holder, pick(3));
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
