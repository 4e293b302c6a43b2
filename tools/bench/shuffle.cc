// tranche-bench shuffle: a node's peak resident memory during a shuffle that
// moves more than the node keeps in memory. A head and two worker daemons on
// loopback run a GROUP BY whose partial aggregates barely shrink the rows
// (key, price is nearly unique), so nearly every row crosses the shuffle;
// workers fetch their partitions through the credit window and spill blocks
// beyond block-memory. The figure: each worker's peak RSS (VmHWM) against
// the limit, 2 x task memory x slots + the worker's idle RSS.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "io/sample_gen.h"
#include "tools/bench/spawn.h"
#include "tranche/client.h"

extern char** environ;

namespace tranche::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A /proc/<pid>/status field in KiB (VmRSS, VmHWM), or -1.
int64_t status_kib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  return -1;
}

}  // namespace

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

bool wait_for(const fs::path& log, const std::string& needle, std::chrono::seconds bound) {
  for (auto end = std::chrono::steady_clock::now() + bound; std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(50ms))
    if (slurp(log).find(needle) != std::string::npos) return true;
  return false;
}

pid_t spawn_process(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  return posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) == 0 ? pid : -1;
}

std::string head_address(const fs::path& log, std::chrono::seconds bound) {
  if (!wait_for(log, "listening on 127.0.0.1:", bound)) return "";
  std::smatch m;
  const std::string text = slurp(log);
  if (!std::regex_search(text, m, std::regex("listening on (127\\.0\\.0\\.1:[0-9]+)"))) return "";
  return m[1];
}

std::string start_daemons(const std::string& bin_dir, const fs::path& run, int workers,
                          std::vector<pid_t>* pids) {
  const std::string key = (run / "cluster.key").string();
  std::ofstream(key) << "bench-secret-0123456789abcdef0123\n";
  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write);
  const std::string tranched = bin_dir + "/tranched";
  pids->push_back(spawn_process({tranched, "--role", "head", "--listen", "127.0.0.1:0", "--slots",
                                 "1", "--secret-file", key, "--work-dir", (run / "head").string(),
                                 "--log-file", (run / "head.log").string()}));
  const std::string head = head_address(run / "head.log", std::chrono::seconds(10));
  for (int w = 0; w < workers && !head.empty(); ++w)
    pids->push_back(spawn_process({tranched, "--role", "worker", "--join", head, "--slots", "1",
                                   "--secret-file", key, "--work-dir",
                                   (run / ("w" + std::to_string(w))).string(), "--log-file",
                                   (run / ("w" + std::to_string(w) + ".log")).string()}));
  if (head.empty() || !wait_for(run / "head.log", "node " + std::to_string(workers + 1) + " joined",
                                std::chrono::seconds(20))) {
    std::cerr << slurp(run / "head.log");
    return "";
  }
  return head;
}

int shuffle_main(const std::vector<std::string>& args, const std::string& bin_dir) {
  uint64_t rows = 20'000'000;
  int files = 16, slots = 2;
  std::string dir = "/tmp/tranche-bench-shuffle", block_memory = "";
  const int64_t task_memory = 256ll << 20;  // the head's planner asks this per task
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--rows")
      rows = std::stoull(args[i + 1]);
    else if (args[i] == "--files")
      files = std::stoi(args[i + 1]);
    else if (args[i] == "--slots")
      slots = std::stoi(args[i + 1]);
    else if (args[i] == "--block-memory")
      block_memory = args[i + 1];
    else if (args[i] == "--dir")
      dir = args[i + 1];
    else {
      std::cerr << "shuffle: unknown option " << args[i] << "\n";
      return 2;
    }
  }
  const std::string data = absl::StrFormat("%s/r%d-f%d", dir, rows, files);
  if (!fs::exists(data + "/.complete")) {
    sample_options so;
    so.rows = rows;
    so.files = files;
    if (auto r = generate_sample(data, so); !r.ok()) {
      std::cerr << r.status().message() << "\n";
      return 1;
    }
    std::ofstream(data + "/.complete") << "ok\n";
  }
  const fs::path run =
      fs::temp_directory_path() / ("tranche-bench-shuffle-" + std::to_string(getpid()));
  fs::create_directories(run);
  const std::string key = (run / "cluster.key").string();
  std::ofstream(key) << "benchmark-secret-0123456789abcdef\n";
  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write);
  const std::string tranched = bin_dir + "/tranched";
  // Each worker offers slots x task memory, so leases fill it exactly.
  const std::string memory = std::to_string((task_memory * slots) >> 20) + "MiB";
  std::vector<pid_t> pids;
  auto stop_all = [&] {
    for (pid_t p : pids)
      if (p > 0) kill(p, SIGKILL);
    for (pid_t p : pids) {
      int st;
      if (p > 0) waitpid(p, &st, 0);
    }
    fs::remove_all(run);
  };
  pids.push_back(
      spawn_process({tranched, "--role", "head", "--listen", "127.0.0.1:0", "--slots", "1",
                     "--memory", "256MiB", "--secret-file", key, "--work-dir",
                     (run / "head").string(), "--log-file", (run / "head.log").string()}));
  const std::string head = head_address(run / "head.log", 10s);
  if (head.empty()) {
    std::cerr << "shuffle: the head did not start\n" << slurp(run / "head.log");
    stop_all();
    return 1;
  }
  for (int w = 0; w < 2; ++w) {
    std::vector<std::string> a{tranched,
                               "--role",
                               "worker",
                               "--join",
                               head,
                               "--slots",
                               std::to_string(slots),
                               "--memory",
                               memory,
                               "--secret-file",
                               key,
                               "--work-dir",
                               (run / ("w" + std::to_string(w))).string(),
                               "--log-file",
                               (run / ("w" + std::to_string(w) + ".log")).string()};
    if (!block_memory.empty()) {
      a.push_back("--block-memory");
      a.push_back(block_memory);
    }
    pids.push_back(spawn_process(a));
  }
  if (!wait_for(run / "head.log", "node 3 joined", 20s)) {
    std::cerr << "shuffle: the workers did not join\n";
    stop_all();
    return 1;
  }
  std::this_thread::sleep_for(300ms);
  std::vector<int64_t> idle_kib;
  for (size_t w = 1; w < 3; ++w) idle_kib.push_back(status_kib(pids[w], "VmRSS"));

  auto cl = cluster::connect(head, key);
  if (!cl.ok()) {
    std::cerr << "shuffle: " << cl.status().message() << "\n";
    stop_all();
    return 1;
  }
  const std::string sql =
      "SELECT key, price, count(*) FROM t GROUP BY key, price HAVING count(*) > 1";
  auto r = (*cl)->run_sql(sql, {{"t", data + "/*.csv"}});
  if (!r.ok()) {
    std::cerr << "shuffle: " << r.status().message() << "\n";
    stop_all();
    return 1;
  }
  std::vector<int64_t> peak_kib;
  for (size_t w = 1; w < 3; ++w) peak_kib.push_back(status_kib(pids[w], "VmHWM"));
  cl->reset();
  stop_all();

  const double mib = 1024.0;
  int64_t worst_peak = 0, worst_idle = 0;
  for (size_t w = 0; w < 2; ++w) {
    std::cout << absl::StrFormat("worker %d: idle RSS %.0f MiB, peak RSS %.0f MiB\n", w + 1,
                                 idle_kib[w] / mib, peak_kib[w] / mib);
    if (peak_kib[w] > worst_peak) {
      worst_peak = peak_kib[w];
      worst_idle = idle_kib[w];
    }
  }
  const double limit_mib = 2.0 * (task_memory >> 20) * slots + worst_idle / mib;
  // What crossed the shuffle: the partial aggregates, about one row each.
  std::cout << absl::StrFormat(
      "%d rows through GROUP BY key, price in %.2f s (%d result rows); limit per worker "
      "2 x %d MiB x %d slots + idle RSS = %.0f MiB\n",
      rows, r->seconds, r->rows, task_memory >> 20, slots, limit_mib);
  std::cout << absl::StrFormat(
      "rows=%d slots=%d task_memory_mib=%d block_memory=%s seconds=%.2f "
      "worker_idle_rss_mib=%.0f worker_peak_rss_mib=%.0f limit_mib=%.0f ratio_to_limit=%.2f\n",
      rows, slots, task_memory >> 20, block_memory.empty() ? "default" : block_memory, r->seconds,
      worst_idle / mib, worst_peak / mib, limit_mib, worst_peak / mib / limit_mib);
  return 0;
}

}  // namespace tranche::bench
