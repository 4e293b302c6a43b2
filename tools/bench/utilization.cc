// `tranche-bench utilization`: what per-portion capacity scheduling buys over
// whole-program reservation. One seeded, mixed workload of programs arriving
// over time runs twice in this process, once per capacity policy, each time
// on a fresh embedded cluster built from the actors (broker, executors, job
// manager) with a fake planner:
//  - shapes: a wide scan then a narrow aggregate (16 x ~150 ms -> 1 x ~400 ms),
//    a two-table join (8 and 6 scan tasks -> 4 join tasks -> 1 final task),
//    and bursts of 3-4 small programs (2 x ~50 ms -> 1 x ~50 ms) arriving
//    together, drawn 7 : 7 : 6 from seeded shuffles; each program scales its
//    durations by 0.7-1.3 (its data size) and each task jitters by +-15%.
//    Arrivals are a Poisson process whose rate offers `--load` (default 0.9)
//    of the cluster's slot-seconds.
//  - tasks are timed sleeps: the executors' task function sleeps for the
//    task's duration (written in its portion's name, "scan a [152,148 ms]"),
//    so that slots, not this machine's cores, are the bottleneck.
//  - the fake planner turns the program's text (one portion per line, the
//    portion's name then " <- " and its inputs) into a plan of one-BIGINT
//    portions that passes the plan codec's checks.
// Measured per policy: makespan (first arrival -> last program done), each
// program's completion time (done - arrival), mean and p95; slot utilization
// = busy slot-seconds (the sleeps the task function actually ran) / (slots x
// makespan); and utilization while programs wait: busy slot-seconds / slot-
// seconds over the time when at least one submitted, unfinished program has
// unmet demand (it has no portion started yet — planning, or under
// whole-program its reservation not granted — or a running portion holds
// fewer leases than it has unfinished tasks). Those intervals come from the
// programs' progress events; busy time from the task function's start/stop
// timestamps, intersected exactly. After each run the broker's ledger must
// be back to idle (no leaked lease or request).
// `--broker-only` runs the broker simulation instead (utilization_sim.cc).
#include <algorithm>
#include <caf/all.hpp>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "actors/broker.h"
#include "actors/executor.h"
#include "actors/job_manager.h"
#include "actors/message_types.h"
#include "actors/planner.h"
#include "plan/plan_codec.h"
#include "plan/program_codec.h"
#include "sched/policy.h"
#include "tranche/client.h"

namespace tranche::bench {

int broker_sim_main(const std::vector<std::string>& args);

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int64_t kTaskMemory = 64ll << 20;
// Bounds a policy's whole run, and each submission.
constexpr auto kRunBound = 100s;
constexpr auto kSubmitBound = 10s;

// ---- The workload ----------------------------------------------------------

enum class shape { wide, join, small };
constexpr const char* kShapeNames[] = {"wide scan -> aggregate", "two-table join",
                                       "small (bursts)"};

struct arrival {
  double at = 0;  // seconds after the first arrival
  shape kind = shape::small;
  std::string text;  // the program the fake planner reads
};

// Deterministic on every platform (std's distributions are not).
class rng {
 public:
  explicit rng(uint64_t seed) : gen_(seed) {}
  double uniform() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }
  double between(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  double exponential(double mean) { return -mean * std::log(1.0 - uniform()); }

 private:
  std::mt19937_64 gen_;
};

// One portion line: "<label> [d1,d2,... ms]", then " <- i,j" for its inputs.
std::string portion_line(rng& r, const std::string& label, int tasks, double base_ms,
                         const std::vector<int>& inputs = {}) {
  std::vector<int> ms;
  for (int t = 0; t < tasks; ++t)
    ms.push_back(static_cast<int>(std::lround(base_ms * r.between(0.85, 1.15))));
  std::string line = absl::StrCat(label, " [", absl::StrJoin(ms, ","), " ms]");
  if (!inputs.empty()) absl::StrAppend(&line, " <- ", absl::StrJoin(inputs, ","));
  return line;
}

std::string program_text(rng& r, shape kind) {
  const double scale = r.between(0.7, 1.3);
  std::vector<std::string> lines;
  switch (kind) {
    case shape::wide:
      lines = {portion_line(r, "wide scan", 16, 150 * scale),
               portion_line(r, "wide aggregate", 1, 400 * scale, {0})};
      break;
    case shape::join:
      lines = {portion_line(r, "join scan a", 8, 200 * scale),
               portion_line(r, "join scan b", 6, 200 * scale),
               portion_line(r, "join", 4, 300 * scale, {0, 1}),
               portion_line(r, "join final", 1, 150 * scale, {2})};
      break;
    case shape::small:
      lines = {portion_line(r, "small scan", 2, 50 * scale),
               portion_line(r, "small final", 1, 50 * scale, {0})};
      break;
  }
  return absl::StrJoin(lines, "\n");
}

// Arrival events drawn from seeded shuffles of a deck of 20 — 7 wide
// programs, 7 joins, 6 bursts of 3-4 small programs — so that the mix varies
// little between seeds, with exponential gaps (a Poisson process) whose mean makes the
// offered work `load` of the slots' capacity, until `programs` programs.
std::vector<arrival> make_workload(uint64_t seed, int programs, double load, int total_slots) {
  const double wide_work = 16 * 0.15 + 0.4, join_work = 14 * 0.2 + 4 * 0.3 + 0.15,
               burst_work = 3.5 * (3 * 0.05);  // slot-seconds at scale 1
  const double event_work = (7 * wide_work + 7 * join_work + 6 * burst_work) / 20;
  const double mean_gap = event_work / (total_slots * load);
  rng r(seed);
  std::vector<shape> deck;
  std::vector<arrival> out;
  double at = 0;
  while (static_cast<int>(out.size()) < programs) {
    if (deck.empty()) {
      deck.insert(deck.end(), 7, shape::wide);
      deck.insert(deck.end(), 7, shape::join);
      deck.insert(deck.end(), 6, shape::small);
      for (size_t i = deck.size() - 1; i > 0; --i)
        std::swap(deck[i], deck[static_cast<size_t>(r.uniform() * static_cast<double>(i + 1))]);
    }
    const shape kind = deck.back();
    deck.pop_back();
    const int n = kind == shape::small ? 3 + static_cast<int>(r.uniform() * 2) : 1;
    for (int i = 0; i < n && static_cast<int>(out.size()) < programs; ++i)
      out.push_back({at, kind, program_text(r, kind)});
    at += r.exponential(mean_gap);
  }
  return out;
}

// The durations in a portion's name, "[152,148 ms]".
absl::StatusOr<std::vector<int>> durations_ms(const std::string& name) {
  const size_t open = name.rfind('['), close = name.rfind(" ms]");
  if (open == std::string::npos || close == std::string::npos || close < open)
    return absl::InvalidArgumentError(absl::StrCat("no [durations ms] in \"", name, "\""));
  std::vector<int> out;
  for (absl::string_view d : absl::StrSplit(name.substr(open + 1, close - open - 1), ',')) {
    int ms = 0;
    if (!absl::SimpleAtoi(d, &ms) || ms < 0)
      return absl::InvalidArgumentError(absl::StrCat("bad duration in \"", name, "\""));
    out.push_back(ms);
  }
  return out;
}

// The fake planner's work: one portion per line, every portion one BIGINT
// column; scans of nothing; each portion hash-partitioned for its consumer.
absl::StatusOr<plan> plan_of(const std::string& text) {
  const schema one{{field{"x", type_id::int64}}};
  plan p;
  p.result = one;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::vector<std::string> parts = absl::StrSplit(line, " <- ");
    auto ms = durations_ms(parts[0]);
    if (!ms.ok()) return ms.status();
    portion_spec s;
    s.id = static_cast<int>(p.portions.size());
    s.name = parts[0];
    s.tasks = static_cast<int>(ms->size());
    s.memory_per_task = kTaskMemory;
    s.output = one;
    if (parts.size() == 1) {
      s.source = source_kind::scan;
      s.file_schema = one;
      s.columns = {0};
      s.task_splits.resize(static_cast<size_t>(s.tasks));
    } else {
      s.source = source_kind::shuffle;
      s.input_schema = one;
      for (absl::string_view in : absl::StrSplit(parts[1], ',')) {
        int id = 0;
        if (!absl::SimpleAtoi(in, &id) || id < 0 || id >= s.id)
          return absl::InvalidArgumentError(absl::StrCat("bad input in \"", line, "\""));
        s.inputs.push_back(id);
      }
    }
    p.portions.push_back(std::move(s));
  }
  for (auto& s : p.portions)
    for (const auto& c : p.portions)
      if (std::find(c.inputs.begin(), c.inputs.end(), s.id) != c.inputs.end()) {
        s.sink = sink_kind::hash;
        s.partition_keys = {0};
        s.partitions = c.tasks;
      }
  return p;
}

planner_actor::behavior_type fake_planner(planner_actor::pointer) {
  return {
      [](plan_atom, const std::vector<char>& program,
         int32_t) -> std::tuple<std::vector<char>, std::string, std::string,
                                std::vector<std::vector<char>>> {
        auto req = decode_program(program.data(), program.size());
        if (!req.ok())
          return {std::vector<char>{}, std::string{}, std::string(req.status().message()), {}};
        auto p = plan_of(req->sql);
        if (!p.ok())
          return {std::vector<char>{}, std::string{}, std::string(p.status().message()), {}};
        return {encode_plan(*p), explain(*p), std::string{}, {}};
      },
  };
}

// ---- The cluster and the measurement -------------------------------------

using interval = std::pair<double, double>;  // seconds since the run's start

struct busy_log {
  clock_type::time_point t0;
  std::mutex mu;
  std::vector<interval> busy;  // each task's sleep
  // Runs of each (program, portion, task): more than one is a rerun, whose
  // sleep counts as busy time too.
  std::map<std::tuple<uint64_t, int, uint32_t>, int> runs;
};

// Sleeps for the task's duration; one empty block per output partition.
task_function sleeper(std::shared_ptr<busy_log> log) {
  return [log](const task_spec& t, block_source&,
               const std::atomic<bool>&) -> absl::StatusOr<task_output> {
    auto ms = durations_ms(t.portion.name);
    if (!ms.ok()) return ms.status();
    if (t.task >= ms->size()) return absl::InvalidArgumentError("task without a duration");
    const auto start = clock_type::now();
    std::this_thread::sleep_for(std::chrono::milliseconds((*ms)[t.task]));
    const auto end = clock_type::now();
    {
      std::lock_guard<std::mutex> lock(log->mu);
      log->busy.emplace_back(std::chrono::duration<double>(start - log->t0).count(),
                             std::chrono::duration<double>(end - log->t0).count());
      ++log->runs[{t.program, t.portion.id, t.task}];
    }
    task_output out;
    out.partitions.resize(t.portion.sink == sink_kind::hash ? t.portion.partitions : 1);
    return out;
  };
}

// What the listener saw: progress events and each program's end, timestamped.
struct event_log {
  enum class kind { submitted, progress, done };
  struct record {
    double at = 0;
    uint64_t program = 0;
    kind what = kind::progress;
    progress_event e;
  };
  clock_type::time_point t0;
  std::mutex mu;
  std::vector<record> records;
  std::vector<std::string> errors;

  double now() const { return std::chrono::duration<double>(clock_type::now() - t0).count(); }
  void add(double at, uint64_t program, kind what, progress_event e = {}) {
    std::lock_guard<std::mutex> lock(mu);
    records.push_back({at, program, what, std::move(e)});
  }
  size_t finished() {
    std::lock_guard<std::mutex> lock(mu);
    return static_cast<size_t>(std::count_if(records.begin(), records.end(),
                                             [](const record& r) { return r.what == kind::done; }));
  }
};

// Receives every program's messages (tranche/client.h); tells `main` once
// `expected` programs are done.
caf::behavior listener(caf::event_based_actor*, std::shared_ptr<event_log> log, size_t expected,
                       caf::actor main) {
  auto done = std::make_shared<size_t>(0);
  return {
      [=](progress_atom, const progress_event& e) {
        log->add(log->now(), e.program, event_log::kind::progress, e);
      },
      [](result_atom, uint64_t, const std::vector<char>&) {},
      [=](done_atom, uint64_t program, const std::string& error) {
        log->add(log->now(), program, event_log::kind::done);
        if (!error.empty()) {
          std::lock_guard<std::mutex> lock(log->mu);
          log->errors.push_back(absl::StrCat("program ", program, ": ", error));
        }
        if (++*done == expected) caf::anon_send(main, done_atom::value);
      },
  };
}

// The union of the times when some program has unmet demand (see the header).
std::vector<interval> waiting_intervals(std::vector<event_log::record> records) {
  std::stable_sort(records.begin(), records.end(),
                   [](const auto& a, const auto& b) { return a.at < b.at; });
  struct portion_track {
    bool running = false;
    int held = 0, done = 0, total = 0;
  };
  struct program_track {
    bool live = false, started = false;
    std::map<int, portion_track> portions;
    bool waiting() const {
      if (!live) return false;
      if (!started) return true;
      for (const auto& [id, p] : portions)
        if (p.running && p.held < p.total - p.done) return true;
      return false;
    }
  };
  std::map<uint64_t, program_track> programs;
  std::vector<interval> out;
  int waiting = 0;
  double since = 0;
  for (const auto& r : records) {
    program_track& pt = programs[r.program];
    const bool before = pt.waiting();
    if (r.what == event_log::kind::submitted) {
      pt.live = true;
    } else if (r.what == event_log::kind::done) {
      pt.live = false;
    } else {
      portion_track& p = pt.portions[r.e.portion];
      switch (r.e.kind) {
        case progress_kind::portion_started:
          pt.started = p.running = true;
          p.total = r.e.tasks_total;
          break;
        case progress_kind::capacity_obtained:
        case progress_kind::capacity_yielded:
          p.held = r.e.slots_held;
          break;
        case progress_kind::task_finished:
          p.done = r.e.tasks_done;
          break;
        case progress_kind::portion_finished:
          p.running = false;
          break;
        case progress_kind::task_retried:
        case progress_kind::task_speculated:
          break;
      }
    }
    const int change = static_cast<int>(pt.waiting()) - static_cast<int>(before);
    if (waiting == 0 && change > 0) since = r.at;
    waiting += change;
    if (waiting == 0 && change < 0 && r.at > since) out.emplace_back(since, r.at);
  }
  return out;
}

// Busy slot-seconds inside `spans` (sorted, disjoint).
double busy_within(const std::vector<interval>& busy, const std::vector<interval>& spans) {
  double sum = 0;
  for (const auto& [s, e] : busy) {
    auto it = std::lower_bound(spans.begin(), spans.end(), s,
                               [](const interval& w, double t) { return w.second < t; });
    for (; it != spans.end() && it->first < e; ++it)
      sum += std::max(0.0, std::min(e, it->second) - std::max(s, it->first));
  }
  return sum;
}

struct policy_result {
  double makespan = 0, mean = 0, p95 = 0;
  double busy = 0, utilization = 0;
  int reruns = 0;
  double waiting = 0, waiting_utilization = 0;  // seconds with unmet demand, busy share then
  double mean_by_shape[3] = {0, 0, 0};
};

struct cluster_spec {
  int nodes = 4, slots = 4;
  int total() const { return nodes * slots; }
};

// The broker's ledger, once idle: every slot and byte free, no lease or request.
absl::Status check_ledger(caf::scoped_actor& self, const broker_actor& broker,
                          const cluster_spec& c) {
  std::vector<int64_t> v;
  for (int i = 0; i < 40; ++i, std::this_thread::sleep_for(25ms)) {
    self->request(broker, 2s, ledger_atom::value)
        .receive([&](const std::vector<int64_t>& t) { v = t; }, [&](const caf::error&) {});
    if (v.size() == 6 && v[0] == c.total() && v[0] == v[1] && v[2] == v[3] && v[4] == 0 &&
        v[5] == 0)
      return absl::OkStatus();
  }
  if (v.size() != 6) return absl::UnavailableError("the broker did not answer its ledger");
  return absl::InternalError(absl::StrFormat(
      "the ledger is not idle after the run: %d/%d slots free, %d/%d bytes free, %d leases, "
      "%d requests queued",
      v[1], v[0], v[3], v[2], v[4], v[5]));
}

absl::StatusOr<policy_result> run_policy(const std::string& policy,
                                         const std::vector<arrival>& work, const cluster_spec& c) {
  caf::actor_system_config cfg;
  add_message_types(cfg);
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  auto busy = std::make_shared<busy_log>();
  auto events = std::make_shared<event_log>();

  auto rules = make_policy(policy);
  if (!rules.ok()) return rules.status();
  // As the embedded cluster and the head configure it for this policy.
  broker_options bo;
  bo.preempt = (*rules)->preemptible();
  auto spawned = spawn_broker(sys, bo);
  if (!spawned.ok()) return spawned.status();
  const broker_actor broker = *spawned;
  auto directory = std::make_shared<executor_directory>();
  std::vector<executor_actor> executors;
  for (int n = 1; n <= c.nodes; ++n) {
    executor_config ec;
    ec.node = static_cast<uint64_t>(n);
    ec.slots = c.slots;
    ec.directory = directory;
    ec.run = sleeper(busy);
    executors.push_back(spawn_executor(sys, ec));
    caf::anon_send(broker, register_atom::value, ec.node, int64_t{c.slots},
                   int64_t{c.slots} * kTaskMemory, executors.back());
  }
  auto planner = sys.spawn(fake_planner);
  auto manager =
      spawn_job_manager(sys, job_manager_config{broker, planner, directory, c.total(), policy});

  absl::Status status = absl::OkStatus();
  std::vector<uint64_t> ids(work.size(), 0);
  std::vector<double> submitted(work.size(), 0);
  {
    caf::scoped_actor self{sys};
    const auto t0 = clock_type::now();
    busy->t0 = events->t0 = t0;
    auto listen = sys.spawn(listener, events, work.size(), caf::actor_cast<caf::actor>(self));
    for (size_t i = 0; i < work.size() && status.ok(); ++i) {
      std::this_thread::sleep_until(t0 + std::chrono::duration_cast<clock_type::duration>(
                                             std::chrono::duration<double>(work[i].at)));
      program_request program;
      program.sql = work[i].text;
      submitted[i] = events->now();
      self->request(manager, kSubmitBound, submit_atom::value, encode_program(program), listen)
          .receive(
              [&](uint64_t id) {
                ids[i] = id;
                events->add(submitted[i], id, event_log::kind::submitted);
              },
              [&](const caf::error& err) {
                status = absl::UnavailableError(absl::StrCat("submit: ", sys.render(err)));
              });
    }
    auto timed_out = [&] {
      status = absl::DeadlineExceededError(
          absl::StrCat(events->finished(), " of ", work.size(), " programs finished within ",
                       kRunBound.count(), " s of the last arrival"));
    };
    if (status.ok()) self->receive([](done_atom) {}, caf::after(kRunBound) >> timed_out);
    if (status.ok()) status = check_ledger(self, broker, c);
    self->send_exit(listen, caf::exit_reason::user_shutdown);
  }
  for (auto a : {caf::actor_cast<caf::actor>(manager), caf::actor_cast<caf::actor>(planner),
                 caf::actor_cast<caf::actor>(broker)})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  for (auto& e : executors) caf::anon_send_exit(e, caf::exit_reason::user_shutdown);
  if (!status.ok()) {
    sys.await_actors_before_shutdown(false);  // jobs may still run: do not wait for them
    return status;
  }

  std::lock_guard<std::mutex> lock_events(events->mu);
  std::lock_guard<std::mutex> lock_busy(busy->mu);
  if (!events->errors.empty())
    return absl::InternalError(
        absl::StrCat("programs failed: ", absl::StrJoin(events->errors, "; ")));
  std::map<uint64_t, double> done_at;
  for (const auto& r : events->records)
    if (r.what == event_log::kind::done) done_at[r.program] = r.at;
  policy_result out;
  std::vector<double> completion;
  double by_shape[3] = {0, 0, 0};
  int count[3] = {0, 0, 0};
  for (size_t i = 0; i < work.size(); ++i) {
    const double t = done_at.at(ids[i]) - submitted[i];
    completion.push_back(t);
    by_shape[static_cast<int>(work[i].kind)] += t;
    ++count[static_cast<int>(work[i].kind)];
    out.makespan = std::max(out.makespan, done_at.at(ids[i]) - submitted.front());
  }
  for (int k = 0; k < 3; ++k) out.mean_by_shape[k] = count[k] ? by_shape[k] / count[k] : 0;
  for (double t : completion) out.mean += t / static_cast<double>(completion.size());
  std::sort(completion.begin(), completion.end());
  out.p95 = completion[static_cast<size_t>(std::ceil(0.95 * completion.size())) - 1];
  for (const auto& [s, e] : busy->busy) out.busy += e - s;
  for (const auto& [task, n] : busy->runs) out.reruns += n - 1;
  out.utilization = out.busy / (c.total() * out.makespan);
  const auto spans = waiting_intervals(events->records);
  for (const auto& [s, e] : spans) out.waiting += e - s;
  out.waiting_utilization =
      out.waiting > 0 ? busy_within(busy->busy, spans) / (c.total() * out.waiting) : 0;
  return out;
}

}  // namespace

int utilization_main(const std::vector<std::string>& args, const std::string&) {
  if (std::find(args.begin(), args.end(), "--broker-only") != args.end())
    return broker_sim_main(args);
  cluster_spec c;
  uint64_t seed = 1;
  int programs = 60;
  double load = 0.9;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--nodes")
      c.nodes = std::stoi(args[i + 1]);
    else if (args[i] == "--slots")
      c.slots = std::stoi(args[i + 1]);
    else if (args[i] == "--seed")
      seed = std::stoull(args[i + 1]);
    else if (args[i] == "--programs")
      programs = std::stoi(args[i + 1]);
    else if (args[i] == "--load")
      load = std::stod(args[i + 1]);
    else {
      std::cerr << "utilization: unknown option " << args[i] << "\n";
      return 2;
    }
  }
  if (args.size() % 2 != 0 || c.nodes < 1 || c.slots < 1 || programs < 1 || load <= 0) {
    std::cerr << "utilization: [--nodes N] [--slots S] [--seed S] [--programs N] [--load F]\n";
    return 2;
  }
  const auto work = make_workload(seed, programs, load, c.total());
  int count[3] = {0, 0, 0};
  for (const auto& a : work) ++count[static_cast<int>(a.kind)];
  std::cout << absl::StrFormat(
      "%d programs arriving over %.2f s (seed %d, offered load %.2f of %d slots = %d nodes x %d): "
      "%d %s, %d %s, %d %s\n"
      "tasks are timed sleeps (their durations are in the portion names), so slots, not this "
      "machine's %d cores, are the bottleneck\n",
      work.size(), work.back().at, seed, load, c.total(), c.nodes, c.slots, count[0],
      kShapeNames[0], count[1], kShapeNames[1], count[2], kShapeNames[2],
      std::thread::hardware_concurrency());

  const std::vector<std::string> policies = {"per-portion", "whole-program"};
  std::vector<policy_result> results;
  for (const auto& policy : policies) {
    auto r = run_policy(policy, work, c);
    if (!r.ok()) {
      std::cerr << "utilization: " << policy << ": " << r.status().message() << "\n";
      return 1;
    }
    results.push_back(*r);
  }

  std::cout << absl::StrFormat("%-14s %9s %16s %9s %12s %7s %10s %13s %19s\n", "policy", "makespan",
                               "completion mean", "p95", "busy slot-s", "reruns", "slot util",
                               "waiting time", "util while waiting");
  for (size_t i = 0; i < policies.size(); ++i) {
    const auto& r = results[i];
    std::cout << absl::StrFormat(
        "%-14s %7.2f s %14.2f s %7.2f s %12.2f %7d %10.3f %11.2f s %19.3f\n", policies[i],
        r.makespan, r.mean, r.p95, r.busy, r.reruns, r.utilization, r.waiting,
        r.waiting_utilization);
  }
  for (size_t i = 0; i < policies.size(); ++i)
    std::cout << absl::StrFormat("%-14s mean completion: %s %.2f s, %s %.2f s, %s %.2f s\n",
                                 policies[i], kShapeNames[0], results[i].mean_by_shape[0],
                                 kShapeNames[1], results[i].mean_by_shape[1], kShapeNames[2],
                                 results[i].mean_by_shape[2]);
  std::cout
      << "busy slot-s: the sleeps tasks ran, reruns (a task run again) included; slot util = "
         "busy slot-seconds / (slots x makespan);\nwaiting time: when at least one submitted, "
         "unfinished program had unmet demand (no portion started yet, or a\nrunning portion "
         "holding fewer leases than its unfinished tasks); util while waiting = busy "
         "slot-seconds / slot-seconds\nover that time (the utilization_* keys; slot_utilization_* "
         "are over the whole makespan).\n";
  const auto& pp = results[0];
  const auto& wp = results[1];
  std::cout << absl::StrFormat(
      "makespan_ratio=%.3f mean_completion_ratio=%.3f p95_completion_ratio=%.3f "
      "utilization_per_portion=%.3f utilization_whole_program=%.3f "
      "slot_utilization_per_portion=%.3f slot_utilization_whole_program=%.3f "
      "makespan_per_portion_s=%.2f makespan_whole_program_s=%.2f programs=%d slots=%d seed=%d\n",
      pp.makespan / wp.makespan, pp.mean / wp.mean, pp.p95 / wp.p95, pp.waiting_utilization,
      wp.waiting_utilization, pp.utilization, wp.utilization, pp.makespan, wp.makespan,
      work.size(), c.total(), seed);
  return 0;
}

}  // namespace tranche::bench
