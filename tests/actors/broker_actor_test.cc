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

  // A holder that reports every grant to `sink` as (grant_atom, lease).
  lease_holder_actor holder(caf::actor sink) {
    return sys.spawn([sink](lease_holder_actor::pointer) -> lease_holder_actor::behavior_type {
      return {[sink](grant_atom, uint64_t lease, uint64_t, executor_actor) {
                caf::anon_send(sink, grant_atom::value, lease);
              },
              [sink](refused_atom, const std::string& why) {
                caf::anon_send(sink, refused_atom::value, why);
              }};
    });
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
};

TEST_F(BrokerActor, GrantsWhatIsFreeAndReclaimsFromADeadHolder) {
  caf::scoped_actor self{sys};
  auto h = holder(caf::actor_cast<caf::actor>(self));
  caf::anon_send(broker, request_atom::value, h, uint64_t{7}, int32_t{0}, int64_t{3},
                 int64_t{1} << 20);
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
  caf::anon_send(broker, request_atom::value, h, uint64_t{7}, int32_t{0}, int64_t{2},
                 int64_t{-1});
  std::string why;
  self->receive([&](refused_atom, const std::string& w) { why = w; }, caf::after(5s) >> [] {});
  EXPECT_NE(why.find("memory"), std::string::npos) << why;
  EXPECT_TRUE(eventually([](auto& t) { return t[4] == 0 && t[5] == 0 && t[1] == t[0]; }));
}

TEST_F(BrokerActor, YieldedLeaseGoesToTheNextRequestInOrder) {
  caf::scoped_actor a{sys}, b{sys};
  auto ha = holder(caf::actor_cast<caf::actor>(a));
  auto hb = holder(caf::actor_cast<caf::actor>(b));
  caf::anon_send(broker, request_atom::value, ha, uint64_t{1}, int32_t{0}, int64_t{2}, int64_t{1});
  uint64_t l1 = next_grant(a);
  uint64_t l2 = next_grant(a);
  ASSERT_NE(l1, 0u);
  ASSERT_NE(l2, 0u);
  caf::anon_send(broker, request_atom::value, hb, uint64_t{2}, int32_t{0}, int64_t{1}, int64_t{1});
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
  caf::anon_send(broker, request_atom::value, h, uint64_t{9}, int32_t{0}, int64_t{5}, int64_t{1});
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
  caf::anon_send(broker, request_atom::value, ha, uint64_t{3}, int32_t{0}, int64_t{1}, int64_t{1});
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

}  // namespace
}  // namespace tranche
