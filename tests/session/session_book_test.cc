// The session manager's records: the state machine, reasons kept after the
// end, what is due when, and placement.
#include "session/session_book.h"

#include <gtest/gtest.h>

namespace tranche {
namespace {

session_book_options opts() {
  session_book_options o;
  o.default_idle_timeout_ms = 10'000;
  o.max_lifetime_ms = 100'000;
  o.register_timeout_ms = 30'000;
  return o;
}

session_info make(session_book& b, const std::string& id, uint64_t node = 1, int64_t now = 0,
                  int64_t idle_timeout = 0) {
  session_options so;
  so.name = "n-" + id;
  so.idle_timeout_ms = idle_timeout;
  auto s = b.create(id, so, "ann@host", node, "digest", now);
  EXPECT_TRUE(s.ok()) << s.status();
  return *s;
}

TEST(SessionBook, LifecycleStartingIdleBusyIdleStoppingStopped) {
  session_book b(opts());
  auto s = make(b, "s-1");
  EXPECT_EQ(s.state, session_state::starting);
  EXPECT_EQ(s.idle_timeout_ms, 10'000);  // the default
  EXPECT_EQ(s.expires_unix_ms, 100'000);
  ASSERT_TRUE(b.registered("s-1", "127.0.0.1:9", 1000).ok());
  EXPECT_EQ(b.find("s-1")->state, session_state::idle);
  EXPECT_EQ(b.find("s-1")->endpoint, "127.0.0.1:9");
  EXPECT_EQ(b.find("s-1")->idle_since_unix_ms, 1000);
  ASSERT_TRUE(b.set_busy("s-1", true, 1, 2000).ok());
  EXPECT_EQ(b.find("s-1")->state, session_state::busy);
  EXPECT_EQ(b.find("s-1")->idle_since_unix_ms, 0);
  ASSERT_TRUE(b.set_busy("s-1", false, 1, 5000).ok());
  EXPECT_EQ(b.find("s-1")->state, session_state::idle);
  EXPECT_EQ(b.find("s-1")->idle_since_unix_ms, 5000);  // the idle clock restarted
  EXPECT_EQ(b.find("s-1")->statements, 1);
  ASSERT_TRUE(b.stop("s-1", session_state::stopped, "stopped by request", 6000).ok());
  EXPECT_EQ(b.find("s-1")->state, session_state::stopping);
  b.exited("s-1", "the kernel exited", 6500);
  const session_info* end = b.find("s-1");
  ASSERT_NE(end, nullptr);
  EXPECT_EQ(end->state, session_state::stopped);
  EXPECT_EQ(end->reason, "stopped by request");
  EXPECT_EQ(end->ended_unix_ms, 6500);
  // Ended: nothing moves it any more, and stopping it again says how it ended.
  b.fail("s-1", "late", 7000);
  EXPECT_EQ(b.find("s-1")->state, session_state::stopped);
  auto again = b.stop("s-1", session_state::stopped, "x", 7000);
  EXPECT_TRUE(absl::IsFailedPrecondition(again));
  EXPECT_NE(again.message().find("has already ended: stopped (stopped by request)"),
            std::string::npos);
  EXPECT_FALSE(b.registered("s-1", "x:1", 8000).ok());
}

TEST(SessionBook, CulledSessionsEndCulledWithTheirReason) {
  session_book b(opts());
  make(b, "s-1");
  ASSERT_TRUE(b.registered("s-1", "h:1", 0).ok());
  ASSERT_TRUE(b.stop("s-1", session_state::culled, "idle for 10s", 10'000).ok());
  b.exited("s-1", "the kernel exited", 10'100);
  EXPECT_EQ(b.find("s-1")->state, session_state::culled);
  EXPECT_EQ(b.find("s-1")->reason, "idle for 10s");
}

TEST(SessionBook, AKernelDyingOnItsOwnFailsTheSession) {
  session_book b(opts());
  make(b, "s-1");
  ASSERT_TRUE(b.registered("s-1", "h:1", 0).ok());
  ASSERT_TRUE(b.set_busy("s-1", true, 1, 10).ok());
  b.exited("s-1", "the kernel was killed by signal 9 (SIGKILL)", 20);
  EXPECT_EQ(b.find("s-1")->state, session_state::failed);
  EXPECT_EQ(b.find("s-1")->reason, "the kernel was killed by signal 9 (SIGKILL)");
}

TEST(SessionBook, FailingWinsOverAStopAskedFor) {
  session_book b(opts());
  make(b, "s-1");
  ASSERT_TRUE(b.registered("s-1", "h:1", 0).ok());
  ASSERT_TRUE(b.stop("s-1", session_state::stopped, "stopped by request", 1).ok());
  b.fail("s-1", "node 2 died", 2);
  EXPECT_EQ(b.find("s-1")->state, session_state::failed);
  EXPECT_EQ(b.find("s-1")->reason, "node 2 died");
}

TEST(SessionBook, NodeLossFailsOnlyThatNodesLiveSessions) {
  session_book b(opts());
  make(b, "s-1", 2);
  make(b, "s-2", 2);
  make(b, "s-3", 3);
  ASSERT_TRUE(b.stop("s-2", session_state::stopped, "bye", 0).ok());
  b.exited("s-2", "exited", 1);
  auto failed = b.node_lost(2, "node 2 died", 5);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0], "s-1");
  EXPECT_EQ(b.find("s-1")->state, session_state::failed);
  EXPECT_EQ(b.find("s-1")->reason, "node 2 died");
  EXPECT_EQ(b.find("s-2")->state, session_state::stopped);
  EXPECT_EQ(b.find("s-3")->state, session_state::starting);
  EXPECT_EQ(b.live_on(2), 0);
  EXPECT_EQ(b.live_on(3), 1);
}

TEST(SessionBook, DueRegisterTimeoutsIdleAndExpiry) {
  session_book b(opts());
  make(b, "s-start", 1, 0);
  make(b, "s-idle", 1, 0, 5'000);
  make(b, "s-busy", 1, 0, 5'000);
  ASSERT_TRUE(b.registered("s-idle", "h:1", 1000).ok());
  ASSERT_TRUE(b.registered("s-busy", "h:2", 1000).ok());
  ASSERT_TRUE(b.set_busy("s-busy", true, 1, 1500).ok());
  auto d = b.due(5'999);
  EXPECT_TRUE(d.register_timeouts.empty());
  EXPECT_TRUE(d.idle.empty());  // 4999 ms idle
  d = b.due(6'000);
  ASSERT_EQ(d.idle.size(), 1u);
  EXPECT_EQ(d.idle[0], "s-idle");  // never the busy one
  d = b.due(29'999);
  EXPECT_TRUE(d.register_timeouts.empty());
  d = b.due(30'000);
  ASSERT_EQ(d.register_timeouts.size(), 1u);
  EXPECT_EQ(d.register_timeouts[0], "s-start");
  // Busy -> idle restarts the clock.
  ASSERT_TRUE(b.set_busy("s-busy", false, 1, 50'000).ok());
  d = b.due(54'999);
  EXPECT_EQ(std::count(d.idle.begin(), d.idle.end(), "s-busy"), 0);
  d = b.due(55'000);
  EXPECT_EQ(std::count(d.idle.begin(), d.idle.end(), "s-busy"), 1);
  // Past the absolute end: expired, busy or not.
  ASSERT_TRUE(b.set_busy("s-busy", true, 2, 60'000).ok());
  d = b.due(100'000);
  EXPECT_EQ(std::count(d.expired.begin(), d.expired.end(), "s-busy"), 1);
  EXPECT_EQ(std::count(d.expired.begin(), d.expired.end(), "s-idle"), 1);
}

TEST(SessionBook, PlacementPrefersTheLeastLoadedHostWithASeat) {
  session_book b(opts());
  std::vector<session_host> hosts{{1, 2, 4, false}, {2, 2, 8, false}, {3, 2, 16, true}};
  auto n = b.place(hosts, 0);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);  // most free slots; 3 is draining
  make(b, "a", 2);
  EXPECT_EQ(*b.place(hosts, 0), 1u);  // fewest sessions
  make(b, "b", 1);
  make(b, "c", 2);
  EXPECT_EQ(*b.place(hosts, 0), 1u);
  make(b, "d", 1);
  auto none = b.place(hosts, 0);
  EXPECT_TRUE(absl::IsResourceExhausted(none.status()));
  EXPECT_NE(none.status().message().find("every node's sessions are taken (4 in all)"),
            std::string::npos);
  // Asked for by node.
  EXPECT_TRUE(absl::IsFailedPrecondition(b.place(hosts, 3).status()));
  EXPECT_TRUE(absl::IsResourceExhausted(b.place(hosts, 2).status()));
  EXPECT_TRUE(absl::IsNotFound(b.place(hosts, 9).status()));
  EXPECT_TRUE(absl::IsResourceExhausted(b.place({{1, 0, 4, false}}, 0).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(b.place({{1, 0, 4, false}}, 1).status()));
}

TEST(SessionBook, BadRequestsAndRetention) {
  session_book_options o = opts();
  o.keep_ended = 2;
  session_book b(o);
  session_options long_name;
  long_name.name = std::string(65, 'x');
  EXPECT_TRUE(absl::IsInvalidArgument(b.create("x", long_name, "", 1, "d", 0).status()));
  session_options negative;
  negative.idle_timeout_ms = -1;
  EXPECT_TRUE(absl::IsInvalidArgument(b.create("x", negative, "", 1, "d", 0).status()));
  make(b, "dup");
  EXPECT_TRUE(absl::IsAlreadyExists(b.create("dup", {}, "", 1, "d", 0).status()));
  for (const char* id : {"e1", "e2", "e3"}) {
    make(b, id);
    b.fail(id, "gone", 1);
  }
  EXPECT_EQ(b.find("e1"), nullptr);  // pushed out by two newer ended ones
  EXPECT_NE(b.find("e3"), nullptr);
  EXPECT_NE(b.find("dup"), nullptr);  // live ones always stay
  auto all = b.list();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "e3");  // newest first
  EXPECT_EQ(*b.digest("dup"), "digest");
  EXPECT_TRUE(absl::IsNotFound(b.registered("nope", "h:1", 0)));
}

TEST(SessionBook, StateNamesRoundTrip) {
  for (auto s :
       {session_state::starting, session_state::idle, session_state::busy, session_state::stopping,
        session_state::stopped, session_state::failed, session_state::culled})
    EXPECT_EQ(parse_session_state(to_string(s)), s);
  EXPECT_FALSE(parse_session_state("running").has_value());
}

}  // namespace
}  // namespace tranche
