// `tranche-bench utilization --broker-only`: the capacity ledger (the broker's
// books, sched/ledger.h) driven directly at cluster scale, without actors or
// executors, to measure what one scheduling decision costs.
//
// A seeded discrete-event simulation in simulated milliseconds: portions (the
// capacity requests) of a few hundred programs arrive in bursts over four
// queues; each granted lease runs the portion's tasks one after another and
// goes back when none is left to start. The simulation calls the ledger as
// the broker does: schedule() after every change, shrink_request() when a
// portion has fewer tasks left than it asks leases for, preemption_hints()
// every 100 ms while requests wait (holders give the leases asked back at
// their next task boundary and ask again for the tasks still to run),
// drop_holder() when a portion ends and drop_program() when a program does.
// Every ledger call is timed; nothing else is.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <map>
#include <queue>
#include <random>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "sched/ledger.h"

namespace tranche::bench {
namespace {

using clock_type = std::chrono::steady_clock;

constexpr int64_t kGiB = int64_t{1} << 30;
constexpr int64_t kSlotsPerNode = 16;
constexpr int64_t kMemoryPerNode = 64 * kGiB;
constexpr int64_t kTickMs = 100;      // the broker's preemption interval
constexpr double kOfferedLoad = 0.9;  // work offered / cluster capacity over the run
constexpr int64_t kPortionsPerProgram = 250;

// The engine's output is fixed by the standard, the std:: distributions' is
// not (it differs between standard libraries): ours are spelled out so that a
// seed means the same run whatever the library.
class random_source {
 public:
  explicit random_source(uint64_t seed) : engine_(seed) {}
  uint64_t below(uint64_t n) { return engine_() % n; }
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double exponential(double mean) { return -mean * std::log1p(-unit()); }
  // Index into `weights` with probability proportional to its weight.
  size_t pick(const std::vector<int>& weights) {
    int total = 0;
    for (int w : weights) total += w;
    auto r = static_cast<int>(below(static_cast<uint64_t>(total)));
    for (size_t i = 0; i < weights.size(); ++i) {
      if (r < weights[i]) return i;
      r -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  std::mt19937_64 engine_;
};

struct program_spec {
  std::string queue;
  int priority = 0;
  bool gangs = false;         // its portions start all their leases at once
  double task_ms = 0;         // mean task duration
  int64_t portions_left = 0;  // portions not finished yet
};

struct portion_state {
  uint32_t program = 0;
  int index = 0;  // within its program
  int64_t arrival = 0;
  int64_t want = 1;
  int64_t min_want = 1;
  int64_t memory = 0;  // per slot
  std::vector<node_id> preferred;
  int64_t unassigned = 0;  // tasks not started
  int64_t running = 0;     // leases held, each running one task
  int64_t asked = 0;       // leases asked for and not granted yet (<= unassigned)
  int64_t owed = 0;        // leases the broker asked back
  int64_t first_grant = -1;
};

enum class event_kind : uint8_t { arrive, task_done, tick };

struct event {
  int64_t at = 0;
  uint64_t seq = 0;  // ties in arrival order: a deterministic run
  event_kind kind = event_kind::arrive;
  uint64_t portion = 0;
  lease_id lease;
  friend bool operator>(const event& a, const event& b) {
    return std::tie(a.at, a.seq) > std::tie(b.at, b.seq);
  }
};

// The ledger calls the simulation makes, each timed.
enum op : size_t {
  op_submit,
  op_schedule,
  op_release,
  op_shrink,
  op_grow,
  op_drop_holder,
  op_drop_program,
  op_hints,
  op_count
};
constexpr const char* kOpNames[op_count] = {
    "submit", "schedule",    "release",      "shrink",
    "grow",   "drop_holder", "drop_program", "preemption_hints"};

struct op_stats {
  std::vector<double> us;  // one entry per call
  double total_us = 0;
  void add(double d) {
    us.push_back(d);
    total_us += d;
  }
  // The p-quantile (0..1) of the call times, by nearest rank.
  [[nodiscard]] double quantile(double p) const {
    if (us.empty()) return 0;
    std::vector<double> v = us;
    const auto k = static_cast<size_t>(std::min<double>(
        static_cast<double>(v.size() - 1), std::ceil(p * static_cast<double>(v.size())) - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
  }
};

struct sim_options {
  int64_t nodes = 1000;
  int64_t portions = 100'000;
  uint64_t seed = 1;
};

class simulation {
 public:
  explicit simulation(const sim_options& o) : o_(o), rng_(o.seed), book_(book_options()) {}

  int run();

 private:
  static ledger_options book_options() {
    ledger_options lo;
    // check() after every call walks all the books: the broker's release
    // builds do not, and neither does this; run() calls it once, at the end.
    lo.check_invariants = false;
    return lo;
  }
  void setup();
  void push(int64_t at, event_kind kind, uint64_t portion = 0, lease_id lease = {});
  void arrive(uint64_t p);
  // Submits the portion's request for `want` leases. The workload is built
  // to be admitted: a refusal is noted in error_ and ends the run.
  void submit(uint64_t p, int64_t want, int64_t min_want);
  void task_done(uint64_t p, lease_id l);
  void tick();
  // Leases for `n` more of the portion's tasks: its waiting request grows,
  // else it asks anew.
  void ask_more(uint64_t p, int64_t n);
  void decide();
  void start_task(uint64_t p, lease_id l);
  void finish(uint64_t p);
  // Folds a decision into the run's digest (FNV-1a over 64-bit words).
  void fold(uint64_t v) { digest_ = (digest_ ^ v) * 0x100000001b3; }
  // Advances the clock, integrating the leased slots over time.
  void advance(int64_t to);
  template <class F>
  auto timed(op which, F&& f) {
    const auto t0 = clock_type::now();
    if constexpr (std::is_void_v<decltype(f())>) {
      f();
      stats_[which].add(elapsed_us(t0));
    } else {
      auto r = f();
      stats_[which].add(elapsed_us(t0));
      return r;
    }
  }
  static double elapsed_us(clock_type::time_point t0) {
    return std::chrono::duration<double, std::micro>(clock_type::now() - t0).count();
  }
  void report(double wall_s, const absl::Status& check) const;

  sim_options o_;
  random_source rng_;
  ledger book_;
  std::vector<program_spec> programs_;
  std::vector<portion_state> portions_;
  std::priority_queue<event, std::vector<event>, std::greater<>> events_;
  uint64_t seq_ = 0;
  int64_t now_ = 0;
  bool ticking_ = false;
  std::map<uint64_t, int64_t> owing_;  // portion -> leases asked back, while > 0
  op_stats stats_[op_count];
  // Every grant (lease, node, holder) and hint (holder, reason, leases) in
  // order: equal digests, equal decisions — across runs, or before and after
  // a change to the ledger that must not change its behaviour.
  uint64_t digest_ = 0xcbf29ce484222325;
  absl::Status error_;
  uint64_t grants_ = 0;
  uint64_t yielded_ = 0;        // leases given back when asked
  uint64_t hinted_leases_ = 0;  // leases asked back, summed over the ticks
  double leased_slot_ms_ = 0;
  std::vector<double> waits_ms_;          // arrival to first grant
  std::vector<double> waiting_at_ticks_;  // requests waiting when hints are asked for
};

void simulation::push(int64_t at, event_kind kind, uint64_t portion, lease_id lease) {
  events_.push(event{at, seq_++, kind, portion, lease});
}

void simulation::setup() {
  for (int64_t n = 1; n <= o_.nodes; ++n)
    (void)book_.add_node(node_id{static_cast<uint64_t>(n)},
                         capacity{kSlotsPerNode, kMemoryPerNode});
  const int64_t slots = o_.nodes * kSlotsPerNode;
  // "default" exists (weight 1); "etl" weighs twice and is guaranteed 15% of
  // the slots; "adhoc" may use at most 20%; "batch" weighs half.
  (void)book_.add_queue(queue_config{"etl", 2.0, capacity{slots * 15 / 100, 0}});
  queue_config adhoc{"adhoc", 1.0};
  adhoc.cap.slots = std::max<int64_t>(64, slots * 20 / 100);
  (void)book_.add_queue(adhoc);
  (void)book_.add_queue(queue_config{"batch", 0.5});
  const std::vector<std::string> queues = {"default", "etl", "adhoc", "batch"};
  const std::vector<double> task_ms = {250, 500, 1000, 2000};
  const std::vector<int64_t> memory = {kGiB / 2, kGiB, 2 * kGiB, 4 * kGiB, 8 * kGiB};

  const int64_t n_programs = std::max<int64_t>(1, o_.portions / kPortionsPerProgram);
  std::vector<double> weight;
  for (int64_t i = 0; i < n_programs; ++i) {
    program_spec s;
    s.queue = queues[rng_.below(queues.size())];
    s.priority = static_cast<int>(rng_.pick({75, 20, 5}));
    s.gangs = rng_.below(10) == 0;
    s.task_ms = task_ms[rng_.below(task_ms.size())];
    programs_.push_back(s);
    weight.push_back(rng_.exponential(1.0));  // a few large programs, many small
  }
  // Every portion to a program, in proportion to its weight.
  double weight_sum = 0;
  for (double w : weight) weight_sum += w;
  std::vector<int64_t> count(programs_.size());
  int64_t assigned = 0;
  for (size_t i = 0; i < programs_.size(); ++i) {
    count[i] = static_cast<int64_t>(static_cast<double>(o_.portions) * weight[i] / weight_sum);
    assigned += count[i];
  }
  for (int64_t i = assigned; i < o_.portions; ++i) ++count[rng_.below(count.size())];

  // Shapes first, then the span of the run: the work offered fills
  // kOfferedLoad of the cluster on average, in bursts (each program's
  // portions arrive within a tenth to a third of it).
  double work_ms = 0;
  const int64_t cluster_memory = o_.nodes * kMemoryPerNode;
  for (size_t prog = 0; prog < programs_.size(); ++prog) {
    programs_[prog].portions_left = count[prog];
    for (int64_t k = 0; k < count[prog]; ++k) {
      portion_state p;
      p.program = static_cast<uint32_t>(prog);
      p.index = static_cast<int>(k);
      p.want = std::clamp<int64_t>(static_cast<int64_t>(std::pow(64.0, std::pow(rng_.unit(), 2))),
                                   1, 64);  // 40% ask for 1, 9% for 32 or more
      p.memory = memory[rng_.pick({30, 25, 20, 15, 10})];
      // A gang must fit in half the cluster, or a small --nodes never ends.
      const int64_t gang_max =
          std::max<int64_t>(1, std::min(slots / 2, cluster_memory / 2 / p.memory));
      p.min_want = programs_[prog].gangs ? std::min(p.want, gang_max) : 1;
      if (rng_.below(2) == 0) {
        const uint64_t k_pref = 1 + rng_.below(3);
        for (uint64_t j = 0; j < k_pref; ++j)
          p.preferred.push_back(node_id{1 + rng_.below(static_cast<uint64_t>(o_.nodes))});
      }
      p.unassigned = p.want * static_cast<int64_t>(1 + rng_.below(3));
      work_ms += static_cast<double>(p.unassigned) * programs_[prog].task_ms;
      portions_.push_back(std::move(p));
    }
  }
  const double span = work_ms / (static_cast<double>(slots) * kOfferedLoad);
  size_t next = 0;
  for (size_t prog = 0; prog < programs_.size(); ++prog) {
    const double burst = span * (0.1 + 0.23 * rng_.unit());
    const double start = (span - burst) * rng_.unit();
    for (int64_t k = 0; k < count[prog]; ++k, ++next) {
      portions_[next].arrival = static_cast<int64_t>(start + burst * rng_.unit());
      push(portions_[next].arrival, event_kind::arrive, next);
    }
  }
}

void simulation::advance(int64_t to) {
  leased_slot_ms_ += static_cast<double>(book_.leases().size()) * static_cast<double>(to - now_);
  now_ = to;
}

void simulation::arrive(uint64_t i) {
  portion_state& p = portions_[i];
  submit(i, p.want, p.min_want);
  p.asked = p.want;
}

void simulation::submit(uint64_t i, int64_t want, int64_t min_want) {
  const portion_state& p = portions_[i];
  const program_spec& prog = programs_[p.program];
  capacity_request r;
  r.holder = i + 1;
  r.program = program_id{p.program + 1u};
  r.portion = p.index;
  r.want = want;
  r.min_want = min_want;
  r.memory_per_slot = p.memory;
  r.queue = prog.queue;
  r.priority = prog.priority;
  r.preferred = p.preferred;
  auto id = timed(op_submit, [&] { return book_.submit(r, now_); });
  if (!id.ok() && error_.ok())
    error_ = absl::InternalError(
        absl::StrFormat("portion %d refused: %s", i, std::string(id.status().message())));
}

void simulation::ask_more(uint64_t i, int64_t n) {
  portion_state& p = portions_[i];
  p.asked += n;
  if (!timed(op_grow, [&] { return book_.grow_request(i + 1, n); })) submit(i, n, 1);
}

void simulation::start_task(uint64_t i, lease_id l) {
  portion_state& p = portions_[i];
  --p.unassigned;
  ++p.running;
  const double mean = programs_[p.program].task_ms;
  push(now_ + 10 + static_cast<int64_t>(rng_.exponential(mean - 10)), event_kind::task_done, i, l);
  // Never ask for leases that would find no task to run.
  if (p.asked > p.unassigned) {
    p.asked = p.unassigned;
    timed(op_shrink, [&] { book_.shrink_request(i + 1, p.unassigned); });
  }
}

void simulation::decide() {
  auto granted = timed(op_schedule, [&] { return book_.schedule(now_); });
  for (const lease& l : granted) {
    fold(l.id.value);
    fold(l.node.value);
    fold(l.holder);
    const uint64_t i = l.holder - 1;
    portion_state& p = portions_[i];
    ++grants_;
    --p.asked;
    if (p.first_grant < 0) {
      p.first_grant = now_;
      waits_ms_.push_back(static_cast<double>(now_ - p.arrival));
    }
    start_task(i, l.id);
  }
  // The broker's preemption tick runs while anything waits.
  if (!ticking_ && book_.queued() > 0) {
    ticking_ = true;
    push(now_ + kTickMs, event_kind::tick);
  }
}

void simulation::task_done(uint64_t i, lease_id l) {
  portion_state& p = portions_[i];
  --p.running;
  if (p.owed > 0) {
    // Asked back: the lease goes at this task boundary; the tasks it would
    // have run need another.
    if (--p.owed == 0) owing_.erase(i);
    ++yielded_;
    (void)timed(op_release, [&] { return book_.release(l); });
    if (p.unassigned > p.asked) ask_more(i, 1);
  } else if (p.unassigned > 0) {
    start_task(i, l);  // the lease runs the next task: nothing changes at the broker
    return;
  } else {
    (void)timed(op_release, [&] { return book_.release(l); });
  }
  if (p.running == 0 && p.unassigned == 0) finish(i);
  decide();
}

void simulation::finish(uint64_t i) {
  portion_state& p = portions_[i];
  timed(op_drop_holder, [&] { return book_.drop_holder(i + 1); });
  if (p.owed > 0) owing_.erase(i);
  p.owed = 0;
  if (--programs_[p.program].portions_left == 0)
    timed(op_drop_program, [&] { return book_.drop_program(program_id{p.program + 1u}); });
}

void simulation::tick() {
  ticking_ = false;
  if (book_.queued() == 0) return;
  waiting_at_ticks_.push_back(static_cast<double>(book_.queued()));
  auto hints = timed(op_hints, [&] { return book_.preemption_hints(now_); });
  // As the broker does: what a holder is asked replaces what it was asked;
  // a holder no longer named is asked nothing.
  std::map<uint64_t, int64_t> wanted;
  for (const yield_hint& h : hints) {
    fold(h.holder);
    fold(static_cast<uint64_t>(h.reason));
    fold(static_cast<uint64_t>(h.leases));
    wanted[h.holder - 1] += h.leases;
  }
  for (const auto& [i, n] : owing_)
    if (!wanted.count(i)) portions_[i].owed = 0;
  owing_.clear();
  for (const auto& [i, n] : wanted) {
    portions_[i].owed = std::min(n, portions_[i].running);
    if (portions_[i].owed > 0) owing_[i] = portions_[i].owed;
    hinted_leases_ += static_cast<uint64_t>(n);
  }
  ticking_ = true;
  push(now_ + kTickMs, event_kind::tick);
}

int simulation::run() {
  setup();
  const auto wall0 = clock_type::now();
  while (!events_.empty() && error_.ok()) {
    const event e = events_.top();
    events_.pop();
    advance(e.at);
    switch (e.kind) {
      case event_kind::arrive:
        arrive(e.portion);
        decide();
        break;
      case event_kind::task_done:
        task_done(e.portion, e.lease);
        break;
      case event_kind::tick:
        tick();
        break;
    }
  }
  const double wall_s = std::chrono::duration<double>(clock_type::now() - wall0).count();
  absl::Status check = error_.ok() ? book_.check() : error_;
  if (check.ok() && (!book_.leases().empty() || book_.queued() != 0))
    check = absl::InternalError(absl::StrFormat("%d leases and %d requests left at the end",
                                                book_.leases().size(), book_.queued()));
  report(wall_s, check);
  return check.ok() ? 0 : 1;
}

void simulation::report(double wall_s, const absl::Status& check) const {
  double ledger_us = 0;
  for (const op_stats& s : stats_) ledger_us += s.total_us;
  const double ledger_s = ledger_us / 1e6;
  const op_stats& decisions = stats_[op_schedule];
  const op_stats& hints = stats_[op_hints];
  const double slots = static_cast<double>(o_.nodes * kSlotsPerNode);
  std::vector<double> waits = waits_ms_;
  std::sort(waits.begin(), waits.end());
  auto wait_q = [&](double p) {
    return waits.empty() ? 0.0
                         : waits[static_cast<size_t>(p * static_cast<double>(waits.size() - 1))];
  };

  std::cout << absl::StrFormat(
      "broker-only: %d nodes x %d slots / %d GiB, %d portions of %d programs in 4 queues, seed %d\n"
      "ledger_options.check_invariants = false (check() once at the end: %s)\n",
      o_.nodes, kSlotsPerNode, kMemoryPerNode / kGiB, o_.portions, programs_.size(), o_.seed,
      check.ok() ? "OK" : std::string(check.message()));
  std::cout << absl::StrFormat(
      "simulated %.1f s: %d grants, slot utilization %.1f%%, wait for a first lease p50 %.0f ms "
      "p99 %.0f ms; hints asked for %d leases (summed over %d ticks), %d given back\n",
      static_cast<double>(now_) / 1e3, grants_,
      100.0 * leased_slot_ms_ / (slots * static_cast<double>(std::max<int64_t>(1, now_))),
      wait_q(0.5), wait_q(0.99), hinted_leases_, hints.us.size(), yielded_);
  if (!waiting_at_ticks_.empty()) {
    double sum = 0;
    for (double w : waiting_at_ticks_) sum += w;
    std::cout << absl::StrFormat(
        "requests waiting when hints are computed: mean %.0f, max %.0f\n",
        sum / static_cast<double>(waiting_at_ticks_.size()),
        *std::max_element(waiting_at_ticks_.begin(), waiting_at_ticks_.end()));
  }
  std::cout << absl::StrFormat("%-17s %9s %10s %9s %9s %9s %10s\n", "ledger call", "calls",
                               "total ms", "mean us", "p50 us", "p99 us", "max us");
  for (size_t k = 0; k < op_count; ++k) {
    const op_stats& s = stats_[k];
    if (s.us.empty()) continue;
    std::cout << absl::StrFormat("%-17s %9d %10.1f %9.2f %9.2f %9.2f %10.1f\n", kOpNames[k],
                                 s.us.size(), s.total_us / 1e3,
                                 s.total_us / static_cast<double>(s.us.size()), s.quantile(0.5),
                                 s.quantile(0.99), s.quantile(1.0));
  }
  const double grants_per_s = ledger_s > 0 ? static_cast<double>(grants_) / ledger_s : 0;
  std::cout << absl::StrFormat(
      "%.0f grants/s = grants / the %.3f s spent inside ledger calls (all of them, hints "
      "included); whole run %.2f s wall\n",
      grants_per_s, ledger_s, wall_s);
  std::cout << absl::StrFormat(
      "mode=broker-only nodes=%d portions=%d seed=%d grants=%d seconds=%.3f grants_per_s=%.0f "
      "decisions=%d p50_decision_us=%.2f p99_decision_us=%.2f hints=%d hints_p99_us=%.1f "
      "utilization=%.3f check_invariants=off check=%s digest=%016x wall_seconds=%.2f\n",
      o_.nodes, o_.portions, o_.seed, grants_, ledger_s, grants_per_s, decisions.us.size(),
      decisions.quantile(0.5), decisions.quantile(0.99), hints.us.size(), hints.quantile(0.99),
      leased_slot_ms_ / (slots * static_cast<double>(std::max<int64_t>(1, now_))),
      check.ok() ? "ok" : "failed", digest_, wall_s);
}

}  // namespace

int broker_sim_main(const std::vector<std::string>& args) {
  sim_options o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--broker-only") continue;  // the mode this is
    if (i + 1 >= args.size()) {
      std::cerr << "utilization --broker-only: " << a << " needs a value\n";
      return 2;
    }
    const std::string& v = args[++i];
    bool ok = false;
    if (a == "--nodes")
      ok = absl::SimpleAtoi(v, &o.nodes);
    else if (a == "--portions")
      ok = absl::SimpleAtoi(v, &o.portions);
    else if (a == "--seed")
      ok = absl::SimpleAtoi(v, &o.seed);
    else {
      std::cerr << "utilization --broker-only: unknown option " << a
                << " (options: --nodes N --portions N --seed S)\n";
      return 2;
    }
    if (!ok) {
      std::cerr << "utilization --broker-only: " << a << ": not a number: " << v << "\n";
      return 2;
    }
  }
  if (o.nodes < 1 || o.portions < 1) {
    std::cerr << "utilization --broker-only: --nodes and --portions must be >= 1\n";
    return 2;
  }
  return simulation(o).run();
}

}  // namespace tranche::bench
