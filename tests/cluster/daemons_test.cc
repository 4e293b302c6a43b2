// Multi-process tests: a head daemon and two workers on ephemeral loopback
// ports, driven through the `tranche` CLI. Programs must give the same rows
// as on the embedded cluster; a wrong secret is refused on both kinds of
// connection; a killed worker leaves the cluster and programs still run.
// Every process is started here and killed by pid at the end, every wait is
// bounded.
#include <gtest/gtest.h>

#include "process_util.h"
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tranche/client.h"


namespace {

namespace fs = std::filesystem;
using namespace tranche_test;
using namespace std::chrono_literals;



class Daemons : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tranche-daemons-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    write_secret(dir_ / "cluster.key", "0123456789abcdef0123456789abcdef");
    write_secret(dir_ / "wrong.key", "ffffffffffffffffffffffffffffffff");
    ASSERT_EQ(run(bin("tranche") + " gen sample --rows 50000 --files 12 --out " +
                  (dir_ / "t").string() + " > /dev/null")
                  .first,
              0);
    head_pid_ = start({"--role", "head", "--listen", "127.0.0.1:0", "--slots", "1", "--memory",
                       "1GiB", "--secret-file", (dir_ / "cluster.key").string(), "--queue",
                       "etl weight=2 cap-slots=2", "--queue", "closed max-waiting=0"},
                      dir_ / "head.log");
    ASSERT_TRUE(wait_for(dir_ / "head.log", "listening on 127.0.0.1:"));
    std::smatch m;
    std::string log = slurp(dir_ / "head.log");
    ASSERT_TRUE(std::regex_search(log, m, std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)")));
    port_ = m[1];
    for (int w = 0; w < 2; ++w)
      worker_pids_.push_back(start_worker("cluster.key", "w" + std::to_string(w) + ".log"));
    ASSERT_TRUE(wait_for(dir_ / "head.log", "node 3 joined"));
  }

  void TearDown() override {
    for (pid_t p : worker_pids_) stop(p);
    stop(head_pid_);
    fs::remove_all(dir_);
  }


  pid_t start(const std::vector<std::string>& args, const fs::path& log) {
    std::vector<std::string> argv_s{bin("tranched")};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    argv_s.push_back("--log-file");
    argv_s.push_back(log.string());
    return spawn(std::move(argv_s));
  }
  pid_t start_worker(const std::string& key, const std::string& log) {
    return start({"--role", "worker", "--join", "127.0.0.1:" + port_, "--slots", "1", "--memory",
                  "1GiB", "--secret-file", (dir_ / key).string()},
                 dir_ / log);
  }
  std::string sql(const std::string& where, const std::string& query) {
    return bin("tranche") + " sql --format csv " + where + " --table 't=" + (dir_ / "t").string() +
           "/*.csv' \"" + query + "\"";
  }
  std::string remote(const std::string& key = "cluster.key") {
    return "--cluster 127.0.0.1:" + port_ + " --secret-file " + (dir_ / key).string();
  }

  fs::path dir_;
  std::string port_;
  pid_t head_pid_ = -1;
  std::vector<pid_t> worker_pids_;
};

TEST_F(Daemons, ProgramsGiveTheSameRowsAsTheEmbeddedCluster) {
  for (const std::string q :
       {"SELECT flag, sum(price) AS revenue, avg(quantity), count(*) FROM t WHERE shipdate < DATE "
        "'1998-09-02' GROUP BY flag ORDER BY flag",
        "SELECT key, count(*) FROM t GROUP BY key ORDER BY key LIMIT 50",
        "SELECT count(*), min(shipdate), max(price) FROM t",
        "SELECT key, price FROM t WHERE quantity = 7 ORDER BY price DESC, key LIMIT 20"}) {
    auto local = run(sql("--local 3 --slots 1", q));
    auto cluster = run(sql(remote(), q));
    ASSERT_EQ(local.first, 0) << q;
    ASSERT_EQ(cluster.first, 0) << q;
    EXPECT_EQ(cluster.second, local.second) << q;
    EXPECT_NE(cluster.second.find('\n'), std::string::npos);
  }
}

// Queues come from the head's config; programs name them from the CLI and
// the SDK, which also changes them at run time over the connection.
TEST_F(Daemons, QueuesFromTheHeadsConfigServeRemoteClients) {
  const std::string q = "SELECT flag, count(*) FROM t GROUP BY flag ORDER BY flag";
  auto plain = run(sql(remote(), q));
  auto etl = run(sql(remote() + " --queue etl --priority 5", q));
  ASSERT_EQ(plain.first, 0);
  ASSERT_EQ(etl.first, 0) << etl.second;
  EXPECT_EQ(etl.second, plain.second);
  auto closed = run(sql(remote() + " --queue closed", q) + " 2>&1");
  EXPECT_EQ(closed.first, 1);
  EXPECT_NE(closed.second.find("tranche: error: capacity refused: queue \"closed\" is full: 0 "
                               "programs waiting (max-waiting 0)"),
            std::string::npos)
      << closed.second;

  auto cl = tranche::cluster::connect("127.0.0.1:" + port_, (dir_ / "cluster.key").string());
  ASSERT_TRUE(cl.ok()) << cl.status().message();
  auto queues = (*cl)->queues();
  ASSERT_TRUE(queues.ok()) << queues.status().message();
  ASSERT_EQ(queues->size(), 3u);  // by name: closed, default, etl
  EXPECT_EQ((*queues)[2].config.name, "etl");
  EXPECT_EQ((*queues)[2].config.weight, 2.0);
  EXPECT_EQ((*queues)[2].config.cap.slots, 2);
  ASSERT_TRUE((*cl)->set_queue(tranche::queue_config{"closed", 1.0, {}, {8, tranche::kUnlimited}, 4}).ok());
  auto r = (*cl)->run_sql("SELECT count(*) FROM t", {{"t", (dir_ / "t" / "*.csv").string()}},
                          nullptr, {"closed", 0, {}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(std::get<int64_t>(r->batches[0].get(0, 0)), 50000);
  EXPECT_EQ((*cl)->set_queue(tranche::queue_config{"etl", 0}).message(),
            "queue \"etl\": weight must be > 0 (got 0)");
}

// The head closes connections silent past its connection-timeout (500 ms):
// an SDK client idle longer than that, or waiting for a long program, must
// stay connected (it sends heartbeats), and its programs must still run.
TEST_F(Daemons, AnIdleClientStaysConnected) {
  auto cl = tranche::cluster::connect("127.0.0.1:" + port_, (dir_ / "cluster.key").string());
  ASSERT_TRUE(cl.ok()) << cl.status().message();
  std::this_thread::sleep_for(1500ms);
  auto r = (*cl)->run_sql("SELECT count(*) FROM t", {{"t", (dir_ / "t" / "*.csv").string()}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->rows, 1u);
  EXPECT_EQ(std::get<int64_t>(r->batches[0].get(0, 0)), 50000);
}

TEST_F(Daemons, WrongSecretIsRefusedForWorkersAndClients) {
  pid_t bad = start_worker("wrong.key", "bad.log");
  int status = 0;
  for (int i = 0; i < 200 && waitpid(bad, &status, WNOHANG) == 0; ++i)
    std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(slurp(dir_ / "bad.log").find("authentication failed"), std::string::npos);
  EXPECT_TRUE(wait_for(dir_ / "head.log", "refused a worker: authentication failed"));
  EXPECT_EQ(slurp(dir_ / "head.log").find("node 4 joined"), std::string::npos);

  auto client = run(sql(remote("wrong.key"), "SELECT count(*) FROM t") + " 2>&1");
  EXPECT_EQ(client.first, 1);
  EXPECT_NE(client.second.find("authentication failed"), std::string::npos) << client.second;
  auto nosecret = run(bin("tranche") + " sql --cluster 127.0.0.1:" + port_ +
                      " \"SELECT count(*) FROM t\" 2>&1");
  EXPECT_EQ(nosecret.first, 1);
  EXPECT_NE(nosecret.second.find("secret"), std::string::npos) << nosecret.second;
}

TEST_F(Daemons, AKilledWorkerLeavesTheClusterAndProgramsStillRun) {
  kill(worker_pids_[0], SIGKILL);
  ASSERT_TRUE(wait_for(dir_ / "head.log", "is dead"));
  auto r = run(sql(remote(), "SELECT count(*) FROM t"));
  EXPECT_EQ(r.first, 0);
  EXPECT_EQ(r.second, "count(*)\n50000\n");
}

TEST_F(Daemons, AHungWorkerIsDeclaredDeadAndRejoinsAsANewIncarnation) {
  kill(worker_pids_[1], SIGSTOP);
  EXPECT_TRUE(wait_for(dir_ / "head.log", "is dead"));
  kill(worker_pids_[1], SIGCONT);
  // Resumed, it learns it was dropped and joins again as a new incarnation.
  EXPECT_TRUE(wait_for(dir_ / "w1.log", "incarnation 2"));
  EXPECT_TRUE(wait_for(dir_ / "head.log", "node 4 joined"));
  auto r = run(sql(remote(), "SELECT count(*) FROM t"));
  EXPECT_EQ(r.first, 0);
  EXPECT_EQ(r.second, "count(*)\n50000\n");
}

TEST_F(Daemons, SigtermDrainsAWorkerAndStopsDaemonsWithExitZero) {
  for (pid_t* p : {&worker_pids_[0], &head_pid_}) {
    kill(*p, SIGTERM);
    int status = 0;
    pid_t done = 0;
    for (int i = 0; i < 200 && (done = waitpid(*p, &status, WNOHANG)) == 0; ++i)
      std::this_thread::sleep_for(50ms);
    ASSERT_EQ(done, *p);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    *p = -1;
  }
  // The worker drained first: the head stopped granting it leases, and it
  // left once no task ran there.
  EXPECT_NE(slurp(dir_ / "head.log").find("is draining: no new leases"), std::string::npos);
  EXPECT_NE(slurp(dir_ / "w0.log").find("drained: no task running"), std::string::npos);
}

TEST_F(Daemons, TasksOfAWorkerThatHangsMidProgramAreRerunElsewhere) {
  // Stopped just before the program starts, the worker still holds capacity
  // in the ledger, gets a lease and a task, and hangs; once it is declared
  // dead its task runs on another node and the program's rows are exact.
  const std::string q = "SELECT flag, count(*), sum(quantity) FROM t GROUP BY flag ORDER BY flag";
  auto local = run(sql("--local 2 --slots 1", q));
  ASSERT_EQ(local.first, 0);
  kill(worker_pids_[1], SIGSTOP);
  auto r = run(sql(remote(), q) + " --events 2>" + (dir_ / "events.txt").string());
  kill(worker_pids_[1], SIGCONT);
  EXPECT_EQ(r.first, 0);
  EXPECT_EQ(r.second, local.second);
  EXPECT_TRUE(wait_for(dir_ / "head.log", "is dead"));
  // The lost lease shows in the program's events (unless the head noticed
  // the hang before the program even started, which the wait above makes rare).
  const std::string events = slurp(dir_ / "events.txt");
  if (events.find("its node died") == std::string::npos)
    GTEST_LOG_(WARNING) << "the hung worker was declared dead before it got a task";
  else
    EXPECT_NE(events.find("finished"), std::string::npos);
}

}  // namespace
