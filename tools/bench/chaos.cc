// tranche-bench chaos: a head and three workers (tranched processes on
// loopback) run a program with two shuffles in a loop while, in each round, a
// random worker is `kill -9`ed or SIGSTOPped at a random moment, then
// restarted or resumed. Every program must return exactly the rows of the
// fault-free run (computed on an embedded cluster), or fail with a clear
// error; after every round the broker's ledger must be whole again (every
// registered slot free, no lease, nothing queued). The last line:
// rounds=… faults=… right=… failed_cleanly=… wrong=… leaked_leases=…
// Exit status 0 when nothing was wrong or leaked.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "cli/output.h"
#include "io/sample_gen.h"
#include "tools/bench/spawn.h"
#include "tranche/client.h"

namespace tranche::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr const char* kSql =
    "SELECT flag, count(*) AS groups, sum(q) AS total FROM "
    "(SELECT key, flag, sum(quantity) AS q FROM t GROUP BY key, flag) AS g "
    "GROUP BY flag ORDER BY flag";

std::string as_csv(const query_result& r) {
  std::ostringstream out;
  print_result(r, "csv", out);
  return out.str();
}

struct options {
  int rounds = 20;
  int seconds = 0;  // 0: no bound; else no round starts after this many seconds
  uint64_t rows = 400'000;
  uint64_t seed = 1;
};

int usage(const std::string& msg) {
  std::cerr << "chaos: " << msg
            << "\nusage: tranche-bench chaos [--rounds N] [--seconds S] [--rows N] [--seed S]\n";
  return 2;
}

}  // namespace

int chaos_main(const std::vector<std::string>& args, const std::string& bin_dir) {
  options o;
  for (size_t i = 0; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) return usage(args[i] + " needs a value");
    const std::string& v = args[i + 1];
    char* end = nullptr;
    const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0') return usage(args[i] + " needs a number, got \"" + v + "\"");
    if (args[i] == "--rounds" && n >= 1 && n <= 100000)
      o.rounds = static_cast<int>(n);
    else if (args[i] == "--seconds" && n <= 86400)
      o.seconds = static_cast<int>(n);
    else if (args[i] == "--rows" && n >= 1000)
      o.rows = n;
    else if (args[i] == "--seed")
      o.seed = n;
    else
      return usage("bad option " + args[i] + " " + v);
  }
  const auto t_start = clock_type::now();
  const fs::path run = fs::temp_directory_path() / ("tranche-bench-chaos-" + std::to_string(getpid()));
  fs::remove_all(run);
  fs::create_directories(run);
  sample_options so;
  so.rows = o.rows;
  so.files = 12;
  if (auto r = generate_sample((run / "t").string(), so); !r.ok()) {
    std::cerr << "chaos: " << r.status().message() << "\n";
    return 1;
  }
  const std::vector<table_binding> tables{{"t", (run / "t").string() + "/*.csv"}};
  const std::string key = (run / "cluster.key").string();
  std::ofstream(key) << "chaos-secret-0123456789abcdef0123\n";
  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write);
  const std::string tranched = bin_dir + "/tranched";

  // The fault-free answer, from an embedded cluster.
  std::string expected;
  {
    cluster_options co;
    co.nodes = 2;
    co.slots_per_node = 1;
    auto local = cluster::start_local(co);
    if (!local.ok()) return usage(std::string(local.status().message()));
    auto r = (*local)->run_sql(kSql, tables);
    if (!r.ok()) {
      std::cerr << "chaos: the fault-free run failed: " << r.status().message() << "\n";
      return 1;
    }
    expected = as_csv(*r);
  }

  pid_t head_pid = spawn_process({tranched, "--role", "head", "--listen", "127.0.0.1:0", "--slots",
                                  "1", "--memory", "1GiB", "--secret-file", key, "--work-dir",
                                  (run / "head").string(), "--log-file",
                                  (run / "head.log").string()});
  std::vector<pid_t> workers(3, -1);
  int incarnations = 0;
  auto stop_all = [&] {
    std::vector<pid_t> all = workers;
    all.push_back(head_pid);
    for (pid_t p : all)
      if (p > 0) {
        kill(p, SIGCONT);
        kill(p, SIGKILL);
      }
    for (pid_t p : all)
      if (p > 0) waitpid(p, nullptr, 0);
    fs::remove_all(run);
  };
  const std::string head = head_address(run / "head.log", 10s);
  if (head.empty()) {
    std::cerr << "chaos: the head did not start\n" << slurp(run / "head.log");
    stop_all();
    return 1;
  }
  auto start_worker = [&](int w) {
    const std::string name = absl::StrFormat("w%d-%d", w, ++incarnations);
    workers[w] = spawn_process({tranched, "--role", "worker", "--join", head, "--slots", "1",
                                "--memory", "1GiB", "--secret-file", key, "--work-dir",
                                (run / name).string(), "--log-file",
                                (run / (name + ".log")).string()});
  };
  for (int w = 0; w < 3; ++w) start_worker(w);
  if (!wait_for(run / "head.log", "node 4 joined", 20s)) {
    std::cerr << "chaos: the workers did not join\n";
    stop_all();
    return 1;
  }
  auto cl = cluster::connect(head, key);
  if (!cl.ok()) {
    std::cerr << "chaos: " << cl.status().message() << "\n";
    stop_all();
    return 1;
  }
  // Whole: the head and three workers registered, all free, nothing out.
  auto ledger_whole = [&](ledger_totals* last) {
    for (auto end = clock_type::now() + 20s; clock_type::now() < end;
         std::this_thread::sleep_for(100ms)) {
      auto l = (*cl)->ledger();
      if (!l.ok()) continue;
      *last = *l;
      if (l->registered_slots == 4 && l->free_slots == l->registered_slots &&
          l->free_memory == l->registered_memory && l->leases == 0 && l->queued == 0)
        return true;
    }
    return false;
  };
  ledger_totals totals;
  if (!ledger_whole(&totals)) {
    std::cerr << "chaos: the cluster never became whole before the first round\n";
    stop_all();
    return 1;
  }
  // How long a fault-free program takes here: faults land within 1.5 x that.
  const auto t0 = clock_type::now();
  auto first = (*cl)->run_sql(kSql, tables);
  const double base_ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
  if (!first.ok() || as_csv(*first) != expected) {
    std::cerr << "chaos: the fault-free run on the daemons "
              << (first.ok() ? "gave other rows" : std::string(first.status().message())) << "\n";
    stop_all();
    return 1;
  }

  std::mt19937_64 rng(o.seed);
  int rounds = 0, faults = 0, right = 0, failed_cleanly = 0, wrong = 0, leaked = 0;
  for (int round = 0; round < o.rounds; ++round) {
    if (o.seconds > 0 && clock_type::now() - t_start > std::chrono::seconds(o.seconds)) break;
    ++rounds;
    const int w = static_cast<int>(rng() % 3);
    const bool stop_it = rng() % 2 == 1;
    const auto delay = std::chrono::milliseconds(static_cast<int64_t>(
        static_cast<double>(rng() % 1000) / 1000.0 * 1.5 * base_ms));
    const auto round_start = clock_type::now();
    std::atomic<bool> done{false};
    std::atomic<uint64_t> program{0};
    absl::StatusOr<query_result> result = absl::UnknownError("did not finish");
    std::thread client([&] {
      result = (*cl)->run_sql(kSql, tables, [&](const progress_event& e) { program = e.program; });
      done = true;
    });
    std::this_thread::sleep_for(delay);
    ++faults;
    kill(workers[w], stop_it ? SIGSTOP : SIGKILL);
    if (!stop_it) {
      waitpid(workers[w], nullptr, 0);
      workers[w] = -1;
    }
    const auto give_up = clock_type::now() + 60s;
    while (!done && clock_type::now() < give_up) std::this_thread::sleep_for(20ms);
    if (!done && program != 0) (void)(*cl)->cancel(program);
    client.join();
    const double program_s = std::chrono::duration<double>(clock_type::now() - round_start).count();
    std::string verdict;
    if (result.ok() && as_csv(*result) == expected) {
      ++right;
      verdict = "right";
    } else if (!result.ok() && !result.status().message().empty() &&
               result.status().message() != "did not finish") {
      ++failed_cleanly;
      verdict = absl::StrFormat("failed cleanly: %s", std::string(result.status().message()));
    } else {
      ++wrong;
      verdict = result.ok() ? "WRONG rows:\n" + as_csv(*result) : "WRONG: no answer in 60 s";
    }
    // Heal: resume the stopped worker (it rejoins as a new incarnation once
    // declared dead) or start a new one in place of the killed.
    if (stop_it)
      kill(workers[w], SIGCONT);
    else
      start_worker(w);
    const auto heal_start = clock_type::now();
    const bool whole = ledger_whole(&totals);
    if (!whole) ++leaked;
    const double heal_s = std::chrono::duration<double>(clock_type::now() - heal_start).count();
    std::cout << absl::StrFormat(
                     "round %d: %s worker %d after %d ms: %s in %.1f s; whole again after %.1f s%s",
                     round + 1, stop_it ? "SIGSTOP" : "kill -9", w, delay.count(), verdict,
                     program_s, heal_s,
                     whole ? ""
                           : absl::StrFormat(" (ledger not whole: %d/%d slots free, %d leases, %d "
                                             "queued)",
                                             totals.free_slots, totals.registered_slots,
                                             totals.leases, totals.queued))
              << std::endl;
  }
  cl->reset();
  stop_all();
  std::cout << absl::StrFormat(
      "rounds=%d faults=%d right=%d failed_cleanly=%d wrong=%d leaked_leases=%d base_ms=%.0f\n",
      rounds, faults, right, failed_cleanly, wrong, leaked, base_ms);
  return wrong == 0 && leaked == 0 ? 0 : 1;
}

}  // namespace tranche::bench
