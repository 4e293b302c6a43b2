// tranche-bench cancel: how long cancelling a running program takes to stop
// it, on a head and two workers (tranched processes on loopback). Three ways,
// each --rounds times, once the program's first task has finished:
//   sdk          cluster::cancel(id) from a connected client;
//   sigint       Ctrl-C (SIGINT) to `tranche sql --cluster ...`;
//   client_gone  kill -9 of that CLI: the head sees its connection drop.
// "Stopped" is the later of: the broker's ledger whole again (every slot
// free, no lease), and the CPU time of the three daemons (the head runs
// tasks too) still for 100 ms: their tasks have stopped computing. The limit is 1 s. For
// sigint also the CLI's exit (code 130). The last line: sdk_ms=… sigint_ms=… sigint_exit_ms=…
// client_gone_ms=… limit_ms=1000 max_ratio=… (each the slowest round; max_ratio the slowest over
// the limit).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "io/sample_gen.h"
#include "tools/bench/spawn.h"
#include "tranche/client.h"

namespace tranche::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr const char* kSql =
    "SELECT key, flag, count(*) AS n, sum(quantity) AS q FROM t GROUP BY key, flag "
    "ORDER BY q DESC LIMIT 10";

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

// utime + stime of a process, in clock ticks.
long cpu_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return utime + stime;
}

// From `t0`, waits (up to 20 s) until the ledger is whole and the workers'
// CPU time has not moved for 100 ms; the milliseconds from t0 to the later
// of the two (the quiet window's start), or -1.
double until_stopped(cluster& c, const std::vector<pid_t>& workers, clock_type::time_point t0) {
  double ledger_ms = -1, quiet_from_ms = -1;
  long last = -1;
  clock_type::time_point changed = t0;
  const auto give_up = t0 + 20s;
  while (clock_type::now() < give_up) {
    long ticks = 0;
    for (pid_t w : workers) ticks += cpu_ticks(w);
    const auto now = clock_type::now();
    if (ticks != last) {
      last = ticks;
      changed = now;
    }
    if (ledger_ms < 0) {
      auto l = c.ledger();
      if (l.ok() && l->free_slots == l->registered_slots && l->leases == 0 && l->queued == 0)
        ledger_ms = ms_since(t0);
    }
    if (ledger_ms >= 0 && now - changed >= 100ms) {
      quiet_from_ms = std::chrono::duration<double, std::milli>(changed - t0).count();
      return std::max(ledger_ms, quiet_from_ms);
    }
    std::this_thread::sleep_for(5ms);
  }
  return -1;
}

int usage(const std::string& msg) {
  std::cerr << "cancel: " << msg
            << "\nusage: tranche-bench cancel [--rounds N] [--rows N] [--files F]\n";
  return 2;
}

}  // namespace

int cancel_main(const std::vector<std::string>& args, const std::string& bin_dir) {
  int rounds = 5;
  uint64_t rows = 6'000'000;
  uint64_t files = 6;  // few and large: a cancel lands in the middle of tasks
  for (size_t i = 0; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) return usage(args[i] + " needs a value");
    char* end = nullptr;
    const unsigned long long n = std::strtoull(args[i + 1].c_str(), &end, 10);
    if (args[i + 1].empty() || *end != '\0') return usage(args[i] + " needs a number");
    if (args[i] == "--rounds" && n >= 1 && n <= 1000)
      rounds = static_cast<int>(n);
    else if (args[i] == "--rows" && n >= 10000)
      rows = n;
    else if (args[i] == "--files" && n >= 1 && n <= 1000)
      files = n;
    else
      return usage("bad option " + args[i]);
  }
  const fs::path run =
      fs::temp_directory_path() / ("tranche-bench-cancel-" + std::to_string(getpid()));
  fs::remove_all(run);
  fs::create_directories(run);
  sample_options so;
  so.rows = rows;
  so.files = files;
  if (auto r = generate_sample((run / "t").string(), so); !r.ok())
    return usage(std::string(r.status().message()));
  const std::vector<table_binding> tables{{"t", (run / "t").string() + "/*.csv"}};
  std::vector<pid_t> pids;
  auto stop_all = [&] {
    for (pid_t p : pids) kill(p, SIGKILL);
    for (pid_t p : pids) waitpid(p, nullptr, 0);
    fs::remove_all(run);
  };
  const std::string head = start_daemons(bin_dir, run, 2, &pids);
  const std::vector<pid_t> workers = pids;  // the head runs tasks too
  const std::string key = (run / "cluster.key").string();
  if (head.empty()) {
    std::cerr << "cancel: the cluster did not start\n";
    stop_all();
    return 1;
  }
  auto cl = cluster::connect(head, key);
  if (!cl.ok()) {
    std::cerr << "cancel: " << cl.status().message() << "\n";
    stop_all();
    return 1;
  }
  const auto t_full = clock_type::now();
  auto full = (*cl)->run_sql(kSql, tables);
  if (!full.ok()) {
    std::cerr << "cancel: the program failed: " << full.status().message() << "\n";
    stop_all();
    return 1;
  }
  const double full_ms = ms_since(t_full);
  std::cout << absl::StrFormat("the program takes %.0f ms uncancelled\n", full_ms);

  double sdk_ms = 0, sigint_ms = 0, sigint_exit_ms = 0, gone_ms = 0;
  bool failed = false;
  for (int round = 0; round < rounds && !failed; ++round) {
    // sdk: cancel once the first task has finished.
    {
      caf::scoped_actor self{(*cl)->system()};
      auto id = (*cl)->submit(kSql, tables, caf::actor_cast<caf::actor>(self));
      bool running = false, ended = false;
      std::string error;
      while (id.ok() && !running && !ended)
        self->receive(
            [&](progress_atom, const progress_event& e) {
              running = e.kind == progress_kind::task_finished;
            },
            [](result_atom, uint64_t, const std::vector<char>&) {},
            [&](done_atom, uint64_t, const std::string&) { ended = true; },
            caf::after(30s) >> [&] { ended = true; });
      if (!running) {
        std::cerr << "cancel: the program ended before it could be cancelled\n";
        failed = true;
        break;
      }
      const auto t0 = clock_type::now();
      (void)(*cl)->cancel(*id);
      self->receive([&](done_atom, uint64_t, const std::string& e) { error = e; },
                    caf::after(20s) >> [&] { error = "no done message in 20 s"; });
      const double ms = until_stopped(**cl, workers, t0);
      std::cout << absl::StrFormat("round %d sdk: %s; stopped after %.0f ms\n", round + 1, error,
                                   ms);
      failed = failed || ms < 0 || error != "cancelled";
      sdk_ms = std::max(sdk_ms, ms);
    }
    // sigint and client_gone: the CLI, stopped by a signal after its first task.
    for (int sig : {SIGINT, SIGKILL}) {
      const fs::path err = run / "cli.err";
      fs::remove(err);
      const std::string cmd = "exec " + bin_dir + "/tranche sql --events --cluster " + head +
                              " --secret-file " + key + " --table 't=" + (run / "t").string() +
                              "/*.csv' \"" + kSql + "\" > /dev/null 2> " + err.string();
      const pid_t cli = spawn_process({"/bin/sh", "-c", cmd});
      if (!wait_for(err, "task done", 30s)) {
        std::cerr << "cancel: the CLI's program never ran a task\n" << slurp(err);
        kill(cli, SIGKILL);
        waitpid(cli, nullptr, 0);
        failed = true;
        break;
      }
      const auto t0 = clock_type::now();
      kill(cli, sig);
      int status = 0;
      waitpid(cli, &status, 0);
      const double exit_ms = ms_since(t0);
      const double ms = until_stopped(**cl, workers, t0);
      const bool ok =
          sig == SIGINT ? WIFEXITED(status) && WEXITSTATUS(status) == 130 : WIFSIGNALED(status);
      std::cout << absl::StrFormat(
          "round %d %s: CLI exited after %.0f ms%s; stopped after %.0f ms\n", round + 1,
          sig == SIGINT ? "sigint" : "client_gone", exit_ms, ok ? "" : " (UNEXPECTED exit status)",
          ms);
      failed = failed || ms < 0 || !ok;
      if (sig == SIGINT) {
        sigint_ms = std::max(sigint_ms, ms);
        sigint_exit_ms = std::max(sigint_exit_ms, exit_ms);
      } else {
        gone_ms = std::max(gone_ms, ms);
      }
    }
  }
  cl->reset();
  stop_all();
  const double worst = std::max({sdk_ms, sigint_ms, sigint_exit_ms, gone_ms});
  std::cout << absl::StrFormat(
      "rounds=%d program_ms=%.0f sdk_ms=%.0f sigint_ms=%.0f sigint_exit_ms=%.0f "
      "client_gone_ms=%.0f limit_ms=1000 max_ratio=%.2f%s\n",
      rounds, full_ms, sdk_ms, sigint_ms, sigint_exit_ms, gone_ms, worst / 1000.0,
      failed ? " failed=1" : "");
  return failed ? 1 : 0;
}

}  // namespace tranche::bench
