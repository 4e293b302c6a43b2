// tranchectl against a live head and two workers (tranched processes): exit
// codes, JSON shapes, a drain's effect on leases, programs and their
// portions, cancel, queues, `top` in a terminal (tmux), and the progress
// display of `tranche sql` on a terminal and not when piped.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "cli/progress.h"
#include "daemon_fixture.h"
#include "terminal_util.h"

namespace {

namespace fs = std::filesystem;
using namespace tranche_test;
using namespace std::chrono_literals;
using json = nlohmann::json;

class Console : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(run(bin("tranche") + " gen sample --rows 200000 --files 12 --out " +
                  (c_.dir() / "t").string() + " > /dev/null")
                  .first,
              0);
    ASSERT_TRUE(c_.start(2)) << slurp(c_.head_log());
    auto sdk = tranche::cluster::connect(c_.address(), c_.key());
    ASSERT_TRUE(sdk.ok()) << sdk.status();
    sdk_ = *std::move(sdk);
  }

  std::string ctl(const std::string& args) const {
    return bin("tranchectl") + " --cluster " + c_.address() + " --secret-file " + c_.key() + " " +
           args;
  }
  // Runs a read command with -o json; the parsed answer (null when it failed).
  json ctl_json(const std::string& args) const {
    auto [rc, out] = run(ctl(args + " -o json"));
    EXPECT_EQ(rc, 0) << args << ": " << out;
    if (rc != 0) return json();
    return json::parse(out, nullptr, false);
  }
  std::vector<tranche::table_binding> tables() const {
    return {{"t", (c_.dir() / "t").string() + "/*.csv"}};
  }
  std::string sql_cli(const std::string& sql) const {
    return bin("tranche") + " sql --cluster " + c_.address() + " --secret-file " + c_.key() +
           " --table 't=" + (c_.dir() / "t").string() + "/*.csv' \"" + sql + "\"";
  }
  void drain_all(bool drain) {
    for (int n = 1; n <= 3; ++n)
      ASSERT_EQ(run(ctl(std::string(drain ? "node drain " : "node undrain ") + std::to_string(n)))
                    .first,
                0);
  }
  // The id of the first running program the console lists, 0 if none within 20 s.
  uint64_t running_program() {
    uint64_t id = 0;
    eventually(
        [&] {
          for (const auto& p : ctl_json("programs"))
            if (p["state"] == "running") id = p["id"].get<uint64_t>();
          return id != 0;
        },
        20s);
    return id;
  }

  daemon_cluster c_{"tranche-console"};
  std::unique_ptr<tranche::cluster> sdk_;
};

TEST_F(Console, ReadCommandsAnswerInTextAndJson) {
  auto [rc, text] = run(ctl("status"));
  EXPECT_EQ(rc, 0);
  EXPECT_NE(text.find("nodes 3"), std::string::npos) << text;
  EXPECT_NE(text.find("no program is running"), std::string::npos) << text;

  json status = ctl_json("status");
  ASSERT_TRUE(status.is_object()) << status;
  EXPECT_EQ(status["slots"], 3);
  EXPECT_EQ(status["free_slots"], 3);
  EXPECT_EQ(status["leases"], 0);
  EXPECT_EQ(status["nodes"].size(), 3u);
  EXPECT_TRUE(status["running"].is_array());

  json nodes = ctl_json("nodes");
  ASSERT_EQ(nodes.size(), 3u) << nodes;
  std::set<uint64_t> ids;
  for (const auto& n : nodes) {
    ids.insert(n["id"].get<uint64_t>());
    EXPECT_EQ(n["state"], "up");
    EXPECT_EQ(n["slots"], 1);
    EXPECT_EQ(n["memory"], int64_t{1} << 30);
  }
  EXPECT_EQ(ids, (std::set<uint64_t>{1, 2, 3}));

  json queues = ctl_json("queues");
  ASSERT_EQ(queues.size(), 1u);
  EXPECT_EQ(queues[0]["name"], "default");
  EXPECT_TRUE(queues[0]["max_slots"].is_null());

  EXPECT_EQ(ctl_json("programs"), json::array());
  auto [prc, ptext] = run(ctl("programs"));
  EXPECT_EQ(prc, 0);
  EXPECT_NE(ptext.find("SUBMITTER"), std::string::npos) << ptext;
}

TEST_F(Console, UsageErrorsExitTwoAndClusterErrorsExitOne) {
  for (const char* bad : {"", "bogus", "--frob status", "node", "node drain", "node drain x",
                          "node reboot 2", "program", "program 1 2", "cancel abc", "status extra",
                          "queue set", "queue set q --weight -1", "nodes --weight 2", "-o yaml nodes",
                          "top -o json"}) {
    auto [rc, out] = run(ctl(bad) + " 2>&1");
    EXPECT_EQ(rc, 2) << "tranchectl " << bad << ": " << out;
    EXPECT_NE(out.find("usage: tranchectl"), std::string::npos) << bad << ": " << out;
  }
  // Well formed, but the cluster says no: one line naming what, exit 1.
  auto [rc, out] = run(ctl("node drain 99") + " 2>&1");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("no node 99"), std::string::npos) << out;
  std::tie(rc, out) = run(ctl("program 12345") + " 2>&1");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("no program 12345"), std::string::npos) << out;
  std::tie(rc, out) = run(ctl("cancel 12345") + " 2>&1");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("not running"), std::string::npos) << out;
  // A wrong secret, an unreachable head.
  write_secret(c_.dir() / "wrong.key", "ffffffffffffffffffffffffffffffff");
  std::tie(rc, out) = run(bin("tranchectl") + " --cluster " + c_.address() + " --secret-file " +
                          (c_.dir() / "wrong.key").string() + " status 2>&1");
  EXPECT_EQ(rc, 1) << out;
  std::tie(rc, out) =
      run(bin("tranchectl") + " --cluster 127.0.0.1:1 --secret-file " + c_.key() + " status 2>&1");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("tranchectl: error:"), std::string::npos) << out;
}

TEST_F(Console, ADrainedNodeGetsNoNewLeasesUntilUndrained) {
  ASSERT_EQ(run(ctl("node drain 2")).first, 0);
  ASSERT_EQ(run(ctl("node drain 3")).first, 0);
  json nodes = ctl_json("nodes");
  ASSERT_EQ(nodes.size(), 3u);
  for (const auto& n : nodes) EXPECT_EQ(n["state"], n["id"] == 1 ? "up" : "draining") << n;

  auto nodes_used = [&] {
    std::set<uint64_t> used;
    auto r = sdk_->run_sql(
        "SELECT flag, count(*) AS n FROM t GROUP BY flag", tables(),
        [&](const tranche::progress_event& e) {
          if (e.kind == tranche::progress_kind::capacity_obtained) used.insert(e.node);
        });
    EXPECT_TRUE(r.ok()) << r.status();
    return used;
  };
  EXPECT_EQ(nodes_used(), std::set<uint64_t>{1});

  ASSERT_EQ(run(ctl("node undrain 2")).first, 0);
  ASSERT_EQ(run(ctl("node undrain 3")).first, 0);
  for (const auto& n : ctl_json("nodes")) EXPECT_EQ(n["state"], "up") << n;
  EXPECT_GT(nodes_used().size(), 1u);
}

TEST_F(Console, ProgramsKeepEachPortionsTasksAndCapacity) {
  auto r = sdk_->run_sql("SELECT flag, count(*) AS n, sum(quantity) AS q FROM t GROUP BY flag",
                         tables());
  ASSERT_TRUE(r.ok()) << r.status();
  auto bad = sdk_->run_sql("SELECT nosuch FROM t", tables());
  ASSERT_FALSE(bad.ok());

  json programs = ctl_json("programs");
  ASSERT_EQ(programs.size(), 2u) << programs;
  EXPECT_EQ(programs[0]["state"], "failed");  // newest first
  EXPECT_NE(programs[0]["error"].get<std::string>().find("nosuch"), std::string::npos);
  const json& ok = programs[1];
  EXPECT_EQ(ok["state"], "succeeded");
  EXPECT_EQ(ok["queue"], "default");
  EXPECT_NE(ok["submitter"].get<std::string>().find('@'), std::string::npos) << ok;
  EXPECT_NE(ok["text"].get<std::string>().find("GROUP BY flag"), std::string::npos);
  EXPECT_GT(ok["slot_seconds"].get<double>(), 0);
  EXPECT_GE(ok["wall_seconds"].get<double>(), 0);
  EXPECT_TRUE(ok["error"].is_null());
  EXPECT_FALSE(ok.contains("portions"));

  json p = ctl_json("program " + std::to_string(ok["id"].get<uint64_t>()));
  ASSERT_TRUE(p.is_object()) << p;
  ASSERT_EQ(p["portions"].size(), 2u) << p;
  const json& scan = p["portions"][0];
  const json& agg = p["portions"][1];
  EXPECT_EQ(scan["tasks_total"], 12);  // one task per file
  for (const json* q : {&scan, &agg}) {
    EXPECT_EQ((*q)["state"], "done");
    EXPECT_EQ((*q)["tasks_done"], (*q)["tasks_total"]);
    EXPECT_EQ((*q)["slots_held"], 0);
    EXPECT_GE((*q)["peak_slots"].get<int>(), 1);
    EXPECT_GE((*q)["finished"].get<double>(), (*q)["started"].get<double>());
  }
  EXPECT_EQ(agg["inputs"], json::array({0}));  // the DAG
  ASSERT_GE(p["capacity"].size(), 2u);
  EXPECT_GE(p["capacity"][0]["slots"].get<int>(), 1);
  EXPECT_EQ(p["capacity"].back()["slots"], 0);

  auto [rc, text] = run(ctl("program " + std::to_string(ok["id"].get<uint64_t>())));
  EXPECT_EQ(rc, 0);
  EXPECT_NE(text.find("PORTION"), std::string::npos) << text;
  EXPECT_NE(text.find("capacity held"), std::string::npos) << text;
}

TEST_F(Console, CancelEndsAProgramWaitingForCapacity) {
  // With every node draining, a program waits for capacity: running, surely.
  drain_all(true);
  const fs::path err = c_.dir() / "err.txt";
  const pid_t cli = spawn(
      {"/bin/sh", "-c", "exec " + sql_cli("SELECT count(*) FROM t") + " 2> " + err.string()});
  const uint64_t id = running_program();
  ASSERT_NE(id, 0u) << slurp(err);
  json status = ctl_json("status");
  ASSERT_EQ(status["running"].size(), 1u) << status;
  EXPECT_EQ(status["running"][0]["id"], id);

  auto [rc, out] = run(ctl("cancel " + std::to_string(id)));
  EXPECT_EQ(rc, 0) << out;
  // The CLI says who cancelled it and exits 1 (130 is for its own Ctrl-C).
  EXPECT_EQ(wait_exit(cli, 20s), 1) << slurp(err);
  EXPECT_NE(slurp(err).find("cancelled on the cluster"), std::string::npos) << slurp(err);
  json p = ctl_json("program " + std::to_string(id));
  EXPECT_EQ(p["state"], "cancelled");
  EXPECT_EQ(p["error"], "cancelled");
  EXPECT_EQ(run(ctl("cancel " + std::to_string(id))).first, 1);
  drain_all(false);
  tranche::ledger_totals l;
  EXPECT_TRUE(daemon_cluster::ledger_whole(*sdk_, 10s, &l));
}

TEST_F(Console, QueueSetAddsAndChangesAQueue) {
  auto [rc, out] = run(ctl("queue set etl --weight 2 --min 1 --max 2 --max-waiting 5"));
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("queue etl added"), std::string::npos) << out;
  std::tie(rc, out) = run(ctl("queue set etl --max none"));  // the rest stays
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("queue etl changed"), std::string::npos) << out;
  json queues = ctl_json("queues");
  ASSERT_EQ(queues.size(), 2u) << queues;
  const json& etl = queues[0]["name"] == "etl" ? queues[0] : queues[1];
  EXPECT_EQ(etl["weight"], 2);
  EXPECT_EQ(etl["min_slots"], 1);
  EXPECT_TRUE(etl["max_slots"].is_null());
  EXPECT_EQ(etl["max_waiting"], 5);
  // The broker's own checks come back as exit 1 with its words.
  std::tie(rc, out) = run(ctl("queue set etl --min 5 --max 2") + " 2>&1");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("etl"), std::string::npos) << out;
}

TEST_F(Console, TopInATerminalShowsARunningProgramAndQuitsOnQ) {
  drain_all(true);
  const pid_t cli = spawn({"/bin/sh", "-c",
                           "exec " + sql_cli("SELECT count(*) AS n FROM t") + " > " +
                               (c_.dir() / "out.txt").string() + " 2>&1"});
  const uint64_t id = running_program();
  ASSERT_NE(id, 0u);
  terminal term(ctl("top"));
  ASSERT_TRUE(term.ok());
  std::string screen;
  EXPECT_TRUE(eventually(
      [&] {
        screen = term.screen();
        return screen.find("q quits") != std::string::npos &&
               screen.find("programs 1 running") != std::string::npos &&
               screen.find("draining") != std::string::npos;
      },
      20s))
      << screen;
  EXPECT_NE(screen.find("SELECT count(*) AS n FROM t"), std::string::npos) << screen;
  // It refreshes: once the nodes take leases again the program finishes.
  drain_all(false);
  EXPECT_EQ(wait_exit(cli, 30s), 0) << slurp(c_.dir() / "out.txt");
  EXPECT_TRUE(eventually(
      [&] {
        screen = term.screen();
        return screen.find("no program is running") != std::string::npos;
      },
      20s))
      << screen;
  term.keys("q");
  EXPECT_TRUE(eventually([&] { return term.ended(); }, 10s)) << term.screen();
}

TEST_F(Console, TheCliShowsProgressOnATerminalAndNothingWhenPiped) {
  drain_all(true);
  const fs::path out = c_.dir() / "out.txt";
  terminal term(sql_cli("SELECT flag, count(*) AS n FROM t GROUP BY flag") + " > " +
                out.string() + "; sleep 30");
  ASSERT_TRUE(term.ok());
  std::string screen;
  EXPECT_TRUE(eventually(
      [&] {
        screen = term.screen();
        return screen.find("0/12 tasks") != std::string::npos;
      },
      20s))
      << screen;
  EXPECT_NE(screen.find("program "), std::string::npos) << screen;
  EXPECT_NE(screen.find("portion 0"), std::string::npos) << screen;
  drain_all(false);
  EXPECT_TRUE(eventually([&] { return slurp(out).find("(3 rows)") != std::string::npos; }, 30s));
  // Erased at the end.
  EXPECT_TRUE(eventually([&] { return term.screen().find("tasks") == std::string::npos; }, 10s))
      << term.screen();

  // Piped: stderr is not a terminal, so nothing but the result.
  drain_all(true);
  const fs::path err = c_.dir() / "err.txt";
  const pid_t cli = spawn({"/bin/sh", "-c",
                           "exec " + sql_cli("SELECT count(*) AS n FROM t") + " > " +
                               out.string() + " 2> " + err.string()});
  ASSERT_NE(running_program(), 0u);
  std::this_thread::sleep_for(1500ms);  // past the display's 1 s
  drain_all(false);
  EXPECT_EQ(wait_exit(cli, 30s), 0) << slurp(err);
  EXPECT_EQ(slurp(err), "");
}

TEST_F(Console, ProgramsOutliveAHeadRestartAndIdsAreNotReused) {
  auto r = sdk_->run_sql("SELECT flag, count(*) AS n FROM t GROUP BY flag", tables());
  ASSERT_TRUE(r.ok()) << r.status();
  json before = ctl_json("programs");
  ASSERT_EQ(before.size(), 1u);
  const uint64_t first = before[0]["id"].get<uint64_t>();
  sdk_.reset();
  ASSERT_TRUE(c_.restart_head()) << slurp(c_.head_log());

  json after = ctl_json("programs");
  ASSERT_EQ(after.size(), 1u) << after;
  EXPECT_EQ(after[0]["id"], first);
  EXPECT_EQ(after[0]["state"], "succeeded");
  EXPECT_EQ(after[0]["wall_seconds"], before[0]["wall_seconds"]);
  json p = ctl_json("program " + std::to_string(first));
  ASSERT_EQ(p["portions"].size(), 2u) << p;
  EXPECT_EQ(p["portions"][0]["tasks_done"], 12);

  // The next program gets a new id (the restarted head has its own executor).
  auto sdk = tranche::cluster::connect(c_.address(), c_.key());
  ASSERT_TRUE(sdk.ok()) << sdk.status();
  ASSERT_TRUE((*sdk)->run_sql("SELECT count(*) AS n FROM t", tables()).ok());
  json now = ctl_json("programs");
  ASSERT_EQ(now.size(), 2u) << now;
  EXPECT_GT(now[0]["id"].get<uint64_t>(), first);
}

TEST(ProgressDisplay, RendersEachPortionWithinTheWidth) {
  std::map<int32_t, tranche::cli::progress_display::portion_line> ps;
  ps[0] = {"scan t", 6, 12, 2, false};
  ps[1] = {"final aggregate", 0, 3, 1, false};
  auto lines = tranche::cli::progress_display::render(7, 2.5, ps, 200);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "program 7: 2.5s, 3 slots held");
  EXPECT_EQ(lines[1], "  portion 0 [##########----------] 6/12 tasks  2 slots  scan t");
  EXPECT_NE(lines[2].find("0/3 tasks"), std::string::npos);
  for (const auto& l : tranche::cli::progress_display::render(7, 2.5, ps, 20))
    EXPECT_LE(l.size(), 20u);
  // Not a terminal: nothing is drawn, and finishing twice is fine.
  tranche::cli::progress_display d(-1);
  d.on_event(tranche::progress_event{});
  d.finish();
  d.finish();
}

}  // namespace
