// A head daemon and workers on ephemeral loopback ports, for the cancel and
// limits tests: started in SetUp-like calls, killed by pid and reaped in the
// destructor, every wait bounded.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "process_util.h"
#include "tranche/client.h"

namespace tranche_test {

class daemon_cluster {
 public:
  explicit daemon_cluster(const std::string& name)
      : dir_(std::filesystem::temp_directory_path() /
             (name + "-" + std::to_string(getpid()))) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    write_secret(key(), "0123456789abcdef0123456789abcdef");
  }
  ~daemon_cluster() {
    for (pid_t p : pids_) stop(p);
    // Session kernels run in process groups of their own: each one an agent
    // started ("kernel started (pid N)") is killed here too.
    for (pid_t p : kernel_pids()) ::kill(p, SIGKILL);
    std::filesystem::remove_all(dir_);
  }

  // The pids of the session kernels the daemons' agents started.
  [[nodiscard]] std::vector<pid_t> kernel_pids() const {
    std::vector<pid_t> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
      if (e.path().extension() != ".log") continue;
      const std::string log = slurp(e.path());
      static const std::regex re("kernel started \\(pid ([0-9]+)\\)");
      for (auto it = std::sregex_iterator(log.begin(), log.end(), re); it != std::sregex_iterator();
           ++it)
        out.push_back(static_cast<pid_t>(std::stol((*it)[1])));
    }
    return out;
  }
  daemon_cluster(const daemon_cluster&) = delete;
  daemon_cluster& operator=(const daemon_cluster&) = delete;

  // Starts the head with these extra flags and `workers` workers of one slot
  // each; false (and a message naming the log) when they do not come up in 10 s.
  [[nodiscard]] bool start(int workers, const std::vector<std::string>& head_flags = {},
                           const std::vector<std::string>& worker_flags = {}) {
    head_flags_ = head_flags;
    if (!start_head()) return false;
    for (int w = 0; w < workers; ++w) {
      const std::string n = std::to_string(w);
      std::vector<std::string> args{bin("tranched"), "--role", "worker", "--join", address(),
                                    "--slots", "1", "--memory", "1GiB", "--secret-file", key(),
                                    "--work-dir", (dir_ / ("w" + n)).string(), "--log-file",
                                    (dir_ / ("w" + n + ".log")).string()};
      args.insert(args.end(), worker_flags.begin(), worker_flags.end());
      const pid_t pid = spawn(args);
      pids_.push_back(pid);
      worker_pids_.push_back(pid);
    }
    return workers == 0 || wait_for(head_log(), "node " + std::to_string(workers + 1) + " joined");
  }

  // Stops the head with SIGTERM (waiting up to 20 s for it to exit) and
  // starts it again with the same flags and work directory, logging to a new
  // file; false when it does not come back in 10 s. The workers are left as
  // they are (they rejoin a head at the old address only).
  [[nodiscard]] bool restart_head() {
    kill(head_pid_, SIGTERM);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    int status = 0;
    while (waitpid(head_pid_, &status, WNOHANG) != head_pid_) {
      if (std::chrono::steady_clock::now() > until) {
        stop(head_pid_);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::erase(pids_, head_pid_);
    ++starts_;
    return start_head();
  }

  [[nodiscard]] std::string address() const { return "127.0.0.1:" + port_; }
  [[nodiscard]] std::string key() const { return (dir_ / "cluster.key").string(); }
  [[nodiscard]] std::filesystem::path head_log() const {
    return dir_ / (starts_ == 0 ? std::string("head.log") : "head-" + std::to_string(starts_) + ".log");
  }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] pid_t head_pid() const { return head_pid_; }
  [[nodiscard]] const std::vector<pid_t>& worker_pids() const { return worker_pids_; }
  // The worker that joined as `node` (its log says "as node N"), or -1.
  [[nodiscard]] pid_t worker_pid_of_node(uint64_t node) const {
    for (size_t w = 0; w < worker_pids_.size(); ++w)
      if (slurp(dir_ / ("w" + std::to_string(w) + ".log"))
              .find(" as node " + std::to_string(node) + " ") != std::string::npos)
        return worker_pids_[w];
    return -1;
  }

  // Polls the head's ledger for up to `bound` until every registered slot is
  // free and no lease or request is left; the last totals seen.
  static bool ledger_whole(tranche::cluster& c, std::chrono::milliseconds bound,
                           tranche::ledger_totals* last) {
    const auto until = std::chrono::steady_clock::now() + bound;
    do {
      auto l = c.ledger();
      if (l.ok()) {
        *last = *l;
        if (l->free_slots == l->registered_slots && l->leases == 0 && l->queued == 0 &&
            l->free_memory == l->registered_memory)
          return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < until);
    return false;
  }

 private:
  bool start_head() {
    std::vector<std::string> head{bin("tranched"), "--role", "head", "--listen", "127.0.0.1:0",
                                  "--slots", "1", "--memory", "1GiB", "--secret-file", key(),
                                  "--work-dir", (dir_ / "head").string(), "--log-file",
                                  head_log().string()};
    head.insert(head.end(), head_flags_.begin(), head_flags_.end());
    head_pid_ = spawn(head);
    pids_.push_back(head_pid_);
    if (!wait_for(head_log(), "listening on 127.0.0.1:")) return false;
    std::smatch m;
    const std::string log = slurp(head_log());
    if (!std::regex_search(log, m, std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)")))
      return false;
    port_ = m[1];
    return true;
  }

  std::filesystem::path dir_;
  std::vector<std::string> head_flags_;
  int starts_ = 0;
  std::string port_;
  pid_t head_pid_ = -1;
  std::vector<pid_t> pids_;
  std::vector<pid_t> worker_pids_;
};

// Waits up to `bound` for `pid` to exit; its exit code, -1 if killed by a
// signal, or -2 if it is still running (then it is killed and reaped).
inline int wait_exit(pid_t pid, std::chrono::milliseconds bound) {
  const auto until = std::chrono::steady_clock::now() + bound;
  int status = 0;
  while (std::chrono::steady_clock::now() < until) {
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop(pid);
  return -2;
}

}  // namespace tranche_test
