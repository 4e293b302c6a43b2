// `tranche-bench dispatch`: how fast the runtime hands out work.
//  - no-op tasks per second and task round-trip latency: a driver keeps a
//    window of no-op tasks (a scan of nothing) in flight on every executor,
//    first in this process, then on 3 worker daemons (`tranched`) that join
//    this process acting as the head;
//  - capacity grant latency (request -> grant) p50/p99 at the broker;
//  - CAF's own remote request/response round trip in the same run, as the floor.
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "actors/broker.h"
#include "actors/executor.h"
#include "actors/head.h"
#include "tools/bench/spawn.h"
#include "actors/job_manager.h"
#include "actors/message_types.h"
#include "plan/plan_codec.h"

extern char** environ;

namespace tranche::bench {
namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::vector<char> noop_task() { return encode_task(empty_scan_task(1)); }

struct dispatch_result {
  double tasks_per_s = 0;
  double rtt_p50_us = 0, rtt_p99_us = 0;
};

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

// Keeps `window` no-op tasks in flight per executor until `total` are done.
dispatch_result run_dispatch(caf::actor_system& sys, const std::vector<executor_actor>& execs,
                             int total, int window) {
  auto bytes = std::make_shared<std::vector<char>>(noop_task());
  auto rtts = std::make_shared<std::vector<double>>();
  rtts->reserve(total);
  caf::scoped_actor self{sys};
  const auto t0 = clock_type::now();
  auto driver = sys.spawn(
      [=](caf::event_based_actor* a, caf::actor done) {
        auto sent = std::make_shared<int>(0), finished = std::make_shared<int>(0);
        auto send_one = std::make_shared<std::function<void(size_t)>>();
        *send_one = [=](size_t e) {
          if (*sent >= total) return;
          ++*sent;
          const auto start = clock_type::now();
          a->request(execs[e], 30s, run_atom::value, *bytes, std::vector<uint64_t>{},
                     std::vector<caf::actor>{})
              .then(
                  [=](const std::vector<char>&, const std::string&, int32_t) {
                    rtts->push_back(
                        std::chrono::duration<double, std::micro>(clock_type::now() - start)
                            .count());
                    if (++*finished == total) a->send(done, done_atom::value);
                    (*send_one)(e);
                  },
                  [=](const caf::error&) {
                    if (++*finished == total) a->send(done, done_atom::value);
                  });
        };
        for (size_t e = 0; e < execs.size(); ++e)
          for (int w = 0; w < window; ++w) (*send_one)(e);
      },
      caf::actor_cast<caf::actor>(self));
  dispatch_result r;
  self->receive([](done_atom) {}, caf::after(120s) >> [] {});
  const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  caf::anon_send_exit(driver, caf::exit_reason::user_shutdown);
  r.tasks_per_s = total / secs;
  r.rtt_p50_us = pct(*rtts, 0.5);
  r.rtt_p99_us = pct(*rtts, 0.99);
  return r;
}

// Request -> grant latency at the broker, one lease at a time, `n` times.
std::pair<double, double> grant_latency(caf::actor_system& sys, const broker_actor& broker, int n) {
  auto lat = std::make_shared<std::vector<double>>();
  caf::scoped_actor self{sys};
  auto holder = sys.spawn(
      [=](lease_holder_actor::pointer a, caf::actor done) -> lease_holder_actor::behavior_type {
        auto start = std::make_shared<clock_type::time_point>(clock_type::now());
        auto me = caf::actor_cast<lease_holder_actor>(a);
        lease_ask one;
        one.program = 999;
        one.memory = 1;
        a->send(broker, request_atom::value, me, one);
        return {[](refused_atom, const std::string&) {},
                [](preempt_atom, int64_t, const std::string&) {}, [](revoke_atom, uint64_t) {},
                [=](grant_atom, uint64_t lease, uint64_t, executor_actor) {
          lat->push_back(
              std::chrono::duration<double, std::micro>(clock_type::now() - *start).count());
          a->send(broker, yield_atom::value, lease);
          if (static_cast<int>(lat->size()) >= n) {
            caf::anon_send(done, done_atom::value);
            return;
          }
          *start = clock_type::now();
          a->send(broker, request_atom::value, me, one);
        }};
      },
      caf::actor_cast<caf::actor>(self));
  self->receive([](done_atom) {}, caf::after(60s) >> [] {});
  caf::anon_send_exit(holder, caf::exit_reason::user_shutdown);
  return {pct(*lat, 0.5), pct(*lat, 0.99)};
}

// CAF's own request/response round trip to an executor (a fetch of nothing).
double caf_rtt_p50(caf::actor_system& sys, const executor_actor& e, int n) {
  caf::scoped_actor self{sys};
  std::vector<double> v;
  for (int i = 0; i < n; ++i) {
    const auto s = clock_type::now();
    self->request(e, 10s, fetch_atom::value, uint64_t{0}, uint32_t{0}, uint32_t{0}, uint32_t{0},
                  uint32_t{0}, uint32_t{0})
        .receive([](const std::vector<std::vector<char>>&, const std::vector<uint64_t>&,
                    const std::string&) {},
                 [](const caf::error&) {});
    v.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - s).count());
  }
  return pct(v, 0.5);
}

pid_t spawn_worker(const std::string& tranched, uint16_t port, const std::string& key,
                   const std::string& log) {
  std::vector<std::string> args{
      tranched,  "--role",     "worker",   "--join", "127.0.0.1:" + std::to_string(port),
      "--slots", "1",          "--memory", "1GiB",   "--secret-file",
      key,       "--log-file", log};
  return spawn_process(std::move(args));
}

}  // namespace

int dispatch_main(const std::vector<std::string>& args, const std::string& bin_dir) {
  int total = 200000, window = 64;
  std::string policy = "sharing";
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--tasks")
      total = std::stoi(args[i + 1]);
    else if (args[i] == "--window")
      window = std::stoi(args[i + 1]);
    else if (args[i] == "--policy")
      policy = args[i + 1];
    else {
      std::cerr << "dispatch: unknown option " << args[i] << "\n";
      return 2;
    }
  }
  caf::actor_system_config cfg;
  add_message_types(cfg);
  cfg.load<caf::io::middleman>();
  cfg.set("scheduler.policy", policy == "stealing" ? caf::atom("stealing") : caf::atom("sharing"));
  cfg.set("logger.verbosity", caf::atom("quiet"));
  cfg.set("middleman.heartbeat-interval", caf::timespan{100ms});
  cfg.set("middleman.connection-timeout", caf::timespan{500ms});
  caf::actor_system sys{cfg};

  // 1. In process: one executor with 2 slots.
  auto directory = std::make_shared<executor_directory>();
  executor_config ec;
  ec.node = 1;
  ec.slots = 2;
  ec.directory = directory;
  auto local = spawn_executor(sys, ec);
  auto in_proc = run_dispatch(sys, {local}, total, window);
  auto broker = spawn_broker(sys);
  caf::anon_send(broker, register_atom::value, uint64_t{1}, int64_t{2}, int64_t{1} << 30, local);
  auto grants = grant_latency(sys, broker, 20000);
  std::cout << absl::StrFormat(
      "in process:   %9.0f no-op tasks/s, round trip p50 %.1f us p99 %.1f us\n",
      in_proc.tasks_per_s, in_proc.rtt_p50_us, in_proc.rtt_p99_us);
  std::cout << absl::StrFormat("grant latency at the broker: p50 %.1f us p99 %.1f us\n",
                               grants.first, grants.second);

  // 2. Across processes: this process is the head; 3 worker daemons join it.
  const std::string key = (std::filesystem::temp_directory_path() /
                           ("tranche-bench-" + std::to_string(getpid()) + ".key"))
                              .string();
  std::ofstream(key) << "benchmark-secret-0123456789abcdef\n";
  std::filesystem::permissions(
      key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto secret = cluster_secret::load(key);
  if (!secret.ok()) return 1;
  auto head = spawn_head(sys, head_config{broker, job_manager_actor{}, directory,
                                          std::make_shared<cluster_secret>(*secret), 2, nullptr,
                                          session_manager_actor{}});
  auto port = sys.middleman().publish(head, 0, "127.0.0.1", true);
  if (!port) return 1;
  std::vector<pid_t> pids;
  for (int w = 0; w < 3; ++w)
    pids.push_back(
        spawn_worker(bin_dir + "/tranched", *port, key, key + ".w" + std::to_string(w) + ".log"));
  std::vector<executor_actor> remote;
  for (int i = 0; i < 200 && remote.size() < 3; ++i) {
    std::this_thread::sleep_for(50ms);
    remote.clear();
    for (uint64_t n = 2; n < 5; ++n)
      if (auto e = directory->find(n)) remote.push_back(e);
  }
  dispatch_result across;
  double caf_rtt = 0;
  if (remote.size() == 3) {
    caf_rtt = caf_rtt_p50(sys, remote[0], 2000);
    across = run_dispatch(sys, remote, total, window);
    std::cout << absl::StrFormat(
        "3 processes:  %9.0f no-op tasks/s, round trip p50 %.1f us p99 %.1f us "
        "(CAF remote request/response p50 %.1f us)\n",
        across.tasks_per_s, across.rtt_p50_us, across.rtt_p99_us, caf_rtt);
  } else {
    std::cout << "3 processes: the workers did not join (is build/bin/tranched built?)\n";
  }
  for (pid_t p : pids) {
    if (p <= 0) continue;
    kill(p, SIGTERM);
    int st;
    waitpid(p, &st, 0);
  }
  for (int w = 0; w < 3; ++w) std::filesystem::remove(key + ".w" + std::to_string(w) + ".log");
  std::filesystem::remove(key);
  for (auto a : {caf::actor_cast<caf::actor>(head), caf::actor_cast<caf::actor>(broker),
                 caf::actor_cast<caf::actor>(local)})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  std::cout << absl::StrFormat(
      "policy=%s tasks=%d window=%d inproc_tasks_per_s=%.0f inproc_rtt_p50_us=%.1f "
      "remote_tasks_per_s=%.0f remote_rtt_p50_us=%.1f caf_remote_rtt_p50_us=%.1f "
      "grant_p50_us=%.1f grant_p99_us=%.1f grant_p50_vs_caf_rtt=%.2f\n",
      policy, total, window, in_proc.tasks_per_s, in_proc.rtt_p50_us, across.tasks_per_s,
      across.rtt_p50_us, caf_rtt, grants.first, grants.second,
      caf_rtt > 0 ? grants.first / caf_rtt : 0.0);
  return 0;
}

}  // namespace tranche::bench
