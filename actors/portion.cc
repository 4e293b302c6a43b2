// The portion actor (see portion.h).
#include "actors/portion.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "plan/plan_codec.h"

namespace tranche {
namespace {

// Bounds every task when its portion has no deadline of its own.
constexpr auto kTaskTimeout = std::chrono::seconds(7200);
// Speculation looks for stragglers this often, on a tick_atom with this
// "task" (no portion has that many tasks).
constexpr auto kSpeculationInterval = std::chrono::milliseconds(100);
constexpr uint32_t kSpeculationTick = ~uint32_t{0};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct held_lease {
  uint64_t node = 0;
  executor_actor exec;
};

struct portion_state {
  portion_context ctx;
  std::vector<std::vector<uint64_t>> input_nodes;
  std::deque<uint32_t> pending;
  std::vector<uint64_t> task_nodes;
  int32_t done = 0;
  int32_t target = 0;  // tasks to finish: all, or the lost ones being rerun
  bool paused = false;  // suspended while lost inputs are recomputed
  std::map<caf::actor_addr, uint64_t> exec_nodes;  // executors granted, by node
  uint64_t spilled_bytes = 0;  // by the finished tasks' operators
  std::map<uint64_t, held_lease> leases;
  std::map<uint64_t, uint32_t> running;  // lease -> task it runs
  std::set<caf::actor_addr> watched;     // executors monitored
  bool started = false;
  bool asked_broker = false;
  bool finished = false;
  int64_t give_back = 0;               // leases the broker asked back
  std::vector<uint64_t> preferred;     // nodes holding the input, most blocks first
  retry_tracker retries;
  // Speculative execution: running times, and the stragglers waiting for a
  // lease on another node than their first copy's.
  straggler_watch stragglers;
  std::deque<uint32_t> copies;
  bool speculation_armed = false;
  static inline const char* name = "portion";
};

using portion_ptr = portion_actor::stateful_pointer<portion_state>;

progress_event event(portion_ptr self, progress_kind k) {
  progress_event e;
  e.kind = k;
  e.program = self->state.ctx.program;
  e.portion = self->state.ctx.spec.id;
  e.portion_name = self->state.ctx.spec.name;
  e.tasks_done = self->state.done;
  e.tasks_total = self->state.ctx.spec.tasks;
  e.slots_held = static_cast<int32_t>(self->state.leases.size());
  e.spilled_bytes = self->state.spilled_bytes;
  return e;
}

task_spec make_task(portion_ptr self, uint32_t t) {
  auto& st = self->state;
  task_spec ts;
  ts.program = st.ctx.program;
  ts.portion = st.ctx.spec;
  ts.task = t;
  const auto& broadcast = st.ctx.spec.broadcast_inputs;
  for (size_t i = 0; i < st.ctx.spec.inputs.size() && i < st.input_nodes.size(); ++i) {
    // A broadcast input has one partition, which every task reads.
    const int in = st.ctx.spec.inputs[i];
    const bool whole = std::find(broadcast.begin(), broadcast.end(), in) != broadcast.end();
    for (uint32_t up = 0; up < st.input_nodes[i].size(); ++up)
      ts.inputs.push_back(block_ref{st.input_nodes[i][up], st.ctx.program,
                                    static_cast<uint32_t>(in), up, whole ? 0u : t});
  }
  return ts;
}

// Gives a lease back through the job, which hands it to a successor (or,
// whole-program, keeps it) unless `to_broker` (a preemption) says otherwise.
void release(portion_ptr self, uint64_t lease, bool to_broker = false) {
  auto it = self->state.leases.find(lease);
  if (it == self->state.leases.end()) return;
  held_lease h = it->second;
  self->state.leases.erase(it);
  if (self->state.give_back > 0) --self->state.give_back;
  self->send(self->state.ctx.job, release_atom::value, self->state.ctx.spec.id, lease, h.node,
             h.exec, to_broker);
}

// Asks the broker for `want` more leases (added to a request still waiting),
// preferably not on node `avoid` (a retry after a failure there).
void ask(portion_ptr self, int64_t want, uint64_t avoid = 0) {
  auto& st = self->state;
  if (want <= 0) return;
  st.asked_broker = true;
  lease_ask a;
  a.program = st.ctx.program;
  a.portion = st.ctx.spec.id;
  a.want = want;
  a.memory = st.ctx.spec.memory_per_task;
  a.queue = st.ctx.options.queue;
  a.priority = st.ctx.options.priority;
  a.preferred = st.preferred;
  if (avoid != 0 && st.ctx.directory) {
    // Every other node, those holding the input first.
    std::erase(a.preferred, avoid);
    for (uint64_t n : st.ctx.directory->nodes())
      if (n != avoid && std::find(a.preferred.begin(), a.preferred.end(), n) == a.preferred.end())
        a.preferred.push_back(n);
  }
  self->send(st.ctx.broker, request_atom::value, caf::actor_cast<lease_holder_actor>(self), a);
}

// Data locality: the nodes holding this portion's input blocks, most first
// (a scan reads files every node can reach: none).
std::vector<uint64_t> input_locality(const std::vector<std::vector<uint64_t>>& inputs) {
  std::map<uint64_t, int64_t> blocks;
  for (const auto& in : inputs)
    for (uint64_t n : in) ++blocks[n];
  std::vector<std::pair<int64_t, uint64_t>> ranked;
  for (const auto& [n, k] : blocks) ranked.emplace_back(-k, n);
  std::sort(ranked.begin(), ranked.end());
  std::vector<uint64_t> out;
  for (const auto& [k, n] : ranked) out.push_back(n);
  return out;
}

void fail(portion_ptr self, const std::string& error) {
  if (self->state.finished) return;
  self->state.finished = true;
  // The job reclaims the program's leases and then ends this actor.
  self->send(self->state.ctx.job, portion_fail_atom::value, self->state.ctx.spec.id, error);
}

void dispatch(portion_ptr self, uint64_t lease);
void on_task_failed(portion_ptr self, uint64_t lease, uint32_t t, uint64_t node,
                    const std::string& error, bool transient);

// True if `lease` still runs task `t` (and marks it finished); false when the
// task was handed to another lease after its node died.
bool still_running(portion_ptr self, uint64_t lease, uint32_t t) {
  auto it = self->state.running.find(lease);
  if (it == self->state.running.end() || it->second != t) return false;
  self->state.running.erase(it);
  return true;
}

// The leases running task `t`: one, or two while a straggler has a copy.
std::vector<uint64_t> leases_running(portion_ptr self, uint32_t t) {
  std::vector<uint64_t> out;
  for (const auto& [lease, task] : self->state.running)
    if (task == t) out.push_back(lease);
  return out;
}

// A lease is gone without this portion giving it back (its node died, or
// the broker revoked it): the task it ran goes back to the queue, and the
// job hears where the lease went.
void lose(portion_ptr self, uint64_t lease, const char* to, bool node_died = false) {
  auto& st = self->state;
  auto it = st.leases.find(lease);
  if (it == st.leases.end()) return;
  auto r = st.running.find(lease);
  if (r != st.running.end()) {
    // A node's death counts against the task's retries; a revocation does not.
    const uint32_t t = r->second;
    st.running.erase(r);
    if (leases_running(self, t).empty()) {  // else its other copy goes on
      if (node_died && !st.retries.on_failure(t, it->second.node))
        return fail(self, absl::StrCat("task ", t, " of portion ", st.ctx.spec.id, " failed ",
                                       st.retries.failures(t), " times; the last time its node ",
                                       it->second.node, " died"));
      st.stragglers.stopped(t);
      st.pending.push_front(t);
    }
  }

  auto e = event(self, progress_kind::capacity_yielded);
  e.lease = lease;
  e.node = it->second.node;
  e.to = to;
  st.leases.erase(it);
  e.slots_held = static_cast<int32_t>(st.leases.size());
  self->send(st.ctx.job, progress_atom::value, e);
}

// An executor died: its leases are gone (the broker reclaimed them with the
// node), and the tasks they ran go back to the queue for other leases.
void on_executor_down(portion_ptr self, const caf::actor_addr& source) {
  auto& st = self->state;
  if (st.finished) return;
  std::vector<uint64_t> lost;
  for (const auto& [id, h] : st.leases)
    if (h.exec.address() == source) lost.push_back(id);
  for (uint64_t id : lost) {
    lose(self, id, "nobody: its node died", /*node_died=*/true);
    if (st.finished) return;
  }
  // Outputs of finished tasks that were kept there are gone too: run those
  // tasks again (not counted as their failures).
  int64_t rerun = 0;
  if (auto n = st.exec_nodes.find(source); n != st.exec_nodes.end()) {
    const uint64_t node = n->second;
    st.exec_nodes.erase(n);
    for (uint32_t t = 0; t < st.task_nodes.size(); ++t)
      if (st.task_nodes[t] == node) {
        st.task_nodes[t] = 0;
        --st.done;
        st.pending.push_back(t);
        ++rerun;
      }
  }
  // Replacements for the lost leases and the rerun tasks, as far as queued.
  const int64_t want = static_cast<int64_t>(lost.size()) + rerun;
  if (want > 0 && !st.pending.empty() && !st.paused)
    ask(self, std::min<int64_t>(want, static_cast<int64_t>(st.pending.size())));
}

void on_task_done(portion_ptr self, uint64_t lease, uint32_t t, uint64_t node) {
  auto& st = self->state;
  if (st.finished) return;
  // The first copy of a straggler to finish wins: the other one stops, and
  // its lease serves the next task (after this one's accounting).
  st.stragglers.finished(t, now_ms());
  std::vector<uint64_t> losers = leases_running(self, t);
  for (uint64_t l : losers) {
    st.running.erase(l);
    if (auto h = st.leases.find(l); h != st.leases.end())
      self->send(h->second.exec, cancel_atom::value, st.ctx.program,
                 static_cast<uint32_t>(st.ctx.spec.id), t);
  }
  st.task_nodes[t] = node;
  ++st.done;
  self->send(st.ctx.job, progress_atom::value, event(self, progress_kind::task_finished));
  if (st.done == st.target) {
    // Done first, then the leases: the job starts successors before it sees
    // the leases, so it can hand them straight over.
    st.finished = true;
    self->send(st.ctx.job, portion_done_atom::value, st.ctx.spec.id, st.task_nodes,
               static_cast<int32_t>(st.leases.size()));
    std::vector<uint64_t> ids;
    for (auto& [id, h] : st.leases) ids.push_back(id);
    for (auto id : ids) release(self, id);
    return;  // the job ends this actor once the program is settled
  }
  for (uint64_t l : losers) dispatch(self, l);
  if (st.give_back > 0 && !st.pending.empty()) {
    // Preempted at a task boundary: the lease goes back to the broker, and
    // the tasks still queued wait for capacity in the broker's order.
    release(self, lease, /*to_broker=*/true);
    return ask(self, 1);
  }
  dispatch(self, lease);
}

void run_on(portion_ptr self, uint64_t lease, uint32_t t);

// Straggler t's copy may run on `lease` when no copy of it runs on that node.
bool copy_fits(portion_ptr self, uint32_t t, uint64_t node) {
  const auto others = leases_running(self, t);
  if (others.empty()) return false;  // finished or lost meanwhile
  for (uint64_t l : others)
    if (auto h = self->state.leases.find(l); h != self->state.leases.end() && h->second.node == node)
      return false;
  return true;
}

void dispatch(portion_ptr self, uint64_t lease) {
  auto& st = self->state;
  auto it = st.leases.find(lease);
  if (it == st.leases.end()) return;
  if (st.pending.empty() && !st.paused) {
    // Nothing queued: a straggler's copy, if one waits and fits this node.
    std::erase_if(st.copies, [&](uint32_t c) { return leases_running(self, c).empty(); });
    for (auto c = st.copies.begin(); c != st.copies.end(); ++c)
      if (copy_fits(self, *c, it->second.node)) {
        const uint32_t t = *c;
        st.copies.erase(c);
        return run_on(self, lease, t);
      }
  }
  if (st.pending.empty() || st.paused) {
    release(self, lease);  // no task left for this lease (or none may start): yield it now
    return;
  }
  // A task that failed on this lease's node goes elsewhere when another waits.
  auto pick = st.pending.begin();
  while (pick != st.pending.end() && st.retries.last_failed_node(*pick) == it->second.node)
    ++pick;
  if (pick == st.pending.end()) pick = st.pending.begin();
  const uint32_t t = *pick;
  st.pending.erase(pick);
  if (st.pending.empty() && st.asked_broker)
    self->send(st.ctx.broker, shrink_atom::value, caf::actor_cast<lease_holder_actor>(self),
               static_cast<int64_t>(st.copies.size()));
  st.stragglers.started(t, now_ms());
  run_on(self, lease, t);
}

// Runs task t on `lease` (its first copy, a retry, or a straggler's copy).
void run_on(portion_ptr self, uint64_t lease, uint32_t t) {
  auto& st = self->state;
  auto it = st.leases.find(lease);
  const uint64_t node = it->second.node;
  st.running[lease] = t;
  if (st.stragglers.enabled() && !st.speculation_armed) {
    st.speculation_armed = true;
    self->delayed_send(self, kSpeculationInterval, tick_atom::value, kSpeculationTick);
  }
  task_spec ts = make_task(self, t);
  std::vector<uint64_t> nodes;
  std::vector<caf::actor> executors;
  for (const auto& ref : ts.inputs) {
    if (ref.node == node || std::find(nodes.begin(), nodes.end(), ref.node) != nodes.end())
      continue;
    nodes.push_back(ref.node);
    executors.push_back(caf::actor_cast<caf::actor>(
        st.ctx.directory ? st.ctx.directory->find(ref.node) : executor_actor{}));
  }
  const int64_t deadline_ms = st.ctx.retry.task_deadline_ms;
  const caf::duration timeout = deadline_ms > 0
                                    ? caf::duration{std::chrono::milliseconds(deadline_ms)}
                                    : caf::duration{kTaskTimeout};
  self->request(it->second.exec, timeout, run_atom::value, encode_task(ts), std::move(nodes),
                std::move(executors))
      .then(
          [=](const std::vector<char>& result, const std::string& error, int32_t code) {
            if (!still_running(self, lease, t)) return;  // rerun elsewhere meanwhile
            // A straggler's copy that failed: the other copy goes on.
            if (!error.empty() && !leases_running(self, t).empty())
              return dispatch(self, lease);
            if (!error.empty())
              return on_task_failed(self, lease, t, node, error,
                                    is_transient(static_cast<absl::StatusCode>(code)));
            auto r = decode_task_result(result.data(), result.size());
            if (!r.ok()) return fail(self, std::string(r.status().message()));
            self->state.spilled_bytes += r->spilled_bytes;
            on_task_done(self, lease, t, node);
          },
          [=](const caf::error& err) {
            if (!still_running(self, lease, t)) return;
            // No answer in time (a straggler, a hung node) or no executor:
            // stop it there, if it still runs, and try again.
            auto& st = self->state;
            if (auto h = st.leases.find(lease); h != st.leases.end())
              self->send(h->second.exec, cancel_atom::value, st.ctx.program,
                         static_cast<uint32_t>(st.ctx.spec.id), t);
            if (!leases_running(self, t).empty()) return dispatch(self, lease);
            const std::string why = err == caf::sec::request_timeout
                                        ? absl::StrCat("no result within the task deadline of ",
                                                       deadline_ms > 0 ? deadline_ms : 7200000,
                                                       " ms")
                                        : self->system().render(err);
            on_task_failed(self, lease, t, node,
                           absl::StrCat("task ", t, " of portion ", st.ctx.spec.id, " on node ",
                                        node, ": ", why),
                           /*transient=*/true);
          });
}

// Task `t` failed on `lease` (node `node`). Transient: it runs again after a
// backoff under another lease, on another node when the broker has room
// there (the failed lease serves a waiting task or goes back meanwhile);
// once its retries are used up, or at once for a deterministic error, the
// program fails with the error's text.
void on_task_failed(portion_ptr self, uint64_t lease, uint32_t t, uint64_t node,
                    const std::string& error, bool transient) {
  auto& st = self->state;
  if (st.finished) return;
  if (!transient) return fail(self, error);
  st.stragglers.stopped(t);
  auto delay = st.retries.on_failure(t, node);
  if (!delay)
    return fail(self, absl::StrCat(error, " (task ", t, " of portion ", st.ctx.spec.id,
                                   " failed ", st.retries.failures(t), " times)"));
  progress_event e = event(self, progress_kind::task_retried);
  e.node = node;
  e.lease = lease;
  e.to = absl::StrCat("retry ", st.retries.failures(t), " of ", st.retries.options().max_retries,
                      " in ", *delay, " ms after: ", error);
  self->send(st.ctx.job, progress_atom::value, e);
  // The lease serves another task, or goes back: the retry asks for one
  // elsewhere when its backoff is over.
  if (st.leases.count(lease) > 0) dispatch(self, lease);
  self->delayed_send(self, std::chrono::milliseconds(*delay), tick_atom::value, t);
}

// The speculation tick: each new straggler is queued for a copy, and a lease
// asked for, preferably on another node than the one it runs on.
void speculate(portion_ptr self) {
  auto& st = self->state;
  st.speculation_armed = false;
  if (st.finished || st.paused || st.running.empty()) return;
  for (uint32_t t : st.stragglers.stragglers(now_ms(), st.target)) {
    const auto on = leases_running(self, t);
    if (on.empty()) continue;
    const uint64_t node = st.leases.count(on[0]) > 0 ? st.leases[on[0]].node : 0;
    st.copies.push_back(t);
    progress_event e = event(self, progress_kind::task_speculated);
    e.node = node;
    e.to = absl::StrCat("task ", t, " runs past ", st.ctx.retry.speculation,
                        " x the median of its finished peers (",
                        st.stragglers.median_ms().value_or(0),
                        " ms); a copy runs on another node, the first to finish wins");
    self->send(st.ctx.job, progress_atom::value, e);
    ask(self, 1, node);
  }
  st.speculation_armed = true;
  self->delayed_send(self, kSpeculationInterval, tick_atom::value, kSpeculationTick);
}

portion_actor::behavior_type portion_impl(portion_ptr self, portion_context ctx) {
  self->state.ctx = std::move(ctx);
  self->state.retries = retry_tracker(self->state.ctx.retry);
  self->state.stragglers = straggler_watch(self->state.ctx.retry.speculation);
  auto& spec = self->state.ctx.spec;
  self->state.task_nodes.assign(static_cast<size_t>(spec.tasks), 0);
  if (self->state.ctx.only_tasks.empty()) {
    for (int t = 0; t < spec.tasks; ++t) self->state.pending.push_back(static_cast<uint32_t>(t));
  } else {
    for (uint32_t t : self->state.ctx.only_tasks) self->state.pending.push_back(t);
  }
  self->state.target = static_cast<int32_t>(self->state.pending.size());
  self->set_down_handler([=](const caf::down_msg& dm) { on_executor_down(self, dm.source); });
  return {
      [=](start_atom, std::vector<std::vector<uint64_t>> inputs) {
        auto& st = self->state;
        st.input_nodes = std::move(inputs);
        st.preferred = input_locality(st.input_nodes);
        if (st.started) {
          // Resumed: the lost inputs were recomputed (their new nodes above).
          if (!st.paused || st.finished) return;
          st.paused = false;
          return ask(self, static_cast<int64_t>(st.pending.size()));
        }
        st.started = true;
        if (st.ctx.ask_broker) ask(self, static_cast<int64_t>(st.pending.size()) - st.ctx.handed);
      },
      [=](suspend_atom) {
        auto& st = self->state;
        if (st.finished) return;
        st.paused = true;
        // Running tasks read inputs that are being recomputed (a shuffle reads
        // from every upstream task): stop them, not as their failure, and
        // run them again on resume; their leases go back meanwhile.
        std::vector<uint64_t> idle;
        for (const auto& [lease, t] : st.running) {
          if (auto h = st.leases.find(lease); h != st.leases.end())
            self->send(h->second.exec, cancel_atom::value, st.ctx.program,
                       static_cast<uint32_t>(st.ctx.spec.id), t);
          // A straggler and its copy: queued once.
          if (std::find(st.pending.begin(), st.pending.end(), t) == st.pending.end())
            st.pending.push_front(t);
          st.stragglers.stopped(t);
          idle.push_back(lease);
        }
        st.running.clear();
        st.copies.clear();
        for (uint64_t lease : idle) release(self, lease);
        if (st.asked_broker)  // nothing more from the broker until resumed
          self->send(st.ctx.broker, shrink_atom::value, caf::actor_cast<lease_holder_actor>(self),
                     int64_t{0});
      },
      [=](tick_atom, uint32_t t) {
        if (t == kSpeculationTick) return speculate(self);
        // Task t's backoff is over: it needs a lease, preferably on another node.
        auto& st = self->state;
        if (st.finished) return;
        st.pending.push_front(t);
        if (!st.paused) ask(self, 1, st.retries.last_failed_node(t));
      },
      [=](preempt_atom, int64_t leases, const std::string&) {
        self->state.give_back = std::max<int64_t>(0, leases);
      },
      [=](revoke_atom, uint64_t lease) {
        // The grace period passed: the broker took the lease; the task on it
        // (if any) is stopped on its executor and queued here again.
        auto& st = self->state;
        auto it = st.leases.find(lease);
        if (st.finished || it == st.leases.end()) return;
        if (st.give_back > 0) --st.give_back;
        if (auto r = st.running.find(lease); r != st.running.end())
          self->send(it->second.exec, cancel_atom::value, st.ctx.program,
                     static_cast<uint32_t>(st.ctx.spec.id), r->second);
        lose(self, lease, "broker (revoked after the preemption grace period)");
        if (!st.pending.empty()) ask(self, 1);
      },
      [=](refused_atom, const std::string& why) {
        fail(self, absl::StrCat("capacity refused: ", why));
      },
      [=](grant_atom, uint64_t lease, uint64_t node, executor_actor exec) {
        auto& st = self->state;
        if (st.finished) {
          self->send(st.ctx.broker, yield_atom::value, lease);
          return;
        }
        st.leases[lease] = held_lease{node, exec};
        st.exec_nodes[exec.address()] = node;
        if (st.watched.insert(exec.address()).second) self->monitor(exec);
        auto e = event(self, progress_kind::capacity_obtained);
        e.lease = lease;
        e.node = node;
        self->send(st.ctx.job, progress_atom::value, e);
        dispatch(self, lease);
        // Handed-over leases may cover what was asked of the broker: ask only
        // for what is still undispatched.
        if (st.asked_broker && !st.pending.empty())
          self->send(st.ctx.broker, shrink_atom::value, caf::actor_cast<lease_holder_actor>(self),
                     static_cast<int64_t>(st.pending.size() + st.copies.size()));
      },
  };
}

}  // namespace

portion_actor spawn_portion(caf::actor_system& sys, portion_context ctx) {
  return sys.spawn(portion_impl, std::move(ctx));
}

}  // namespace tranche
