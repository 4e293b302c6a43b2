// Implementation of the capacity ledger (see ledger.h).
#include "sched/ledger.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace tranche {
namespace {

std::pair<int64_t, uint64_t> order_key(const capacity_request& r, request_id id) {
  return {-static_cast<int64_t>(r.priority), id.value};
}

std::string count_of(int64_t n, const char* what) {
  return absl::StrCat(n, " ", what, n == 1 ? "" : "s");
}

}  // namespace

std::string_view yield_reason_name(yield_reason r) {
  switch (r) {
    case yield_reason::over_cap:
      return "over-cap";
    case yield_reason::priority:
      return "priority";
    case yield_reason::under_minimum:
      return "under-minimum";
    case yield_reason::fair_share:
      return "fair-share";
  }
  return "?";
}

ledger::ledger(ledger_options options) : options_(options) {
  options_.age_bound = std::max<int64_t>(0, options_.age_bound);
  queue_entry d;
  d.config = default_queue_config();
  d.ceiling = d.config.cap;
  queues_.emplace(kDefaultQueue, std::move(d));
}

absl::Status ledger::add_node(node_id n, capacity c) {
  if (c.slots < 0 || c.memory < 0)
    return absl::InvalidArgumentError(absl::StrCat("node ", n.value, ": negative capacity"));
  auto it = nodes_.find(n);
  if (it == nodes_.end()) {
    nodes_[n] = node_state{c, c, false};
  } else {
    capacity leased{it->second.registered.slots - it->second.free.slots,
                    it->second.registered.memory - it->second.free.memory};
    if (c.slots < leased.slots || c.memory < leased.memory)
      return absl::FailedPreconditionError(
          absl::StrCat("node ", n.value, ": cannot shrink capacity below what is leased"));
    it->second.registered = c;
    it->second.free = capacity{c.slots - leased.slots, c.memory - leased.memory};
  }
  check_debug();
  return absl::OkStatus();
}

absl::Status ledger::set_draining(node_id n, bool draining) {
  auto it = nodes_.find(n);
  if (it == nodes_.end()) return absl::NotFoundError(absl::StrCat("node ", n.value, " is unknown"));
  it->second.draining = draining;
  return absl::OkStatus();
}

std::vector<lease> ledger::remove_node(node_id n) {
  std::vector<lease> gone;
  for (auto it = leases_.begin(); it != leases_.end();) {
    auto cur = it++;
    if (cur->second.node == n) gone.push_back(unlease(cur));
  }
  nodes_.erase(n);
  check_debug();
  return gone;
}

absl::Status ledger::add_queue(const queue_config& q) {
  if (auto s = validate_queue(q); !s.ok()) return s;
  if (queues_.count(q.name))
    return absl::AlreadyExistsError(absl::StrCat("queue \"", q.name, "\" already exists"));
  queue_entry e;
  e.config = q;
  e.ceiling = q.cap;
  queues_.emplace(q.name, std::move(e));
  check_debug();
  return absl::OkStatus();
}

absl::Status ledger::update_queue(const queue_config& q) {
  if (auto s = validate_queue(q); !s.ok()) return s;
  auto it = queues_.find(q.name);
  if (it == queues_.end())
    return absl::NotFoundError(absl::StrCat("queue \"", q.name, "\" does not exist"));
  queue_entry& e = it->second;
  e.config = q;
  // A cap lowered below what the queue holds takes effect as leases come
  // back (and through the preemption hints), never by revoking them here.
  e.ceiling = capacity{std::max(q.cap.slots, e.used.slots), std::max(q.cap.memory, e.used.memory)};
  check_debug();
  return absl::OkStatus();
}

absl::Status ledger::remove_queue(const std::string& name) {
  if (name == kDefaultQueue)
    return absl::FailedPreconditionError(absl::StrCat("queue \"", name, "\" cannot be removed"));
  auto it = queues_.find(name);
  if (it == queues_.end())
    return absl::NotFoundError(absl::StrCat("queue \"", name, "\" does not exist"));
  const queue_entry& e = it->second;
  if (!e.order.empty() || e.used.slots > 0)
    return absl::FailedPreconditionError(
        absl::StrCat("queue \"", name, "\" cannot be removed: it still has ",
                     count_of(static_cast<int64_t>(e.order.size()), "waiting request"), " and ",
                     count_of(e.used.slots, "lease")));
  // Its admitted programs hold and ask for nothing: they are forgotten, and
  // a later request of theirs is a first request again.
  std::erase_if(programs_, [&](const auto& kv) { return kv.second.queue == name; });
  queues_.erase(it);
  check_debug();
  return absl::OkStatus();
}

absl::StatusOr<request_id> ledger::submit(const capacity_request& r, int64_t now) {
  now_ = std::max(now_, now);
  auto q = queues_.find(r.queue);
  if (q == queues_.end())
    return absl::NotFoundError(absl::StrCat("queue \"", r.queue, "\" does not exist"));
  const queue_config& cfg = q->second.config;
  const std::string who = absl::StrCat("program ", r.program.value, " portion ", r.portion);
  if (r.want < 1)
    return absl::InvalidArgumentError(absl::StrCat(who, ": want must be >= 1 (got ", r.want, ")"));
  if (r.min_want < 1 || r.min_want > r.want)
    return absl::InvalidArgumentError(absl::StrCat(who, ": min-want must be between 1 and want (",
                                                   r.want, "), got ", r.min_want));
  if (r.memory_per_slot < 0)
    return absl::InvalidArgumentError(
        absl::StrCat(who, ": memory per slot must be >= 0 (got ", r.memory_per_slot, ")"));
  // A gang larger than the cap could never start: say so now rather than
  // leave it queued forever.
  if (!fits_within(capacity{}, r.min_want, 0, cfg.cap))
    return absl::InvalidArgumentError(absl::StrCat("queue \"", r.queue, "\": ", who, " needs ",
                                                   r.min_want, " slots at once, over cap-slots ",
                                                   cfg.cap.slots));
  if (!fits_within(capacity{}, r.min_want, r.memory_per_slot, cfg.cap))
    return absl::InvalidArgumentError(
        absl::StrCat("queue \"", r.queue, "\": ", who, " needs ", r.min_want, " x ",
                     r.memory_per_slot, " bytes at once, over cap-memory ", cfg.cap.memory));
  auto p = programs_.find(r.program);
  if (p != programs_.end() && p->second.queue != r.queue)
    return absl::FailedPreconditionError(absl::StrCat("program ", r.program.value,
                                                      " was admitted to queue \"", p->second.queue,
                                                      "\", not \"", r.queue, "\""));
  if (p == programs_.end()) {
    // Admission control: a new program beyond the bound is turned away now,
    // not parked behind it.
    const int64_t waiting = q->second.waiting;
    if (waiting >= cfg.max_waiting)
      return absl::ResourceExhaustedError(
          absl::StrCat("queue \"", r.queue, "\" is full: ", count_of(waiting, "program"),
                       " waiting (max-waiting ", cfg.max_waiting, ")"));
    program_entry e;
    e.queue = r.queue;
    p = programs_.emplace(r.program, std::move(e)).first;
  }
  request_id id{next_request_++};
  pending_.emplace(id.value, pending{id, r, 0, now_});
  q->second.order.insert(order_key(r, id));
  unstarted_.insert(id.value);
  ++p->second.requests;
  refresh_program(r.program);
  check_debug();
  return id;
}

request_id ledger::enqueue(const capacity_request& r) {
  auto id = submit(r, now_);
  return id.ok() ? *id : request_id{};
}

std::optional<node_id> ledger::pick_node(int64_t memory,
                                         const std::vector<node_id>& preferred) const {
  for (node_id n : preferred) {
    auto it = nodes_.find(n);
    if (it == nodes_.end()) continue;
    const node_state& st = it->second;
    if (!st.draining && st.free.slots > 0 && st.free.memory >= memory) return n;
  }
  std::optional<node_id> best;
  int64_t best_free = 0;
  for (const auto& [id, st] : nodes_) {
    if (st.draining || st.free.slots <= 0 || st.free.memory < memory) continue;
    if (!best || st.free.slots > best_free) {
      best = id;
      best_free = st.free.slots;
    }
  }
  return best;
}

int64_t ledger::fit_count(int64_t memory, bool registered, int64_t enough) const {
  // Leases are alike, so greedy placement (pick_node) succeeds exactly as
  // long as the per-node counts add up.
  int64_t n = 0;
  for (const auto& [id, st] : nodes_) {
    if (st.draining) continue;
    const capacity& c = registered ? st.registered : st.free;
    int64_t k = c.slots;
    if (memory > 0) k = std::min(k, c.memory / memory);
    if (k > 0) n += k;
    if (n >= enough) break;
  }
  return n;
}

bool ledger::overdue(const pending& p) const {
  return p.granted == 0 && now_ - p.arrival >= options_.age_bound;
}

int64_t ledger::need(const pending& p) { return p.granted == 0 ? p.req.min_want : 1; }

lease ledger::grant_one(pending& p, node_id n) {
  node_state& st = nodes_.at(n);
  st.free.slots -= 1;
  st.free.memory -= p.req.memory_per_slot;
  lease l{lease_id{next_lease_++}, n,           p.req.memory_per_slot, p.req.holder, p.req.program,
          p.req.portion,           p.req.queue, p.req.priority};
  leases_[l.id] = l;
  queue_entry& q = queues_.at(p.req.queue);
  q.used.slots += 1;
  q.used.memory += p.req.memory_per_slot;
  note_usage(q);
  if (p.granted++ == 0) unstarted_.erase(p.id.value);
  if (auto prog = programs_.find(p.req.program); prog != programs_.end()) {
    prog->second.started = true;
    refresh_program(p.req.program);
  }
  return l;
}

lease ledger::unlease(std::map<lease_id, lease>::iterator it) {
  lease l = std::move(it->second);
  leases_.erase(it);
  if (auto n = nodes_.find(l.node); n != nodes_.end()) {
    n->second.free.slots += 1;
    n->second.free.memory += l.memory;
  }
  if (auto q = queues_.find(l.queue); q != queues_.end()) {
    q->second.used.slots -= 1;
    q->second.used.memory -= l.memory;
    note_usage(q->second);
  }
  return l;
}

void ledger::note_usage(queue_entry& q) {
  // The ceiling follows a queue that is over its (lowered) cap down to it,
  // so that it can never grow back past the cap.
  q.ceiling.slots = std::max(q.config.cap.slots, std::min(q.ceiling.slots, q.used.slots));
  q.ceiling.memory = std::max(q.config.cap.memory, std::min(q.ceiling.memory, q.used.memory));
}

void ledger::erase_pending(std::map<uint64_t, pending>::iterator it) {
  const pending& p = it->second;
  const program_id prog = p.req.program;
  if (auto q = queues_.find(p.req.queue); q != queues_.end())
    q->second.order.erase(order_key(p.req, p.id));
  unstarted_.erase(p.id.value);
  if (auto e = programs_.find(prog); e != programs_.end()) --e->second.requests;
  pending_.erase(it);
  refresh_program(prog);
}

void ledger::refresh_program(program_id p) {
  auto it = programs_.find(p);
  if (it == programs_.end()) return;
  program_entry& e = it->second;
  const bool waiting = !e.started && e.requests > 0;
  if (waiting == e.waiting) return;
  e.waiting = waiting;
  if (auto q = queues_.find(e.queue); q != queues_.end()) q->second.waiting += waiting ? 1 : -1;
}

std::vector<lease> ledger::grant_loop(const reclaimer* reclaim) {
  std::vector<lease> out;
  const capacity total = total_registered();
  // Requests skipped for the rest of this call leave the order and come back
  // at its end: nothing they wait for (free capacity, cap headroom) grows
  // while granting, so they would be skipped again.
  std::vector<uint64_t> parked;
  std::set<std::string> capped;  // queues whose first request would pass the cap
  auto park = [&](const pending& p) {
    queues_.at(p.req.queue).order.erase(order_key(p.req, p.id));
    unstarted_.erase(p.id.value);
    parked.push_back(p.id.value);
  };
  for (;;) {
    pending* top = nullptr;
    // 1. Overdue: the oldest request not started, if it waited age_bound.
    // Arrival times grow with ids, so if the oldest is not overdue, none is.
    if (!unstarted_.empty()) {
      pending& oldest = pending_.at(*unstarted_.begin());
      if (overdue(oldest)) top = &oldest;
    }
    // 2-5. Each queue's first request (by priority, then arrival); the
    // queues compete by priority, minimum, share, arrival.
    if (top == nullptr) {
      using rank = std::tuple<int64_t, int, double, uint64_t>;
      std::optional<rank> best;
      for (const auto& [name, q] : queues_) {
        if (q.order.empty() || capped.count(name)) continue;
        const auto& [neg_priority, id] = *q.order.begin();
        rank r{neg_priority, under_minimum(q.used, q.config.minimum) ? 0 : 1,
               dominant_share(q.used, total, q.config.weight), id};
        if (!best || r < *best) best = r;
      }
      if (!best) break;
      top = &pending_.at(std::get<3>(*best));
    }
    pending& p = *top;
    const int64_t n = need(p);
    const int64_t memory = p.req.memory_per_slot;
    if (capped.count(p.req.queue) || fit_count(memory, /*registered=*/true, n) < n) {
      park(p);  // behind its capped queue's first; or waits for nodes
      continue;
    }
    if (!fits_within(queues_.at(p.req.queue).used, n, memory, queues_.at(p.req.queue).config.cap)) {
      capped.insert(p.req.queue);  // its queue's later requests must not overtake it
      park(p);
      continue;
    }
    if (fit_count(memory, /*registered=*/false, n) < n) {
      // No overtaking: the capacity that frees accumulates for it.
      if (reclaim == nullptr || !(*reclaim)(p) || fit_count(memory, false, n) < n) break;
    }
    for (int64_t i = 0; i < n; ++i) out.push_back(grant_one(p, *pick_node(memory, p.req.preferred)));
    if (p.granted >= p.req.want) erase_pending(pending_.find(p.id.value));
  }
  for (uint64_t id : parked) {
    const pending& p = pending_.at(id);
    queues_.at(p.req.queue).order.insert(order_key(p.req, p.id));
    if (p.granted == 0) unstarted_.insert(id);
  }
  return out;
}

std::vector<lease> ledger::schedule(int64_t now) {
  now_ = std::max(now_, now);
  std::vector<lease> granted = grant_loop(nullptr);
  check_debug();
  return granted;
}

std::vector<lease> ledger::schedule() { return schedule(now_); }

void ledger::shrink_request(uint64_t holder, int64_t remaining) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto cur = it++;
    pending& p = cur->second;
    if (p.req.holder != holder) continue;
    if (remaining <= 0) {
      erase_pending(cur);
      continue;
    }
    p.req.want = p.granted + remaining;
    p.req.min_want = std::min(p.req.min_want, p.req.want);
  }
  check_debug();
}

bool ledger::grow_request(uint64_t holder, int64_t more) {
  for (auto& [id, p] : pending_) {
    if (p.req.holder != holder) continue;
    if (more > 0) p.req.want += more;
    check_debug();
    return true;
  }
  return false;
}

std::vector<yield_hint> ledger::preemption_hints(int64_t now) const {
  // Run the grant loop on a copy; whenever the request first in order does
  // not fit, take back the leases that yield to it, as long as that lets it
  // start. What was taken is the answer.
  ledger sim = *this;
  sim.now_ = std::max(now_, now);
  const uint64_t first_simulated = sim.next_lease_;  // leases granted by the simulation
  const capacity total = sim.total_registered();
  std::map<std::pair<uint64_t, yield_reason>, yield_hint> hints;
  auto record = [&](const lease& l, yield_reason why) {
    yield_hint& h = hints[{l.holder, why}];
    h.holder = l.holder;
    h.program = l.program;
    h.portion = l.portion;
    h.queue = l.queue;
    h.reason = why;
    ++h.leases;
  };
  auto share = [&](const queue_entry& q, const capacity& used) {
    return dominant_share(used, total, q.config.weight);
  };

  // The excess of queues over their caps: lowest priority, newest first,
  // preferring leases that reduce the resource that is over.
  for (auto& [name, q] : sim.queues_) {
    while (!fits_within(q.used, 0, 0, q.config.cap)) {
      const bool slots_over = q.used.slots > q.config.cap.slots;
      auto victim = sim.leases_.end();
      std::tuple<int, int, int64_t> best{};
      for (auto it = sim.leases_.begin(); it != sim.leases_.end(); ++it) {
        const lease& l = it->second;
        if (l.queue != name) continue;
        std::tuple<int, int, int64_t> k{slots_over || l.memory > 0 ? 0 : 1, l.priority,
                                        -static_cast<int64_t>(l.id.value)};
        if (victim == sim.leases_.end() || k < best) {
          victim = it;
          best = k;
        }
      }
      if (victim == sim.leases_.end()) break;
      record(sim.unlease(victim), yield_reason::over_cap);
    }
  }

  reclaimer reclaim = [&](const pending& w) -> bool {
    const int64_t n = need(w);
    const int64_t memory = w.req.memory_per_slot;
    const queue_entry& wq = sim.queues_.at(w.req.queue);
    const bool w_under = under_minimum(wq.used, wq.config.minimum);
    const double w_share = share(wq, capacity{wq.used.slots + n, wq.used.memory + n * memory});
    std::vector<std::pair<lease, yield_reason>> taken;
    while (sim.fit_count(memory, false, n) < n) {
      auto victim = sim.leases_.end();
      yield_reason why = yield_reason::priority;
      std::tuple<int, double, int64_t> best{};
      for (auto it = sim.leases_.begin(); it != sim.leases_.end(); ++it) {
        const lease& l = it->second;
        if (l.id.value >= first_simulated) continue;
        // A lease on a node that could not host the waiter's would not help.
        const node_state& node = sim.nodes_.at(l.node);
        if (node.draining || node.registered.memory < memory) continue;
        const queue_entry& lq = sim.queues_.at(l.queue);
        std::optional<yield_reason> r;
        if (l.priority < w.req.priority) {
          r = yield_reason::priority;
        } else if (l.priority == w.req.priority && l.queue != w.req.queue) {
          // Equal priority: only from a queue that keeps its minimum, for a
          // queue below its minimum or one that would still be at or below
          // the giver's share after the move (no ping-pong).
          const capacity rest{lq.used.slots - 1, lq.used.memory - l.memory};
          if (!under_minimum(rest, lq.config.minimum)) {
            if (w_under)
              r = yield_reason::under_minimum;
            else if (w_share <= share(lq, rest))
              r = yield_reason::fair_share;
          }
        }
        if (!r) continue;
        std::tuple<int, double, int64_t> k{l.priority, -share(lq, lq.used),
                                           -static_cast<int64_t>(l.id.value)};
        if (victim == sim.leases_.end() || k < best) {
          victim = it;
          best = k;
          why = *r;
        }
      }
      if (victim == sim.leases_.end()) {
        // It cannot start even so: ask nothing for it, and (as schedule()
        // does) grant nothing after it.
        for (auto& [l, r] : taken) {
          node_state& st = sim.nodes_.at(l.node);
          st.free.slots -= 1;
          st.free.memory -= l.memory;
          queue_entry& q = sim.queues_.at(l.queue);
          q.used.slots += 1;
          q.used.memory += l.memory;
          q.ceiling = capacity{std::max(q.ceiling.slots, q.used.slots),
                               std::max(q.ceiling.memory, q.used.memory)};
          sim.leases_[l.id] = l;
        }
        return false;
      }
      taken.emplace_back(sim.unlease(victim), why);
    }
    for (const auto& [l, r] : taken) record(l, r);
    return true;
  };
  sim.grant_loop(&reclaim);

  std::vector<yield_hint> out;
  out.reserve(hints.size());
  for (auto& [key, h] : hints) out.push_back(std::move(h));
  return out;
}

absl::Status ledger::release(lease_id id) {
  auto it = leases_.find(id);
  if (it == leases_.end())
    return absl::NotFoundError(absl::StrCat("lease ", id.value, " is not outstanding"));
  unlease(it);
  check_debug();
  return absl::OkStatus();
}

absl::Status ledger::transfer(lease_id id, uint64_t new_holder, int new_portion) {
  auto it = leases_.find(id);
  if (it == leases_.end())
    return absl::NotFoundError(absl::StrCat("lease ", id.value, " is not outstanding"));
  it->second.holder = new_holder;
  it->second.portion = new_portion;
  return absl::OkStatus();
}

size_t ledger::drop_holder(uint64_t holder) {
  size_t n = 0;
  for (auto it = leases_.begin(); it != leases_.end();) {
    auto cur = it++;
    if (cur->second.holder == holder) {
      unlease(cur);
      ++n;
    }
  }
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto cur = it++;
    if (cur->second.req.holder == holder) erase_pending(cur);
  }
  check_debug();
  return n;
}

size_t ledger::drop_program(program_id prog) {
  size_t n = 0;
  for (auto it = leases_.begin(); it != leases_.end();) {
    auto cur = it++;
    if (cur->second.program == prog) {
      unlease(cur);
      ++n;
    }
  }
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto cur = it++;
    if (cur->second.req.program == prog) erase_pending(cur);
  }
  programs_.erase(prog);  // no longer waiting (refreshed above): nothing to uncount
  check_debug();
  return n;
}

absl::Status ledger::check() const {
  std::map<node_id, capacity> leased;
  std::map<std::string, capacity> used;
  for (const auto& [id, l] : leases_) {
    if (!nodes_.count(l.node))
      return absl::InternalError(
          absl::StrCat("lease ", id.value, " on unknown node ", l.node.value));
    if (!queues_.count(l.queue))
      return absl::InternalError(
          absl::StrCat("lease ", id.value, " in unknown queue \"", l.queue, "\""));
    auto p = programs_.find(l.program);
    if (p == programs_.end() || p->second.queue != l.queue)
      return absl::InternalError(absl::StrCat("lease ", id.value, " of program ", l.program.value,
                                              ", not admitted to queue \"", l.queue, "\""));
    leased[l.node].slots += 1;
    leased[l.node].memory += l.memory;
    used[l.queue].slots += 1;
    used[l.queue].memory += l.memory;
  }
  for (const auto& [n, st] : nodes_) {
    const capacity& u = leased[n];
    if (st.free.slots < 0 || st.free.memory < 0)
      return absl::InternalError(absl::StrCat("node ", n.value, ": negative free capacity"));
    if (st.free.slots + u.slots != st.registered.slots ||
        st.free.memory + u.memory != st.registered.memory)
      return absl::InternalError(absl::StrCat("node ", n.value, ": free + leased != registered"));
  }

  std::map<std::string, size_t> requests;
  size_t unstarted = 0;
  std::map<program_id, int64_t> program_requests;
  for (const auto& [id, p] : pending_) {
    auto q = queues_.find(p.req.queue);
    if (q == queues_.end())
      return absl::InternalError(
          absl::StrCat("request ", id, " in unknown queue \"", p.req.queue, "\""));
    if (!q->second.order.count(order_key(p.req, p.id)))
      return absl::InternalError(
          absl::StrCat("request ", id, " missing from queue \"", p.req.queue, "\"'s order"));
    if (p.granted < 0 || p.granted >= p.req.want || p.req.min_want < 1 ||
        p.req.min_want > p.req.want)
      return absl::InternalError(absl::StrCat("request ", id, ": granted ", p.granted, ", want ",
                                              p.req.want, ", min-want ", p.req.min_want));
    if ((p.granted == 0) != (unstarted_.count(id) == 1))
      return absl::InternalError(absl::StrCat("request ", id, ": started-set out of date"));
    auto prog = programs_.find(p.req.program);
    if (prog == programs_.end() || prog->second.queue != p.req.queue)
      return absl::InternalError(absl::StrCat("request ", id, " of program ", p.req.program.value,
                                              ", not admitted to queue \"", p.req.queue, "\""));
    ++requests[p.req.queue];
    unstarted += p.granted == 0;
    ++program_requests[p.req.program];
  }
  if (unstarted != unstarted_.size())
    return absl::InternalError("started-set holds requests that left");

  std::map<std::string, int64_t> waiting;
  for (const auto& [id, e] : programs_) {
    if (!queues_.count(e.queue))
      return absl::InternalError(
          absl::StrCat("program ", id.value, " in unknown queue \"", e.queue, "\""));
    const int64_t r = program_requests.count(id) ? program_requests.at(id) : 0;
    if (e.requests != r)
      return absl::InternalError(absl::StrCat("program ", id.value, ": counts ", e.requests,
                                              " waiting requests, has ", r));
    if (e.waiting != (!e.started && r > 0))
      return absl::InternalError(absl::StrCat("program ", id.value, ": waiting flag out of date"));
    waiting[e.queue] += e.waiting;
  }

  for (const auto& [name, q] : queues_) {
    const capacity u = used.count(name) ? used.at(name) : capacity{};
    if (q.used != u)
      return absl::InternalError(absl::StrCat("queue \"", name, "\": usage ", q.used.slots, "/",
                                              q.used.memory, " != its leases' ", u.slots, "/",
                                              u.memory));
    if (q.ceiling.slots < q.config.cap.slots || q.ceiling.memory < q.config.cap.memory ||
        q.used.slots > q.ceiling.slots || q.used.memory > q.ceiling.memory)
      return absl::InternalError(absl::StrCat("queue \"", name, "\": grown past its cap"));
    const size_t r = requests.count(name) ? requests.at(name) : 0;
    if (q.order.size() != r)
      return absl::InternalError(absl::StrCat("queue \"", name, "\": order holds ", q.order.size(),
                                              " requests, ", r, " wait"));
    const int64_t w = waiting.count(name) ? waiting.at(name) : 0;
    if (q.waiting != w)
      return absl::InternalError(
          absl::StrCat("queue \"", name, "\": counts ", q.waiting, " waiting programs, has ", w));
  }
  return absl::OkStatus();
}

void ledger::check_debug() const {
  if (!options_.check_invariants) return;
  if (auto s = check(); !s.ok()) {
    std::cerr << "ledger invariant violated: " << s.message() << "\n";
    std::abort();
  }
}

capacity ledger::total_registered() const {
  capacity c;
  for (const auto& [n, st] : nodes_) {
    c.slots += st.registered.slots;
    c.memory += st.registered.memory;
  }
  return c;
}

capacity ledger::total_free() const {
  capacity c;
  for (const auto& [n, st] : nodes_) {
    c.slots += st.free.slots;
    c.memory += st.free.memory;
  }
  return c;
}

queue_status ledger::status_of(const queue_entry& q) const {
  queue_status s;
  s.config = q.config;
  s.used = q.used;
  s.waiting_programs = q.waiting;
  s.requests = static_cast<int64_t>(q.order.size());
  s.share = dominant_share(q.used, total_registered(), q.config.weight);
  return s;
}

std::vector<queue_status> ledger::queues() const {
  std::vector<queue_status> out;
  for (const auto& [name, q] : queues_) out.push_back(status_of(q));
  return out;
}

std::optional<queue_status> ledger::queue(const std::string& name) const {
  auto it = queues_.find(name);
  if (it == queues_.end()) return std::nullopt;
  return status_of(it->second);
}

std::optional<int64_t> ledger::granted(request_id id) const {
  auto it = pending_.find(id.value);
  if (it == pending_.end()) return std::nullopt;
  return it->second.granted;
}

}  // namespace tranche
