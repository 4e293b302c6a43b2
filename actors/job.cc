// The job actor (see job.h).
#include "actors/job.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "actors/portion.h"
#include "daemon/config.h"
#include "console/console_codec.h"
#include "io/batch_codec.h"
#include "plan/copy_plan.h"
#include "plan/plan_codec.h"

namespace tranche {
namespace {

constexpr auto kPlanTimeout = std::chrono::seconds(300);
constexpr auto kFetchTimeout = std::chrono::seconds(120);

enum class portion_status { waiting, running, done };

struct job_state {
  job_context ctx;
  plan p;
  std::vector<portion_actor> actors;
  std::vector<portion_status> status;
  std::vector<std::vector<uint64_t>> task_nodes;
  std::vector<int32_t> held;      // leases each portion holds
  std::vector<int32_t> awaiting;  // leases each portion still expects handed over
  // Whole-program policy: the leases reserved for the program's life, those
  // not lent to a portion right now, and what each portion was lent.
  struct pooled {
    uint64_t lease = 0;
    uint64_t node = 0;
    executor_actor exec;
  };
  int64_t reserved = 0;  // 0: per-portion
  int64_t reserved_granted = 0;
  std::vector<pooled> pool;
  std::vector<int32_t> lent;
  std::vector<bool> wants_more;  // running and not yet out of tasks for a lease
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  bool ended = false;
  // COPY ... TO: the staging directory the tasks write to, and the files
  // they reported, committed when all succeeded (plan/copy_plan.h).
  struct copy_output {
    std::string staging;
    std::vector<written_file> files;
    bool committed = false;
  };
  std::optional<copy_output> copy;
  // Lineage: the executors holding this program's finished outputs (by
  // address, to their node), the tasks of each portion to run again because
  // their outputs were lost with a node, and the running portions suspended
  // until those are back.
  std::map<caf::actor_addr, uint64_t> watched;
  std::vector<std::vector<uint32_t>> repair;
  std::vector<bool> suspended;
  bool delivering = false;  // the result portion finished: its blocks are being read
  int64_t result_bytes = 0;  // encoded result batches sent to the listener
  // Result delivery: the task whose blocks are being read, how many of its
  // batches went out, and a generation that a lost node bumps so that the
  // reply of a fetch in flight is ignored. Lost result tasks not yet sent run
  // again (at most retry.max_retries times); delivery then resumes at
  // deliver_task.
  uint32_t deliver_task = 0;
  uint64_t deliver_first = 0;
  uint64_t deliver_gen = 0;
  bool resume_delivery = false;
  int result_repairs = 0;
  static inline const char* name = "job";
};

using job_ptr = job_actor::stateful_pointer<job_state>;

double elapsed(job_ptr self) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - self->state.t0).count();
}

void forward(job_ptr self, progress_event e) {
  e.at = elapsed(self);
  if (self->state.ctx.observer) self->send(self->state.ctx.observer, progress_atom::value, e);
  caf::anon_send(self->state.ctx.listener, progress_atom::value, std::move(e));
}

// Ends the program: returns whatever capacity it still holds or asks for,
// drops its blocks on every node, stops its portions.
void finish(job_ptr self, const std::string& error, bool tell_listener = true) {
  auto& st = self->state;
  if (st.ended) return;
  st.ended = true;
  // COPY: a program that did not commit leaves nothing behind.
  if (st.copy && !st.copy->committed) abort_copy(st.copy->staging);
  self->send(st.ctx.broker, drop_atom::value, st.ctx.program);
  if (st.ctx.directory)
    for (auto& e : st.ctx.directory->all()) self->send(e, drop_atom::value, st.ctx.program);
  for (auto& a : st.actors)
    if (a) self->send_exit(a, caf::exit_reason::user_shutdown);
  // Leases the portions still hold go back to the broker with the program
  // (the drop above). Report them as given back, so that every lease obtained
  // is seen yielded: the last portion's own releases, sent right after its
  // done message, are still queued when a result read from local blocks
  // ends the program within that message's handler.
  if (st.held.size() == st.p.portions.size()) {
    for (size_t p = 0; p < st.held.size(); ++p) {
      while (st.held[p] > 0) {
        progress_event e;
        e.kind = progress_kind::capacity_yielded;
        e.program = st.ctx.program;
        e.portion = static_cast<int32_t>(p);
        e.portion_name = st.p.portions[p].name;
        e.tasks_total = st.p.portions[p].tasks;
        e.slots_held = --st.held[p];
        e.to = "broker";
        forward(self, std::move(e));
      }
    }
  }
  if (tell_listener) caf::anon_send(st.ctx.listener, done_atom::value, st.ctx.program, error);
  if (st.ctx.observer)
    self->send(st.ctx.observer, done_atom::value, st.ctx.program,
               tell_listener ? error : std::string("the client went away"));
  self->quit();
}

// Whole-program: lends pooled leases to running portions that can use them.
void lend(job_ptr self) {
  auto& st = self->state;
  for (size_t i = 0; i < st.actors.size() && !st.pool.empty(); ++i) {
    while (!st.pool.empty() && st.status[i] == portion_status::running && st.wants_more[i] &&
           st.lent[i] < st.p.portions[i].tasks) {
      auto l = st.pool.back();
      st.pool.pop_back();
      ++st.lent[i];
      self->send(st.ctx.broker, transfer_atom::value, l.lease,
                 caf::actor_cast<lease_holder_actor>(st.actors[i]), static_cast<int32_t>(i));
      self->send(st.actors[i], grant_atom::value, l.lease, l.node, l.exec);
    }
  }
}

void start_ready(job_ptr self, int32_t handed_from, int32_t handed) {
  auto& st = self->state;
  for (size_t i = 0; i < st.p.portions.size(); ++i) {
    if (st.status[i] != portion_status::waiting) continue;
    const portion_spec& spec = st.p.portions[i];
    bool ready = true;
    for (int in : spec.inputs) ready = ready && st.status[in] == portion_status::done;
    if (!ready) continue;
    portion_context pc;
    pc.program = st.ctx.program;
    pc.spec = spec;
    pc.job = caf::actor_cast<job_actor>(self);
    pc.broker = st.ctx.broker;
    pc.directory = st.ctx.directory;
    pc.options = st.ctx.options;
    pc.ask_broker = st.reserved == 0 || !st.repair[i].empty();
    pc.retry = st.ctx.retry;
    pc.only_tasks = st.repair[i];
    bool successor = false;
    for (int in : spec.inputs) successor = successor || in == handed_from;
    if (successor && handed > 0) {
      pc.handed = std::min(handed, spec.tasks);
      st.awaiting[i] = pc.handed;
      handed -= pc.handed;
    }
    std::vector<std::vector<uint64_t>> inputs;
    for (int in : spec.inputs) inputs.push_back(st.task_nodes[in]);
    st.actors[i] = spawn_portion(self->system(), std::move(pc));
    self->monitor(st.actors[i]);
    st.status[i] = portion_status::running;
    // Reported here, not by the portion, so that it precedes the leases handed to it.
    progress_event e;
    e.kind = progress_kind::portion_started;
    e.program = st.ctx.program;
    e.portion = static_cast<int32_t>(i);
    e.portion_name = spec.name;
    e.tasks_total = spec.tasks;
    forward(self, std::move(e));
    self->send(st.actors[i], start_atom::value, std::move(inputs));
  }
  // Portions suspended while their lost inputs were recomputed resume.
  for (size_t i = 0; i < st.p.portions.size(); ++i) {
    if (!st.suspended[i] || st.status[i] != portion_status::running) continue;
    bool ready = true;
    for (int in : st.p.portions[i].inputs) ready = ready && st.status[in] == portion_status::done;
    if (!ready) continue;
    st.suspended[i] = false;
    std::vector<std::vector<uint64_t>> inputs;
    for (int in : st.p.portions[i].inputs) inputs.push_back(st.task_nodes[in]);
    self->send(st.actors[i], start_atom::value, std::move(inputs));
  }
  if (st.reserved > 0) lend(self);
}

// Lineage: node `node` died. Outputs of finished portions kept there are
// gone; those that a portion still to finish reads are computed again, with
// the lost outputs of their own inputs, and the portions reading them wait.
// Running portions rerun their own lost outputs themselves (portion.cc).
void on_node_lost(job_ptr self, uint64_t node) {
  auto& st = self->state;
  if (st.ended) return;
  const size_t n = st.p.portions.size();
  std::vector<std::vector<uint32_t>> lost(n);
  for (size_t i = 0; i < n; ++i) {
    if (st.status[i] != portion_status::done) continue;
    for (uint32_t t = 0; t < st.task_nodes[i].size(); ++t)
      if (st.task_nodes[i][t] == node) lost[i].push_back(t);
  }
  // Reading the result: what went out is kept; what did not runs again.
  bool result_lost = false;
  if (n > 0 && st.delivering) {
    std::erase_if(lost[n - 1], [&](uint32_t t) { return t < st.deliver_task; });
    if (!lost[n - 1].empty()) {
      if (st.copy || (lost[n - 1].front() == st.deliver_task && st.deliver_first > 0))
        return finish(self, absl::StrCat("node ", node,
                                         " died holding part of the result after some of its "
                                         "rows had been sent"));
      if (++st.result_repairs > st.ctx.retry.max_retries)
        return finish(self, absl::StrCat("node ", node, " died holding part of the result, which ",
                                         "was computed again ", st.ctx.retry.max_retries,
                                         " times already"));
      result_lost = true;
      st.delivering = false;
      st.resume_delivery = true;
      ++st.deliver_gen;  // a fetch in flight answers for the old locations
    }
  }
  std::vector<size_t> work;
  for (size_t i = 0; i < n; ++i) {
    if (lost[i].empty()) continue;
    bool needed = i + 1 == n && result_lost;
    for (size_t c = 0; c < n; ++c)
      for (int in : st.p.portions[c].inputs)
        needed = needed || (static_cast<size_t>(in) == i && st.status[c] != portion_status::done);
    if (needed) work.push_back(i);
  }
  std::vector<bool> redo(n, false);
  while (!work.empty()) {
    const size_t i = work.back();
    work.pop_back();
    if (redo[i]) continue;
    redo[i] = true;
    // Its rerun tasks read every task's output of its inputs.
    for (int in : st.p.portions[i].inputs)
      if (!lost[in].empty() && !redo[in]) work.push_back(static_cast<size_t>(in));
  }
  for (size_t i = 0; i < n; ++i) {
    if (!redo[i]) continue;
    st.repair[i] = lost[i];
    st.status[i] = portion_status::waiting;
    if (st.actors[i]) {
      auto old = st.actors[i];
      st.actors[i] = portion_actor{};  // its exit is no failure
      self->send_exit(old, caf::exit_reason::user_shutdown);
    }
    progress_event e;
    e.kind = progress_kind::task_retried;
    e.program = st.ctx.program;
    e.portion = static_cast<int32_t>(i);
    e.portion_name = st.p.portions[i].name;
    e.tasks_total = st.p.portions[i].tasks;
    e.node = node;
    e.to = absl::StrCat(lost[i].size(), " finished task(s) lost their output with node ", node,
                        "; running them again");
    forward(self, std::move(e));
  }
  for (size_t c = 0; c < n; ++c) {
    if (st.status[c] != portion_status::running || st.suspended[c]) continue;
    bool waits = false;
    for (int in : st.p.portions[c].inputs) waits = waits || redo[in];
    if (!waits) continue;
    st.suspended[c] = true;
    self->send(st.actors[c], suspend_atom::value);
  }
  start_ready(self, -1, 0);
}

// Watches the executors of `nodes` (a finished portion's outputs); a node
// already gone counts as lost now.
void watch_nodes(job_ptr self, const std::vector<uint64_t>& nodes) {
  auto& st = self->state;
  std::vector<uint64_t> gone;
  for (uint64_t node : nodes) {
    if (node == 0) continue;
    bool known = false;
    for (const auto& [addr, n] : st.watched) known = known || n == node;
    if (known) continue;
    executor_actor exec = st.ctx.directory ? st.ctx.directory->find(node) : executor_actor{};
    if (!exec) {
      if (st.ctx.directory && std::find(gone.begin(), gone.end(), node) == gone.end())
        gone.push_back(node);
      continue;
    }
    self->monitor(exec);
    st.watched[exec.address()] = node;
  }
  for (uint64_t node : gone) on_node_lost(self, node);
}

// Whole-program: reserves the plan's peak before any portion runs (all of
// it at once), then starts the portions on it.
void reserve(job_ptr self, int64_t cluster_slots) {
  auto& st = self->state;
  std::vector<portion_shape> shapes;
  for (const auto& p : st.p.portions) shapes.push_back({p.tasks, p.inputs, p.memory_per_task});
  const reservation r = st.ctx.policy->reserve(shapes, cluster_slots);
  if (r.leases <= 0) return start_ready(self, -1, 0);
  st.reserved = r.leases;
  lease_ask a;
  a.program = st.ctx.program;
  a.portion = -1;
  a.want = a.min_want = r.leases;
  a.memory = r.memory_per_lease;
  a.queue = st.ctx.options.queue;
  a.priority = st.ctx.options.priority;
  self->send(st.ctx.broker, request_atom::value, caf::actor_cast<lease_holder_actor>(self), a);
}

// --- COPY ... TO (plan/copy_plan.h) ---

// The result portion's rows of a COPY: (file, rows) per task.
absl::Status collect_written(job_ptr self, const std::vector<std::vector<char>>& chunk) {
  for (const auto& bytes : chunk) {
    auto b = decode_batch(bytes.data(), bytes.size());
    if (!b.ok()) return b.status();
    if (b->columns.size() != 2 || b->columns[0]->type() != type_id::string ||
        b->columns[1]->type() != type_id::int64)
      return absl::InternalError("COPY: a write task's row is not (file, rows)");
    for (size_t i = 0; i < b->rows; ++i)
      self->state.copy->files.push_back(
          {std::string(b->columns[0]->str(i)), b->columns[1]->i64()[i]});
  }
  return absl::OkStatus();
}

// Every task succeeded: the staging directory becomes the target, and the
// client gets one row (rows, files, path) as a catalog statement's result.
void commit_copy_output(job_ptr self) {
  auto& st = self->state;
  auto summary = commit_copy(st.copy->staging, st.copy->files);
  if (!summary.ok()) return finish(self, std::string(summary.status().message()));
  st.copy->committed = true;
  batch head = make_batch(copy_result_schema(), {});
  batch row = make_batch(copy_result_schema(),
                         {{value{summary->rows}, value{summary->files}, value{summary->path}}});
  caf::anon_send(st.ctx.listener, result_atom::value, st.ctx.program, encode_batch(head));
  caf::anon_send(st.ctx.listener, result_atom::value, st.ctx.program, encode_batch(row));
  finish(self, std::string{});
}

// Fetches the result portion's blocks task by task, in order, a few batches
// at a time, and streams them to the listener.
constexpr uint32_t kResultChunkBatches = 8;

void deliver_results(job_ptr self, uint32_t task, uint32_t first, uint64_t batches) {
  auto& st = self->state;
  const portion_spec& last = st.p.portions.back();
  if (task >= static_cast<uint32_t>(last.tasks))
    return st.copy ? commit_copy_output(self) : finish(self, std::string{});
  st.deliver_task = task;
  st.deliver_first = first;
  const uint64_t gen = st.deliver_gen;
  const uint64_t node = st.task_nodes.back()[task];
  executor_actor exec = st.ctx.directory ? st.ctx.directory->find(node) : executor_actor{};
  // Its node left the cluster: as when the node's executor goes down.
  if (!exec) return on_node_lost(self, node);
  self->request(exec, kFetchTimeout, fetch_atom::value, st.ctx.program,
                static_cast<uint32_t>(last.id), task, uint32_t{0}, first, kResultChunkBatches)
      .then(
          [=](std::vector<std::vector<char>>& chunk, const std::vector<uint64_t>& sizes,
              const std::string& error) {
            if (self->state.ended || gen != self->state.deliver_gen) return;  // superseded
            if (!error.empty()) return finish(self, error);
            const uint64_t total = first == 0 ? sizes.size() : batches;
            const uint32_t got = static_cast<uint32_t>(chunk.size());
            if (self->state.copy) {
              if (auto s = collect_written(self, chunk); !s.ok())
                return finish(self, std::string(s.message()));
            } else {
              auto& st = self->state;
              for (auto& b : chunk) {
                st.result_bytes += static_cast<int64_t>(b.size());
                if (st.ctx.max_result_bytes > 0 && st.result_bytes > st.ctx.max_result_bytes)
                  return finish(self, absl::StrCat(
                                          "the result is larger than max-result-size (",
                                          format_size(st.ctx.max_result_bytes),
                                          "), which bounds what a client holds in memory: "
                                          "write it to files with COPY (...) TO, or add LIMIT"));
                caf::anon_send(st.ctx.listener, result_atom::value, st.ctx.program,
                               std::move(b));
              }
            }
            if (got > 0 && first + got < total) return deliver_results(self, task, first + got, total);
            deliver_results(self, task + 1, 0, 0);
          },
          [=](const caf::error& err) {
            if (self->state.ended || gen != self->state.deliver_gen) return;  // superseded
            // A dead executor's requests fail; its down message may come later.
            if (!self->state.ctx.directory || !self->state.ctx.directory->find(node))
              return on_node_lost(self, node);
            finish(self, absl::StrCat("fetching the result: ", self->system().render(err)));
          });
}

// A catalog statement (CREATE/DROP/SHOW/DESCRIBE) ran in the planner: its
// result batches (the first carrying the schema) go to the listener as a
// query's would, with no portion and no capacity involved.
void deliver_immediate(job_ptr self, const std::vector<std::vector<char>>& batches) {
  for (const auto& b : batches)
    caf::anon_send(self->state.ctx.listener, result_atom::value, self->state.ctx.program, b);
  finish(self, std::string{});
}

void plan_and_start(job_ptr self, int32_t parallelism) {
  self->request(self->state.ctx.planner, kPlanTimeout, plan_atom::value,
                self->state.ctx.program_bytes, parallelism)
      .then(
          [=](const std::vector<char>& bytes, const std::string&, const std::string& error,
              const std::vector<std::vector<char>>& immediate) {
            if (!error.empty()) return finish(self, error);
            if (!immediate.empty()) return deliver_immediate(self, immediate);
            auto p = decode_plan(bytes.data(), bytes.size());
            if (!p.ok()) return finish(self, std::string(p.status().message()));
            auto& st = self->state;
            st.p = *std::move(p);
            if (const pipeline_step* w = find_copy_step(st.p)) {
              st.copy.emplace();
              st.copy->staging = w->path;
              std::error_code ec;
              std::filesystem::create_directories(w->path, ec);
              if (ec)
                return finish(self, absl::StrCat("COPY: creating '", w->path, "': ", ec.message()));
            }
            const size_t n = st.p.portions.size();
            st.actors.resize(n);
            st.status.assign(n, portion_status::waiting);
            st.task_nodes.resize(n);
            st.held.assign(n, 0);
            st.awaiting.assign(n, 0);
            st.lent.assign(n, 0);
            st.wants_more.assign(n, true);
            st.repair.assign(n, {});
            st.suspended.assign(n, false);
            if (st.ctx.observer) {
              program_info planned;
              for (const portion_spec& spec : st.p.portions) {
                portion_info pi;
                pi.id = spec.id;
                pi.name = spec.name;
                pi.inputs.assign(spec.inputs.begin(), spec.inputs.end());
                pi.tasks_total = spec.tasks;
                planned.portions.push_back(std::move(pi));
              }
              self->send(st.ctx.observer, planned_atom::value, st.ctx.program,
                         encode_program_info(planned));
            }
            if (!st.ctx.policy || st.ctx.policy->portions_ask_broker())
              return start_ready(self, -1, 0);
            self->request(st.ctx.broker, std::chrono::seconds(10), ledger_atom::value)
                .then([=](const std::vector<int64_t>& t) { reserve(self, t.at(0)); },
                      [=](const caf::error& err) {
                        finish(self, absl::StrCat("asking the broker for the cluster's size: ",
                                                  self->system().render(err)));
                      });
          },
          [=](const caf::error& err) {
            finish(self, absl::StrCat("planning: ", self->system().render(err)));
          });
}

job_actor::behavior_type job_impl(job_ptr self, job_context ctx) {
  self->state.ctx = std::move(ctx);
  self->monitor(self->state.ctx.listener);
  self->set_down_handler([=](const caf::down_msg& dm) {
    if (dm.source == self->state.ctx.listener.address())
      return finish(self, "the client went away", false);
    if (auto w = self->state.watched.find(dm.source); w != self->state.watched.end()) {
      const uint64_t node = w->second;
      self->state.watched.erase(w);
      return on_node_lost(self, node);
    }
    for (size_t i = 0; i < self->state.actors.size(); ++i)
      if (self->state.actors[i] && self->state.actors[i].address() == dm.source &&
          self->state.status[i] != portion_status::done)
        return finish(self, absl::StrCat("portion ", i, " stopped unexpectedly"));
  });
  if (self->state.ctx.parallelism > 0) {
    plan_and_start(self, self->state.ctx.parallelism);
  } else {
    // Shuffle partitions: as many as the cluster has slots right now.
    self->request(self->state.ctx.broker, std::chrono::seconds(10), ledger_atom::value)
        .then(
            [=](const std::vector<int64_t>& t) {
              plan_and_start(self, static_cast<int32_t>(std::max<int64_t>(1, t.at(0))));
            },
            [=](const caf::error&) { plan_and_start(self, 0); });
  }
  return {
      [=](grant_atom, uint64_t lease, uint64_t node, executor_actor exec) {
        // Whole-program: part of the reservation (granted all at once).
        auto& st = self->state;
        if (st.ended) return self->send(st.ctx.broker, yield_atom::value, lease);
        st.pool.push_back({lease, node, exec});
        if (++st.reserved_granted == st.reserved) return start_ready(self, -1, 0);
        if (st.reserved_granted > st.reserved) lend(self);
      },
      [=](refused_atom, const std::string& why) {
        finish(self, absl::StrCat("capacity refused: ", why));
      },
      [=](preempt_atom, int64_t, const std::string&) {
        // A reservation is kept for the program's life (whole-program is
        // not preemptible; the broker does not ask under it).
      },
      [=](revoke_atom, uint64_t lease) {
        std::erase_if(self->state.pool, [&](const auto& l) { return l.lease == lease; });
      },
      [=](release_atom, int32_t portion, uint64_t lease, uint64_t node, executor_actor exec,
          bool to_broker) {
        auto& st = self->state;
        if (st.ended) return;
        st.held[portion] = std::max(0, st.held[portion] - 1);
        progress_event e;
        e.kind = progress_kind::capacity_yielded;
        e.program = st.ctx.program;
        e.portion = portion;
        e.portion_name = st.p.portions[portion].name;
        e.tasks_total = st.p.portions[portion].tasks;
        e.slots_held = st.held[portion];
        e.lease = lease;
        e.node = node;
        if (st.reserved > 0 && !to_broker) {
          // Whole-program: back to the reservation, for this program's other portions.
          --st.lent[portion];
          if (st.status[portion] == portion_status::running) st.wants_more[portion] = false;
          self->send(st.ctx.broker, transfer_atom::value, lease,
                     caf::actor_cast<lease_holder_actor>(self), int32_t{-1});
          st.pool.push_back({lease, node, exec});
          e.to = "the program's reservation";
          forward(self, std::move(e));
          return lend(self);
        }
        // Hand the lease to a successor that is waiting for it, else back to the broker.
        for (size_t q = 0; q < st.actors.size() && !to_broker; ++q) {
          if (st.awaiting[q] > 0 && st.status[q] == portion_status::running &&
              static_cast<int32_t>(q) != portion) {
            --st.awaiting[q];
            self->send(st.ctx.broker, transfer_atom::value, lease,
                       caf::actor_cast<lease_holder_actor>(st.actors[q]), static_cast<int32_t>(q));
            self->send(st.actors[q], grant_atom::value, lease, node, exec);
            e.to = absl::StrCat("portion ", q);
            return forward(self, std::move(e));
          }
        }
        self->send(st.ctx.broker, yield_atom::value, lease);
        e.to = to_broker ? "broker (preempted)" : "broker";
        forward(self, std::move(e));
      },
      [=](portion_done_atom, int32_t portion, std::vector<uint64_t> nodes, int32_t releasing) {
        auto& st = self->state;
        if (st.ended) return;
        st.status[portion] = portion_status::done;
        if (st.repair[portion].empty()) {
          st.task_nodes[portion] = std::move(nodes);
        } else {  // a rerun of lost outputs: the others stay where they are
          for (uint32_t t : st.repair[portion])
            if (t < nodes.size() && t < st.task_nodes[portion].size())
              st.task_nodes[portion][t] = nodes[t];
          st.repair[portion].clear();
        }
        progress_event e;
        e.kind = progress_kind::portion_finished;
        e.program = st.ctx.program;
        e.portion = portion;
        e.portion_name = st.p.portions[portion].name;
        e.tasks_done = e.tasks_total = st.p.portions[portion].tasks;
        e.slots_held = st.held[portion];
        forward(self, std::move(e));
        const bool last = static_cast<size_t>(portion) + 1 == st.p.portions.size();
        st.delivering = st.delivering || last;
        watch_nodes(self, st.task_nodes[portion]);
        if (st.ended || st.status[portion] != portion_status::done) return;  // lost already
        if (last && st.resume_delivery) {
          // Its lost tasks ran again: on from the first task not yet sent.
          st.resume_delivery = false;
          deliver_results(self, st.deliver_task, 0, 0);
        } else if (last && st.copy) {
          deliver_results(self, 0, 0, 0);  // collects the written files, then commits
        } else if (last) {
          // First an empty batch that carries the result's schema, so that a
          // result without rows still has its columns.
          batch head;
          head.schema = st.p.result;
          for (const auto& f : head.schema.fields)
            head.columns.push_back(std::make_shared<column>(f.type));
          caf::anon_send(st.ctx.listener, result_atom::value, st.ctx.program, encode_batch(head));
          deliver_results(self, 0, 0, 0);
        } else {
          start_ready(self, portion, releasing);
        }
      },
      [=](portion_fail_atom, int32_t, const std::string& error) { finish(self, error); },
      [=](progress_atom, progress_event e) {
        if (self->state.ended) return;
        if (e.kind == progress_kind::capacity_obtained)
          e.slots_held = ++self->state.held[e.portion];
        // A lease lost with its node (the broker already reclaimed it).
        if (e.kind == progress_kind::capacity_yielded)
          e.slots_held = self->state.held[e.portion] = std::max(0, self->state.held[e.portion] - 1);
        forward(self, std::move(e));
      },
      [=](cancel_atom) { finish(self, "cancelled"); },
  };
}

}  // namespace

job_actor spawn_job(caf::actor_system& sys, job_context ctx) {
  return sys.spawn(job_impl, std::move(ctx));
}

}  // namespace tranche
