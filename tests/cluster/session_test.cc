// Sessions on a cluster of daemons (a head and two workers, each hosting
// sessions): placement, launch and registration of the kernel processes,
// the REST API behind the token, stop, culling, a killed kernel, a kernel
// that never registers, a dying node, the CLI and tranchectl, and tokens
// kept out of every log.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "daemon_fixture.h"
#include "terminal_util.h"
#include "tranche/client.h"

namespace tranche_test {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

// A join on a 3-valued key of 200000 rows: about 1.3e10 rows to count, so it
// runs until it is cancelled.
constexpr const char* kLongQuery = "SELECT count(*) AS n FROM t a JOIN t b ON a.flag = b.flag";

struct rest {
  int status = 0;
  json body;
};

rest call(const std::string& endpoint, const std::string& token, const std::string& method,
          const std::string& path, const std::string& body = "") {
  const auto colon = endpoint.rfind(':');
  httplib::Client c(endpoint.substr(0, colon), std::stoi(endpoint.substr(colon + 1)));
  c.set_connection_timeout(5);
  c.set_read_timeout(30);
  httplib::Headers h;
  if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
  httplib::Result r = method == "GET"    ? c.Get(path, h)
                      : method == "POST" ? c.Post(path, h, body, "application/json")
                                         : c.Put(path, h, body, "application/json");
  rest out;
  if (!r) return out;  // status 0: unreachable
  out.status = r->status;
  out.body = json::parse(r->body, nullptr, false);
  return out;
}

// Submits `code` and waits (up to `bound`) for the statement to end.
json run_statement(const std::string& endpoint, const std::string& token, const std::string& code,
                   std::chrono::milliseconds bound = 60s) {
  rest posted = call(endpoint, token, "POST", "/api/v1/statements", json{{"code", code}}.dump());
  EXPECT_EQ(posted.status, 201) << posted.body.dump();
  if (posted.status != 201) return json();
  const std::string path = "/api/v1/statements/" + std::to_string(posted.body["id"].get<int64_t>());
  const auto until = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < until) {
    rest s = call(endpoint, token, "GET", path);
    if (s.status == 200 && s.body["output"].is_object()) return s.body;
    std::this_thread::sleep_for(20ms);
  }
  ADD_FAILURE() << "statement did not end: " << code;
  return json();
}

// Polls the head until the session is in `state` (bounded); the last record.
tranche::session_info wait_state(tranche::cluster& c, const std::string& id,
                                 tranche::session_state state, std::chrono::milliseconds bound) {
  tranche::session_info last;
  const auto until = std::chrono::steady_clock::now() + bound;
  do {
    auto s = c.session(id);
    if (s.ok()) {
      last = *s;
      if (s->state == state) return last;
    }
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < until);
  ADD_FAILURE() << "session " << id << " is " << tranche::to_string(last.state) << " ("
                << last.reason << "), not " << tranche::to_string(state);
  return last;
}

// Every file under `dir` that holds `needle`.
std::vector<std::string> files_holding(const std::filesystem::path& dir,
                                       const std::string& needle) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec || !it->is_regular_file()) continue;
    if (slurp(it->path()).find(needle) != std::string::npos) out.push_back(it->path().string());
  }
  return out;
}

class Sessions : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& head_flags = {},
             const std::vector<std::string>& worker_flags = {}) {
    ASSERT_TRUE(daemons_.start(2, head_flags, worker_flags)) << slurp(daemons_.head_log());
    auto c = tranche::cluster::connect(daemons_.address(), daemons_.key());
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = *std::move(c);
    // A table in the head's catalog for every session: 200000 rows.
    ASSERT_EQ(run(bin("tranche") + " gen sample --rows 200000 --files 4 --out " +
                  (daemons_.dir() / "t").string() + " > /dev/null")
                  .first,
              0);
    auto made = client_->run_sql(
        "CREATE EXTERNAL TABLE t (key BIGINT, price DOUBLE, quantity BIGINT, shipdate DATE, flag "
        "VARCHAR) LOCATION '" + (daemons_.dir() / "t").string() + "/*.csv' FORMAT CSV HEADER",
        {});
    ASSERT_TRUE(made.ok()) << made.status();
  }
  tranche::created_session create(const std::string& name, int64_t idle_timeout_ms = 0,
                                  uint64_t node = 0) {
    tranche::session_options o;
    o.name = name;
    o.idle_timeout_ms = idle_timeout_ms;
    o.node = node;
    auto s = client_->create_session(o);
    EXPECT_TRUE(s.ok()) << s.status() << "\n" << slurp(daemons_.head_log());
    return s.ok() ? *s : tranche::created_session{};
  }

  daemon_cluster daemons_{"tranche-sessions"};
  std::unique_ptr<tranche::cluster> client_;
};

TEST_F(Sessions, LifecycleOnThreeDaemonsFromCreateToStopped) {
  start();
  auto a = create("explore");
  ASSERT_FALSE(a.info.id.empty());
  EXPECT_EQ(a.info.id.rfind("s-", 0), 0u);
  EXPECT_EQ(a.info.state, tranche::session_state::idle);
  EXPECT_EQ(a.token.rfind("trs_", 0), 0u);
  EXPECT_EQ(a.token.size(), 68u);
  EXPECT_FALSE(a.info.endpoint.empty());
  // Placement spreads sessions over the nodes with room: one on each.
  auto b = create("b");
  auto c = create("c");
  std::set<uint64_t> nodes{a.info.node, b.info.node, c.info.node};
  EXPECT_EQ(nodes, (std::set<uint64_t>{1, 2, 3}));
  // Asked for by node.
  auto d = create("d", 0, 2);
  EXPECT_EQ(d.info.node, 2u);

  rest session = call(a.info.endpoint, a.token, "GET", "/api/v1/session");
  ASSERT_EQ(session.status, 200);
  EXPECT_EQ(session.body["id"], a.info.id);
  EXPECT_EQ(session.body["state"], "idle");
  EXPECT_EQ(session.body["name"], "explore");

  json done = run_statement(a.info.endpoint, a.token,
                            "SELECT flag, count(*) AS n FROM t GROUP BY flag ORDER BY flag");
  EXPECT_EQ(done["state"], "available") << done.dump();
  EXPECT_EQ(done["output"]["columns"], json({"flag", "n"}));
  EXPECT_EQ(done["output"]["row_count"], 3);
  EXPECT_EQ(done["output"]["rows"][0][0], "A");
  EXPECT_EQ(done["id"], 1);
  json bad = run_statement(a.info.endpoint, a.token, "SELECT nope FROM nowhere");
  EXPECT_EQ(bad["state"], "error");
  EXPECT_NE(bad["output"]["error"].get<std::string>().find("nowhere"), std::string::npos);
  rest list = call(a.info.endpoint, a.token, "GET", "/api/v1/statements");
  EXPECT_EQ(list.body["total_statements"], 2);

  auto listed = client_->sessions();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 4u);
  auto seen = client_->session(a.info.id);
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->statements, 2);
  EXPECT_EQ(seen->requester.find('@') != std::string::npos, true);

  ASSERT_TRUE(client_->stop_session(a.info.id).ok());
  auto ended = wait_state(*client_, a.info.id, tranche::session_state::stopped, 20s);
  EXPECT_EQ(ended.reason, "stopped by request");
  EXPECT_GT(ended.ended_unix_ms, 0);
  // The ended session is still known, with how it ended; its endpoint is gone.
  auto again = client_->stop_session(a.info.id);
  EXPECT_TRUE(absl::IsFailedPrecondition(again)) << again;
  EXPECT_EQ(call(a.info.endpoint, a.token, "GET", "/api/v1/session").status, 0);
  EXPECT_TRUE(absl::IsNotFound(client_->session("s-00000000").status()));
  for (const auto* s : {&b, &c, &d}) ASSERT_TRUE(client_->stop_session(s->info.id).ok());
  for (const auto* s : {&b, &c, &d})
    wait_state(*client_, s->info.id, tranche::session_state::stopped, 20s);
  tranche::ledger_totals last;
  EXPECT_TRUE(daemon_cluster::ledger_whole(*client_, 10s, &last));
}

TEST_F(Sessions, WrongAndOtherSessionsTokensGet401AndNothingRuns) {
  start();
  auto a = create("a");
  auto b = create("b");
  auto before = client_->programs();
  ASSERT_TRUE(before.ok());
  const std::string body = json{{"code", "SELECT 1 AS one FROM t LIMIT 1"}}.dump();
  for (const std::string& token : {std::string(), std::string("trs_") + std::string(64, '0'),
                                   b.token, a.token + "x", std::string("Basic abc")}) {
    EXPECT_EQ(call(a.info.endpoint, token, "POST", "/api/v1/statements", body).status, 401);
    EXPECT_EQ(call(a.info.endpoint, token, "GET", "/api/v1/statements").status, 401);
    EXPECT_EQ(call(a.info.endpoint, token, "GET", "/api/v1/session").status, 401);
    EXPECT_EQ(call(a.info.endpoint, token, "PUT", "/api/v1/notebooks/x", "{\"cells\":[]}").status,
              401);
  }
  rest refused = call(a.info.endpoint, b.token, "GET", "/api/v1/session");
  EXPECT_EQ(refused.body["error"], "the token is not this session's");
  // Nothing ran, neither there nor anywhere.
  rest list = call(a.info.endpoint, a.token, "GET", "/api/v1/statements");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body["total_statements"], 0);
  auto programs = client_->programs();
  ASSERT_TRUE(programs.ok());
  EXPECT_EQ(programs->size(), before->size());
  // The page itself needs no token (it holds no data).
  const auto colon = a.info.endpoint.rfind(':');
  httplib::Client page(a.info.endpoint.substr(0, colon),
                       std::stoi(a.info.endpoint.substr(colon + 1)));
  auto r = page.Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("<html"), std::string::npos);
}

TEST_F(Sessions, IdleSessionsAreCulledAndBusyOnesAreLeftAlone) {
  start();
  auto idle = create("idle", 2000);
  auto busy = create("busy", 2000);
  // A statement that runs until it is cancelled keeps `busy` busy.
  rest longer = call(busy.info.endpoint, busy.token, "POST", "/api/v1/statements",
                     json{{"code", std::string(kLongQuery)}}.dump());
  ASSERT_EQ(longer.status, 201);
  wait_state(*client_, busy.info.id, tranche::session_state::busy, 10s);
  auto culled = wait_state(*client_, idle.info.id, tranche::session_state::culled, 15s);
  EXPECT_EQ(culled.reason, "idle for 2s (its idle timeout)");
  std::this_thread::sleep_for(3s);  // past its idle timeout too, but busy
  auto still = client_->session(busy.info.id);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->state, tranche::session_state::busy);
  // Cancelled: idle again, and culled 2 s after that.
  const std::string id = std::to_string(longer.body["id"].get<int64_t>());
  rest cancelled =
      call(busy.info.endpoint, busy.token, "POST", "/api/v1/statements/" + id + "/cancel");
  EXPECT_EQ(cancelled.status, 200) << cancelled.body.dump();
  auto idle_again = wait_state(*client_, busy.info.id, tranche::session_state::idle, 15s);
  auto culled_too = wait_state(*client_, busy.info.id, tranche::session_state::culled, 15s);
  EXPECT_GE(culled_too.ended_unix_ms - idle_again.idle_since_unix_ms, 2000);
  tranche::ledger_totals last;
  EXPECT_TRUE(daemon_cluster::ledger_whole(*client_, 10s, &last));
}

TEST_F(Sessions, AKilledKernelFailsItsSessionWithTheReason) {
  start();
  auto s = create("doomed");
  const auto before = daemons_.kernel_pids();
  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(::kill(before[0], SIGKILL), 0);
  auto failed = wait_state(*client_, s.info.id, tranche::session_state::failed, 15s);
  EXPECT_NE(failed.reason.find("killed by signal 9"), std::string::npos) << failed.reason;
  // A new session still starts.
  auto next = create("next");
  EXPECT_EQ(next.info.state, tranche::session_state::idle);
}

TEST_F(Sessions, AKernelThatNeverRegistersIsKilledAndItsSessionFails) {
  const std::filesystem::path fake = daemons_.dir() / "silent-kernel";
  { std::ofstream(fake) << "#!/bin/sh\necho \"silent kernel $$\"\nexec sleep 120\n"; }
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  start({"--session-register-timeout", "2s", "--session-kernel", fake.string(), "--max-sessions",
         "1"},
        {"--max-sessions", "0"});
  tranche::session_options o;
  o.name = "silent";
  const auto t0 = std::chrono::steady_clock::now();
  auto s = client_->create_session(o);
  ASSERT_FALSE(s.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 20s);
  EXPECT_NE(s.status().message().find("did not register within 2s"), std::string::npos)
      << s.status();
  auto listed = client_->sessions();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].state, tranche::session_state::failed);
  // The silent process was killed.
  auto pids = daemons_.kernel_pids();
  ASSERT_EQ(pids.size(), 1u);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = ::kill(pids[0], 0) != 0;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(gone);
  // Its seat is free again.
  auto listed_seat = client_->create_session(o);
  EXPECT_FALSE(absl::IsResourceExhausted(listed_seat.status())) << listed_seat.status();
}

TEST_F(Sessions, ANodeDyingFailsItsSessions) {
  start({"--max-sessions", "0"}, {});
  auto s = create("on-a-worker");
  ASSERT_NE(s.info.node, 1u);
  const pid_t worker = daemons_.worker_pid_of_node(s.info.node);
  ASSERT_GT(worker, 0);
  ::kill(worker, SIGKILL);
  auto failed = wait_state(*client_, s.info.id, tranche::session_state::failed, 20s);
  EXPECT_NE(failed.reason.find("died"), std::string::npos) << failed.reason;
}

TEST_F(Sessions, CliAndConsoleAndNoTokenInAnyLog) {
  start();
  const std::string home = (daemons_.dir() / "home").string();
  const std::string env = "env TRANCHE_HOME=" + home + " TRANCHE_CLUSTER=" + daemons_.address() +
                          " TRANCHE_SECRET_FILE=" + daemons_.key() + " ";
  auto [rc, out] =
      run(env + bin("tranche") + " session create --name cli --idle-timeout 20m -o json");
  ASSERT_EQ(rc, 0) << out;
  json created = json::parse(out, nullptr, false);
  ASSERT_TRUE(created.is_object()) << out;
  for (const char* k : {"id", "node", "endpoint", "token", "state"})
    EXPECT_TRUE(created.contains(k)) << k << " in " << out;
  const std::string id = created["id"], token = created["token"], endpoint = created["endpoint"];
  EXPECT_EQ(created["state"], "idle");
  EXPECT_TRUE(std::filesystem::exists(home + "/sessions/" + id + ".json"));

  json r = run_statement(endpoint, token, "SELECT 7 AS seven FROM t LIMIT 1");
  EXPECT_EQ(r["output"]["rows"], json::parse("[[7]]"));
  // Wrong tokens get logged refusals nowhere with the token in them.
  call(endpoint, "trs_" + std::string(64, 'a'), "GET", "/api/v1/session");

  auto [lrc, list] = run(env + bin("tranche") + " session list -o json");
  ASSERT_EQ(lrc, 0) << list;
  json l = json::parse(list, nullptr, false);
  ASSERT_TRUE(l.is_array());
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0]["id"], id);
  EXPECT_EQ(l[0]["statements"], 1);
  EXPECT_FALSE(l[0].contains("token"));
  auto [src, shown] = run(env + bin("tranche") + " session show " + id);
  EXPECT_EQ(src, 0);
  EXPECT_NE(shown.find("idle"), std::string::npos) << shown;
  auto [crc, ctl] = run(env + bin("tranchectl") + " sessions");
  EXPECT_EQ(crc, 0) << ctl;
  EXPECT_NE(ctl.find(id), std::string::npos) << ctl;
  auto [urc, usage] = run(env + bin("tranche") + " session frob 2>&1");
  EXPECT_EQ(urc, 2) << usage;
  auto [nrc, none] = run(env + bin("tranche") + " session show s-12345678 2>&1");
  EXPECT_EQ(nrc, 1) << none;
  EXPECT_NE(none.find("no session s-12345678"), std::string::npos) << none;

  auto [src2, stopped] = run(env + bin("tranche") + " session stop " + id);
  EXPECT_EQ(src2, 0) << stopped;
  EXPECT_NE(stopped.find("stopped: stopped by request"), std::string::npos) << stopped;
  auto [arc, again] = run(env + bin("tranche") + " session stop " + id + " 2>&1");
  EXPECT_EQ(arc, 1);
  EXPECT_NE(again.find("has already ended"), std::string::npos) << again;

  // Not a log line, kernel log or history record holds the token.
  const std::string secret_part = token.substr(4);
  EXPECT_EQ(files_holding(daemons_.dir(), secret_part), std::vector<std::string>{})
      << "the token leaked";
  EXPECT_FALSE(files_holding(daemons_.dir(), "kernel started (pid").empty());
}

TEST_F(Sessions, TheShellRunsStatementsOnARealSessionInATerminal) {
  if (!std::filesystem::exists("/usr/bin/tmux"))
    GTEST_SKIP() << "tmux is not installed (tools/setup installs it)";
  start();
  const std::string home = (daemons_.dir() / "home").string();
  const std::string env = "env TRANCHE_HOME=" + home + " TRANCHE_CLUSTER=" + daemons_.address() +
                          " TRANCHE_SECRET_FILE=" + daemons_.key() + " ";
  const std::string token_file = (daemons_.dir() / "session.token").string();
  auto [rc, out] = run(env + bin("tranche") + " session create --name repl --token-file " +
                       token_file + " -o json");
  ASSERT_EQ(rc, 0) << out;
  const json created = json::parse(out, nullptr, false);
  ASSERT_TRUE(created.is_object()) << out;
  EXPECT_FALSE(created.contains("token"));  // it went to the file only
  const std::string id = created["id"];
  terminal t(env + bin("tranche") + " shell --session " + id + " --token-file " + token_file);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(t.shows("connected to session " + id + " (idle)")) << t.last();
  t.keys("'CREATE TEMP VIEW f AS SELECT flag, count(*) AS n FROM t GROUP BY flag\\;' Enter");
  ASSERT_TRUE(t.shows("created temporary view f")) << t.last();
  t.keys("'SELECT flag, n' Enter");
  ASSERT_TRUE(t.shows("\n     ->")) << t.last();
  t.keys("'FROM f ORDER BY flag\\;' Enter");
  ASSERT_TRUE(t.shows("(3 rows, ")) << t.last();
  EXPECT_NE(t.last().find("flag | n"), std::string::npos) << t.last();
  t.keys("'SELECT nope FROM f\\;' Enter");
  ASSERT_TRUE(t.shows("error: line 1, column 8")) << t.last();
  t.keys("'\\q' Enter");
  EXPECT_TRUE(eventually([&] { return t.ended(); }, 10s));
  auto s = client_->session(id);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->statements, 3);
}

TEST_F(Sessions, TheNotebookRunsACellOnARealSessionInChromium) {
  if (!std::filesystem::exists("/usr/bin/chromium"))
    GTEST_SKIP() << "chromium is not installed (tools/setup installs it)";
  start();
  auto s = create("notebook");
  const std::string chromium =
      "env HOME=" + daemons_.dir().string() +
      " chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--user-data-dir=" + (daemons_.dir() / "chromium").string() +
      " --window-size=1100,700 --virtual-time-budget=20000 ";
  const std::string url = "'http://" + s.info.endpoint + "/#token=" + s.token +
                          "&run=SELECT%20flag%2C%20count(*)%20AS%20n%20FROM%20t%20GROUP%20BY%20"
                          "flag%20ORDER%20BY%20flag'";
  auto [rc, dom] = run(chromium + "--dump-dom " + url + " 2>/dev/null");
  ASSERT_EQ(rc, 0);
  EXPECT_NE(dom.find("<table class=\"result\">"), std::string::npos) << dom;
  EXPECT_NE(dom.find("<th>flag</th><th>n</th>"), std::string::npos) << dom;
  EXPECT_NE(dom.find("<td>A</td>"), std::string::npos) << dom;
  EXPECT_NE(dom.find("class=\"cell\" data-state=\"available\""), std::string::npos) << dom;
  // The statement ran on the session, as its first.
  rest first = call(s.info.endpoint, s.token, "GET", "/api/v1/statements/1");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body["state"], "available");
}

}  // namespace
}  // namespace tranche_test
