// The broker actor: grants to live holders, queues the rest in order, and
// reclaims the leases of a holder that dies or a program that ends.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "actors/broker.h"
#include "actors/executor.h"

namespace tranche {
namespace {

using namespace std::chrono_literals;

struct BrokerActor : ::testing::Test {
  BrokerActor() : sys(cfg) {
    broker = spawn_broker(sys);
    executor_config ec;
    ec.node = 1;
    ec.slots = 1;
    exec = spawn_executor(sys, ec);
    caf::anon_send(broker, register_atom::value, uint64_t{1}, int64_t{2}, int64_t{1} << 30, exec);
  }
  ~BrokerActor() override {
    caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(exec, caf::exit_reason::user_shutdown);
  }

  // A holder that reports every message to `sink`: (grant_atom, lease),
  // (refused_atom, why), (preempt_atom, leases, why), (revoke_atom, lease).
  lease_holder_actor holder(caf::actor sink) {
    return sys.spawn([sink](lease_holder_actor::pointer) -> lease_holder_actor::behavior_type {
      return {[sink](grant_atom, uint64_t lease, uint64_t, executor_actor) {
                caf::anon_send(sink, grant_atom::value, lease);
              },
              [sink](refused_atom, const std::string& why) {
                caf::anon_send(sink, refused_atom::value, why);
              },
              [sink](preempt_atom, int64_t leases, const std::string& why) {
                caf::anon_send(sink, preempt_atom::value, leases, why);
              },
              [sink](revoke_atom, uint64_t lease) {
                caf::anon_send(sink, revoke_atom::value, lease);
              }};
    });
  }

  static lease_ask ask(uint64_t program, int64_t want, int64_t memory,
                       const std::string& queue = kDefaultQueue, int32_t priority = 0) {
    lease_ask a;
    a.program = program;
    a.want = want;
    a.memory = memory;
    a.queue = queue;
    a.priority = priority;
    return a;
  }

  // Replaces the broker with one spawned with `options` (same node).
  void restart(broker_options options) {
    caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
    auto b = spawn_broker(sys, std::move(options));
    ASSERT_TRUE(b.ok()) << b.status().message();
    broker = *b;
    caf::anon_send(broker, register_atom::value, uint64_t{1}, int64_t{2}, int64_t{1} << 30, exec);
  }

  // A priority-0 holder reporting to `low` takes both slots (their leases in
  // low_leases), then a priority-5 holder reporting to `high` asks for one.
  std::pair<lease_holder_actor, lease_holder_actor> contest(caf::scoped_actor& low,
                                                            caf::scoped_actor& high) {
    auto hl = holder(caf::actor_cast<caf::actor>(low));
    auto hh = holder(caf::actor_cast<caf::actor>(high));
    caf::anon_send(broker, request_atom::value, hl, ask(1, 2, 1));
    low_leases = {next_grant(low), next_grant(low)};
    EXPECT_NE(low_leases[0], 0u);
    EXPECT_NE(low_leases[1], 0u);
    caf::anon_send(broker, request_atom::value, hh, ask(2, 1, 1, kDefaultQueue, 5));
    return {hl, hh};
  }

  // The contest's high holder got its lease; both holders stop.
  void expect_high_served(caf::scoped_actor& high, const lease_holder_actor& hl,
                          const lease_holder_actor& hh) {
    EXPECT_NE(next_grant(high), 0u);
    EXPECT_TRUE(eventually([](auto& t) { return t[4] == 2 && t[5] == 0; }));
    caf::anon_send_exit(hl, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(hh, caf::exit_reason::user_shutdown);
  }

  std::vector<int64_t> totals() {
    caf::scoped_actor self{sys};
    std::vector<int64_t> out;
    self->request(broker, 5s, ledger_atom::value)
        .receive([&](const std::vector<int64_t>& v) { out = v; }, [&](const caf::error&) {});
    return out;
  }

  // Polls the ledger until `pred` holds or 5 s pass.
  template <class Pred>
  bool eventually(Pred pred) {
    for (int i = 0; i < 500; ++i) {
      auto t = totals();
      if (t.size() == 6 && pred(t)) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  uint64_t next_grant(caf::scoped_actor& self) {
    uint64_t lease = 0;
    self->receive([&](grant_atom, uint64_t l) { lease = l; }, caf::after(5s) >> [] {});
    return lease;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  broker_actor broker;
  executor_actor exec;
  std::vector<uint64_t> low_leases;
};

TEST_F(BrokerActor, GrantsWhatIsFreeAndReclaimsFromADeadHolder) {
  caf::scoped_actor self{sys};
  auto h = holder(caf::actor_cast<caf::actor>(self));
  caf::anon_send(broker, request_atom::value, h, ask(7, 3, int64_t{1} << 20));
  EXPECT_NE(next_grant(self), 0u);
  EXPECT_NE(next_grant(self), 0u);
  // totals: registered slots, free slots, registered mem, free mem, leases, queued
  EXPECT_TRUE(eventually([](auto& t) { return t[1] == 0 && t[4] == 2 && t[5] == 1; }));
  caf::anon_send_exit(h, caf::exit_reason::kill);
  EXPECT_TRUE(
      eventually([](auto& t) { return t[1] == 2 && t[4] == 0 && t[5] == 0 && t[3] == t[2]; }));
}

// A request the ledger rejects is answered with the reason, never queued
// (a holder waiting for a grant that cannot come would hang its program).
TEST_F(BrokerActor, ARejectedRequestIsRefusedWithItsReason) {
  caf::scoped_actor self{sys};
  auto h = holder(caf::actor_cast<caf::actor>(self));
  caf::anon_send(broker, request_atom::value, h, ask(7, 2, int64_t{-1}));
  std::string why;
  self->receive([&](refused_atom, const std::string& w) { why = w; }, caf::after(5s) >> [] {});
  EXPECT_NE(why.find("memory"), std::string::npos) << why;
  EXPECT_TRUE(eventually([](auto& t) { return t[4] == 0 && t[5] == 0 && t[1] == t[0]; }));
}

TEST_F(BrokerActor, YieldedLeaseGoesToTheNextRequestInOrder) {
  caf::scoped_actor a{sys}, b{sys};
  auto ha = holder(caf::actor_cast<caf::actor>(a));
  auto hb = holder(caf::actor_cast<caf::actor>(b));
  caf::anon_send(broker, request_atom::value, ha, ask(1, 2, int64_t{1}));
  uint64_t l1 = next_grant(a);
  uint64_t l2 = next_grant(a);
  ASSERT_NE(l1, 0u);
  ASSERT_NE(l2, 0u);
  caf::anon_send(broker, request_atom::value, hb, ask(2, 1, int64_t{1}));
  EXPECT_TRUE(eventually([](auto& t) { return t[5] == 1; }));
  caf::anon_send(broker, yield_atom::value, l1);
  EXPECT_NE(next_grant(b), 0u);
  EXPECT_TRUE(eventually([](auto& t) { return t[4] == 2 && t[5] == 0; }));
  caf::anon_send_exit(ha, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(hb, caf::exit_reason::user_shutdown);
}

TEST_F(BrokerActor, EndingAProgramReclaimsItsLeasesAndRequests) {
  caf::scoped_actor self{sys};
  auto h = holder(caf::actor_cast<caf::actor>(self));
  caf::anon_send(broker, request_atom::value, h, ask(9, 5, int64_t{1}));
  EXPECT_NE(next_grant(self), 0u);
  EXPECT_NE(next_grant(self), 0u);
  caf::anon_send(broker, drop_atom::value, uint64_t{9});
  EXPECT_TRUE(eventually([](auto& t) { return t[1] == 2 && t[4] == 0 && t[5] == 0; }));
  caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
}

TEST_F(BrokerActor, TransferredLeaseSurvivesItsFirstHolder) {
  caf::scoped_actor a{sys}, b{sys};
  auto ha = holder(caf::actor_cast<caf::actor>(a));
  auto hb = holder(caf::actor_cast<caf::actor>(b));
  caf::anon_send(broker, request_atom::value, ha, ask(3, 1, int64_t{1}));
  uint64_t l = next_grant(a);
  ASSERT_NE(l, 0u);
  caf::anon_send(broker, transfer_atom::value, l, hb, int32_t{1});
  caf::anon_send_exit(ha, caf::exit_reason::kill);
  // The lease now belongs to hb: a's death must not free it.
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(eventually([](auto& t) { return t[4] == 1 && t[1] == 1; }));
  caf::anon_send_exit(hb, caf::exit_reason::kill);
  EXPECT_TRUE(eventually([](auto& t) { return t[4] == 0 && t[1] == 2; }));
}

// A higher-priority request makes the broker ask the lower-priority holder
// for leases back; the lease it gives back goes to the waiter.
TEST_F(BrokerActor, AsksALowerPriorityHolderToGiveBack) {
  caf::scoped_actor low{sys}, high{sys};
  auto [hl, hh] = contest(low, high);
  const uint64_t l1 = low_leases[0];
  int64_t asked = 0;
  std::string why;
  low->receive(
      [&](preempt_atom, int64_t n, const std::string& w) {
        asked = n;
        why = w;
      },
      caf::after(5s) >> [] {});
  EXPECT_EQ(asked, 1);
  EXPECT_NE(why.find("priority"), std::string::npos) << why;
  caf::anon_send(broker, yield_atom::value, l1);  // at its task boundary
  expect_high_served(high, hl, hh);
}

// A holder that does not give back within the grace period loses the lease.
TEST_F(BrokerActor, RevokesWhatIsNotGivenBackWithinTheGracePeriod) {
  broker_options o;
  o.preempt_grace_ms = 300;
  restart(o);
  caf::scoped_actor low{sys}, high{sys};
  const auto t0 = std::chrono::steady_clock::now();
  auto [hl, hh] = contest(low, high);
  bool asked = false;
  uint64_t revoked = 0;
  for (int i = 0; i < 2; ++i)
    low->receive([&](preempt_atom, int64_t, const std::string&) { asked = true; },
                 [&](revoke_atom, uint64_t l) { revoked = l; }, caf::after(5s) >> [] {});
  EXPECT_TRUE(asked);
  EXPECT_NE(revoked, 0u);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);  // not before the grace period
  expect_high_served(high, hl, hh);
}

// The whole-program policy keeps what it reserved: nobody is asked.
TEST_F(BrokerActor, WithoutPreemptionNobodyIsAsked) {
  broker_options o;
  o.preempt = false;
  restart(o);
  caf::scoped_actor low{sys}, high{sys};
  auto [hl, hh] = contest(low, high);
  bool asked = false;
  low->receive([&](preempt_atom, int64_t, const std::string&) { asked = true; },
               caf::after(400ms) >> [] {});
  EXPECT_FALSE(asked);
  caf::anon_send_exit(hl, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(hh, caf::exit_reason::user_shutdown);
}

TEST_F(BrokerActor, QueuesAreConfiguredAtStartAndChangedAtRunTime) {
  broker_options o;
  o.queues.push_back(queue_config{"etl", 2.0, {}, {kUnlimited, kUnlimited}, 0});
  restart(o);
  caf::scoped_actor self{sys};
  auto list = [&] {
    std::vector<queue_status> out;
    self->request(broker, 5s, queues_atom::value)
        .receive([&](std::vector<queue_status>& v) { out = std::move(v); },
                 [&](const caf::error&) {});
    return out;
  };
  auto q = list();
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[1].config.name, "etl");
  EXPECT_EQ(q[1].config.weight, 2.0);
  // max-waiting 0: closed to new programs, with the reason.
  auto h = holder(caf::actor_cast<caf::actor>(self));
  caf::anon_send(broker, request_atom::value, h, ask(4, 1, 1, "etl"));
  std::string why;
  self->receive([&](refused_atom, const std::string& w) { why = w; }, caf::after(5s) >> [] {});
  EXPECT_EQ(why, "queue \"etl\" is full: 0 programs waiting (max-waiting 0)");
  // Opened at run time, the same program gets in.
  std::string error = "no reply";
  self->request(broker, 5s, set_queue_atom::value, queue_config{"etl", 2.0, {}, {1, kUnlimited}})
      .receive([&](const std::string& e) { error = e; }, [&](const caf::error&) {});
  EXPECT_EQ(error, "");
  caf::anon_send(broker, request_atom::value, h, ask(4, 1, 1, "etl"));
  EXPECT_NE(next_grant(self), 0u);
  // Invalid changes and removing a busy queue are refused with the reason.
  self->request(broker, 5s, set_queue_atom::value, queue_config{"etl", 0.0})
      .receive([&](const std::string& e) { error = e; }, [&](const caf::error&) {});
  EXPECT_EQ(error, "queue \"etl\": weight must be > 0 (got 0)");
  self->request(broker, 5s, drop_queue_atom::value, std::string("etl"))
      .receive([&](const std::string& e) { error = e; }, [&](const caf::error&) {});
  EXPECT_EQ(error, "queue \"etl\" cannot be removed: it still has 0 waiting requests and 1 lease");
  caf::anon_send(broker, drop_atom::value, uint64_t{4});
  EXPECT_TRUE(eventually([](auto& t) { return t[4] == 0; }));
  self->request(broker, 5s, drop_queue_atom::value, std::string("etl"))
      .receive([&](const std::string& e) { error = e; }, [&](const caf::error&) {});
  EXPECT_EQ(error, "");
  EXPECT_EQ(list().size(), 1u);
  caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
}

TEST(BrokerOptions, InvalidOrDuplicateQueuesAreRefusedAtSpawn) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  broker_options o;
  o.queues.push_back(queue_config{"a b"});
  auto b = spawn_broker(sys, o);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "queue \"a b\": name must be 1 to 64 of [A-Za-z0-9_.-]");
  o.queues = {queue_config{"etl"}, queue_config{"etl"}};
  b = spawn_broker(sys, o);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "queue \"etl\" is defined twice");
}

}  // namespace
}  // namespace tranche
