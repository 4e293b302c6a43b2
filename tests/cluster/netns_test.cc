// Multi-host tests: the head, two workers and the client each run in their
// own network namespace, as separate hosts on a private subnet. The hosts'
// veth pairs meet on a bridge that lives in one more "switch" namespace, so
// the root namespace's networking is never touched, and two runs of the test
// (named by pid) never share a network even when their subnets coincide.
// Programs run from the client host must give the same rows as on the
// embedded cluster. Needs root and `ip` (iproute2); skips otherwise. Every
// process is started here and killed by pid at the end, every namespace is
// deleted at the end, every wait is bounded.
#include <gtest/gtest.h>

#include "process_util.h"
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>


namespace {

namespace fs = std::filesystem;
using namespace tranche_test;
using namespace std::chrono_literals;


std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}


// The path of an executable on PATH or in the sbin directories (a test's
// PATH may lack them); empty when there is none.
std::string find_tool(const std::string& name) {
  const char* env = std::getenv("PATH");
  std::stringstream dirs(std::string(env ? env : "") + ":/usr/sbin:/sbin:/usr/bin:/bin");
  std::string d;
  while (std::getline(dirs, d, ':'))
    if (!d.empty() && access((d + "/" + name).c_str(), X_OK) == 0) return d + "/" + name;
  return "";
}

class Netns : public ::testing::Test {
 protected:
  struct host {
    std::string name;  // suffix of its namespace, and its port's name on the bridge
    int octet;         // its address is subnet_ + octet
  };

  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
    ip_ = find_tool("ip");
    if (ip_.empty()) GTEST_SKIP() << "needs `ip` (iproute2) to create network namespaces";
    prefix_ = "tranche-netns-" + std::to_string(getpid()) + "-";
    subnet_ = "10.213." + std::to_string(getpid() % 250) + ".";
    // The switch: a bridge in a namespace of its own.
    auto probe = run(ip_ + " netns add " + ns("switch") + " 2>&1");
    if (probe.first != 0)
      GTEST_SKIP() << "`ip netns add` is not permitted here: " << trim(probe.second);
    namespaces_.push_back(ns("switch"));
    // Entering one needs a mount namespace of its own: in a chroot (where /
    // is no mount point) adding works but entering does not.
    auto enter = run(ip_ + " -n " + ns("switch") + " link set lo up 2>&1");
    if (enter.first != 0)
      GTEST_SKIP() << "network namespaces cannot be entered here: " << trim(enter.second);
    ASSERT_TRUE(ip("-n " + ns("switch") + " link add br0 type bridge"));
    ASSERT_TRUE(ip("-n " + ns("switch") + " link set br0 up"));
    // One host per namespace: its end of a veth pair is its eth0, the other
    // end is a port of the bridge. Both ends are created in their namespaces.
    for (const host& h : hosts_) {
      ASSERT_TRUE(ip("netns add " + ns(h.name)));
      namespaces_.push_back(ns(h.name));
      ASSERT_TRUE(ip("-n " + ns("switch") + " link add " + h.name +
                     " type veth peer name eth0 netns " + ns(h.name)));
      ASSERT_TRUE(ip("-n " + ns("switch") + " link set " + h.name + " master br0 up"));
      ASSERT_TRUE(ip("-n " + ns(h.name) + " addr add " + addr(h.name) + "/24 dev eth0"));
      ASSERT_TRUE(ip("-n " + ns(h.name) + " link set eth0 up"));
      ASSERT_TRUE(ip("-n " + ns(h.name) + " link set lo up"));
    }

    // Every namespace sees the same files: `ip netns exec` only changes the
    // network (and remounts /sys).
    dir_ = fs::temp_directory_path() / ("tranche-netns-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    write_secret(dir_ / "cluster.key", "0123456789abcdef0123456789abcdef");
    ASSERT_EQ(run(bin("tranche") + " gen sample --rows 50000 --files 12 --out " +
                  (dir_ / "t").string() + " > /dev/null")
                  .first,
              0);

    head_pid_ = start("head",
                      {"--role", "head", "--listen", addr("head") + ":0", "--slots", "1",
                       "--memory", "1GiB", "--secret-file", (dir_ / "cluster.key").string()},
                      dir_ / "head.log");
    const std::string listening = "listening on " + addr("head") + ":";
    ASSERT_TRUE(wait_for(dir_ / "head.log", listening)) << slurp(dir_ / "head.log");
    const std::string log = slurp(dir_ / "head.log");
    const size_t at = log.find(listening) + listening.size();
    port_ = log.substr(at, log.find_first_not_of("0123456789", at) - at);
    ASSERT_FALSE(port_.empty()) << log;
    for (const char* w : {"worker1", "worker2"})
      worker_pids_.push_back(
          start(w,
                {"--role", "worker", "--join", head(), "--slots", "1", "--memory", "1GiB",
                 "--secret-file", (dir_ / "cluster.key").string()},
                dir_ / (std::string(w) + ".log")));
    ASSERT_TRUE(wait_for(dir_ / "head.log", "node 3 joined"))
        << slurp(dir_ / "head.log") << slurp(dir_ / "worker1.log") << slurp(dir_ / "worker2.log");
    // `ip netns exec NS cmd` execs cmd in place (iproute2 forks only in batch
    // mode), so the pid posix_spawn returned is the daemon's own, the one
    // TearDown kills; and that process lives in its host's namespace.
    const std::vector<std::pair<pid_t, std::string>> daemons{
        {head_pid_, "head"}, {worker_pids_[0], "worker1"}, {worker_pids_[1], "worker2"}};
    for (const auto& [pid, name] : daemons) {
      ASSERT_EQ(exe(pid), "tranched") << name;
      ASSERT_EQ(trim(run(ip_ + " netns identify " + std::to_string(pid)).second), ns(name));
    }
  }

  void TearDown() override {
    for (pid_t p : worker_pids_) stop(p);
    stop(head_pid_);
    // Deleting a namespace deletes the veth ends in it, and the bridge with
    // the switch's.
    for (const std::string& n : namespaces_) {
      auto r = run(ip_ + " netns del " + n + " 2>&1");
      EXPECT_EQ(r.first, 0) << "could not delete namespace " << n << ": " << r.second;
    }
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string ns(const std::string& name) const { return prefix_ + name; }
  std::string addr(const std::string& name) const {
    for (const host& h : hosts_)
      if (h.name == name) return subnet_ + std::to_string(h.octet);
    return "";
  }
  std::string head() const { return addr("head") + ":" + port_; }

  // Runs `ip ARGS`; the failure carries its output.
  ::testing::AssertionResult ip(const std::string& args) const {
    auto r = run(ip_ + " " + args + " 2>&1");
    if (r.first == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "ip " << args << ": exit " << r.first << ": " << r.second;
  }
  // Prefixes a shell command so that it runs on host `name`.
  std::string on(const std::string& name, const std::string& cmd) const {
    return ip_ + " netns exec " + ns(name) + " " + cmd;
  }

  static std::string exe(pid_t pid) {
    std::error_code ec;
    return fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec).filename().string();
  }

  // Starts tranched on host `name`.
  pid_t start(const std::string& name, const std::vector<std::string>& args, const fs::path& log) {
    std::vector<std::string> argv_s{ip_, "netns", "exec", ns(name), bin("tranched")};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    argv_s.push_back("--log-file");
    argv_s.push_back(log.string());
    return spawn(std::move(argv_s));
  }
  std::string sql(const std::string& where, const std::string& query) {
    return bin("tranche") + " sql --format csv " + where + " --table 't=" + (dir_ / "t").string() +
           "/*.csv' \"" + query + "\"";
  }
  std::string remote(const std::string& at) {
    return "--cluster " + at + " --secret-file " + (dir_ / "cluster.key").string();
  }

  const std::vector<host> hosts_{{"head", 1}, {"worker1", 2}, {"worker2", 3}, {"client", 4}};
  std::string ip_;
  std::string prefix_;
  std::string subnet_;
  std::vector<std::string> namespaces_;
  fs::path dir_;
  std::string port_;
  pid_t head_pid_ = -1;
  std::vector<pid_t> worker_pids_;
};

TEST_F(Netns, ProgramsFromAnotherHostGiveTheSameRowsAsTheEmbeddedCluster) {
  // The first program shuffles: its scan and its final aggregate run on all
  // three nodes (one slot each), so partial groups cross hosts.
  const std::string shuffle =
      "SELECT flag, sum(price) AS revenue, avg(quantity), count(*) FROM t WHERE shipdate < DATE "
      "'1998-09-02' GROUP BY flag ORDER BY flag";
  for (const std::string& q :
       {shuffle,
        std::string("SELECT key, count(*), sum(quantity) FROM t GROUP BY key "
                    "ORDER BY count(*) DESC, key LIMIT 40"),
        std::string("SELECT count(*), min(shipdate), max(price) FROM t"),
        std::string("SELECT key, price, shipdate FROM t WHERE quantity = 7 "
                    "ORDER BY price DESC, key LIMIT 20")}) {
    auto local = run(sql("--local 2", q));
    std::string events;
    if (q == shuffle) events = " --events 2>" + (dir_ / "events.txt").string();
    auto cluster = run(on("client", sql(remote(head()), q) + events));
    ASSERT_EQ(local.first, 0) << q;
    ASSERT_EQ(cluster.first, 0) << q;
    EXPECT_EQ(cluster.second, local.second) << q;
    EXPECT_NE(cluster.second.find('\n'), std::string::npos);
  }
  const std::string events = slurp(dir_ / "events.txt");
  for (const char* node : {"on node 1 (", "on node 2 (", "on node 3 ("})
    EXPECT_NE(events.find(node), std::string::npos) << node << " missing in\n" << events;
}

TEST_F(Netns, WorkersJoinTheHeadOverTheSubnetAndLoopbackDoesNotReachIt) {
  // From the client host the head is not on 127.0.0.1: it is another host.
  auto loopback =
      run(on("client", sql(remote("127.0.0.1:" + port_), "SELECT count(*) FROM t") + " 2>&1"));
  EXPECT_EQ(loopback.first, 1) << loopback.second;
  EXPECT_NE(loopback.second.find("cannot reach the head at 127.0.0.1:" + port_), std::string::npos)
      << loopback.second;
  auto addrs = run(ip_ + " -n " + ns("client") + " -4 -o addr show");
  EXPECT_EQ(addrs.second.find(addr("head") + "/"), std::string::npos) << addrs.second;
  auto r = run(on("client", sql(remote(head()), "SELECT count(*) FROM t")));
  EXPECT_EQ(r.first, 0);
  EXPECT_EQ(r.second, "count(*)\n50000\n");

  // The workers joined the head's subnet address: their logs say so, and
  // their kernels hold a connection from their own address to it.
  const std::string ss = find_tool("ss");
  for (const char* w : {"worker1", "worker2"}) {
    EXPECT_NE(slurp(dir_ / (std::string(w) + ".log")).find("joined " + head() + " as node "),
              std::string::npos)
        << slurp(dir_ / (std::string(w) + ".log"));
    if (ss.empty()) continue;
    auto conns = run(on(w, ss + " -Htn state established"));
    EXPECT_EQ(conns.first, 0);
    EXPECT_NE(conns.second.find(addr(w) + ":"), std::string::npos) << conns.second;
    EXPECT_NE(conns.second.find(head()), std::string::npos) << conns.second;
  }
}

}  // namespace
