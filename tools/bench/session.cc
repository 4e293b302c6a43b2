// tranche-bench session: what a user waits for with interactive sessions, on
// a head and two workers (tranched processes on loopback), each hosting
// sessions. Each of --rounds rounds:
//   start      tranche session create's wait: placement, the kernel process's
//              launch, its attaching to the cluster and registering (the
//              limit is session-register-timeout, 30 s);
//   statement  one statement through the kernel's REST API (POST, then GET
//              until it ended, as `tranche shell` does), against
//   direct     the same program submitted by the SDK from this process: the
//              session's overhead is the difference;
//   stop       stop_session until the head records the session stopped.
// The last line: start_p50_ms=… start_max_ms=… limit_ms=30000 start_ratio=…
// statement_p50_ms=… direct_p50_ms=… session_overhead_p50_ms=… stop_p50_ms=…
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "cli/session_client.h"
#include "io/sample_gen.h"
#include "tools/bench/spawn.h"
#include "tranche/client.h"

namespace tranche::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr const char* kSql = "SELECT flag, count(*) AS n, sum(quantity) AS q FROM t GROUP BY flag";

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5)];
}

int fail(const std::string& what) {
  std::cerr << "session: " << what << "\n";
  return 1;
}

}  // namespace

int session_main(const std::vector<std::string>& args, const std::string& bin_dir) {
  int rounds = 10;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--rounds") {
      rounds = std::max(1, std::stoi(args[i + 1]));
    } else {
      std::cerr << "session: unknown option " << args[i] << " (--rounds N)\n";
      return 2;
    }
  }
  const fs::path run =
      fs::temp_directory_path() / ("tranche-bench-session-" + std::to_string(getpid()));
  fs::remove_all(run);
  fs::create_directories(run);
  sample_options so;
  so.rows = 100000;
  so.files = 2;
  if (auto r = generate_sample((run / "t").string(), so); !r.ok())
    return fail(std::string(r.status().message()));
  std::vector<pid_t> pids;
  auto stop_all = [&] {
    for (pid_t p : pids) kill(p, SIGTERM);  // their agents stop their kernels
    for (pid_t p : pids) waitpid(p, nullptr, 0);
    fs::remove_all(run);
  };
  const std::string head = start_daemons(bin_dir, run, 2, &pids);
  const std::string key = (run / "cluster.key").string();
  if (head.empty()) {
    stop_all();
    return fail("the cluster did not start");
  }
  auto cl = cluster::connect(head, key);
  if (!cl.ok()) {
    stop_all();
    return fail(std::string(cl.status().message()));
  }
  auto made = (*cl)->run_sql(
      "CREATE EXTERNAL TABLE t (key BIGINT, price DOUBLE, quantity BIGINT, shipdate DATE, flag "
      "VARCHAR) LOCATION '" +
          (run / "t").string() + "/*.csv' FORMAT CSV HEADER",
      {});
  if (!made.ok()) {
    stop_all();
    return fail(std::string(made.status().message()));
  }
  std::vector<double> start, statement, direct, stop;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = clock_type::now();
    auto s = (*cl)->create_session({"bench", 0, 0});
    if (!s.ok()) {
      stop_all();
      return fail(std::string(s.status().message()));
    }
    start.push_back(ms_since(t0));
    cli::session_client client(s->info.endpoint, s->token);
    for (int q = 0; q < 3; ++q) {
      t0 = clock_type::now();
      auto id = client.submit(kSql);
      absl::StatusOr<cli::statement_info> info = absl::UnavailableError("no answer");
      auto backoff = 1ms;
      while (id.ok()) {
        info = client.statement(*id);
        if (!info.ok() || info->ended()) break;
        std::this_thread::sleep_for(backoff);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, 20ms);
      }
      if (!id.ok() || !info.ok() || info->state != "available") {
        stop_all();
        return fail("the statement failed on the session");
      }
      statement.push_back(ms_since(t0));
      t0 = clock_type::now();
      if (!(*cl)->run_sql(kSql, {}).ok()) {
        stop_all();
        return fail("the program failed");
      }
      direct.push_back(ms_since(t0));
    }
    t0 = clock_type::now();
    if (!(*cl)->stop_session(s->info.id).ok()) {
      stop_all();
      return fail("stop failed");
    }
    for (;;) {
      auto now = (*cl)->session(s->info.id);
      if (!now.ok() || has_ended(now->state) || ms_since(t0) > 20'000) break;
      std::this_thread::sleep_for(2ms);
    }
    stop.push_back(ms_since(t0));
    std::cout << absl::StrFormat(
        "round %d: start %.0f ms on node %d, statement %.1f ms (direct %.1f ms), stop %.0f ms\n",
        r + 1, start.back(), s->info.node, statement.back(), direct.back(), stop.back());
  }
  stop_all();
  const double start_max = *std::max_element(start.begin(), start.end());
  const double st50 = percentile(statement, 0.5), d50 = percentile(direct, 0.5);
  std::cout << absl::StrFormat(
      "rounds=%d start_p50_ms=%.0f start_max_ms=%.0f limit_ms=30000 start_ratio=%.4f "
      "statement_p50_ms=%.1f direct_p50_ms=%.1f session_overhead_p50_ms=%.1f stop_p50_ms=%.0f\n",
      rounds, percentile(start, 0.5), start_max, start_max / 30000.0, st50, d50, st50 - d50,
      percentile(stop, 0.5));
  return 0;
}

}  // namespace tranche::bench
