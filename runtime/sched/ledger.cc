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
    const node_state st{c, c, false};
    node_index_.update(n, nullptr, &st);
    nodes_.emplace(n, st);
  } else {
    capacity leased{it->second.registered.slots - it->second.free.slots,
                    it->second.registered.memory - it->second.free.memory};
    if (c.slots < leased.slots || c.memory < leased.memory)
      return absl::FailedPreconditionError(
          absl::StrCat("node ", n.value, ": cannot shrink capacity below what is leased"));
    node_state st = it->second;
    st.registered = c;
    st.free = capacity{c.slots - leased.slots, c.memory - leased.memory};
    set_node(it, st);
  }
  check_debug();
  return absl::OkStatus();
}

absl::Status ledger::set_draining(node_id n, bool draining) {
  auto it = nodes_.find(n);
  if (it == nodes_.end()) return absl::NotFoundError(absl::StrCat("node ", n.value, " is unknown"));
  node_state st = it->second;
  st.draining = draining;
  set_node(it, st);
  return absl::OkStatus();
}

std::vector<lease> ledger::remove_node(node_id n) {
  std::vector<lease> gone;
  for (auto it = leases_.begin(); it != leases_.end();) {
    auto cur = it++;
    if (cur->second.node == n) gone.push_back(unlease(cur));
  }
  if (auto it = nodes_.find(n); it != nodes_.end()) {
    node_index_.update(n, &it->second, nullptr);
    nodes_.erase(it);
  }
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

void ledger::accrue(int64_t now) {
  now_ = std::max(now_, now);
  if (now_ <= usage_at_) return;
  const double dt = static_cast<double>(now_ - usage_at_);
  const capacity total = total_registered();
  for (auto& [name, q] : queues_)
    if (q.used.slots > 0 || q.used.memory > 0)
      q.usage += dominant_share(q.used, total, q.config.weight) * dt;
  usage_at_ = now_;
}

void ledger::advance(int64_t now) { accrue(now); }

absl::StatusOr<request_id> ledger::submit(const capacity_request& r, int64_t now) {
  accrue(now);
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
  queue_entry& qe = q->second;
  if (qe.order.empty() && qe.used.slots == 0 && qe.used.memory == 0) {
    // Back from idle: at least level with the least-served busy queue, so
    // that it does not claim back the time it did not ask for.
    std::optional<double> least;
    for (const auto& [name, other] : queues_)
      if (&other != &qe && (!other.order.empty() || other.used.slots > 0 || other.used.memory > 0))
        least = std::min(least.value_or(other.usage), other.usage);
    if (least) qe.usage = std::max(qe.usage, *least);
  }
  request_id id{next_request_++};
  pending_.emplace(id.value, pending{id, r, 0, now_});
  holder_requests_.emplace(r.holder, id.value);
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
    const node_state* st = node_of(n);
    if (st != nullptr && !st->draining && st->free.slots > 0 && st->free.memory >= memory) return n;
  }
  return node_index_.most_free(memory);
}

const node_state* ledger::node_of(node_id n) const {
  if (auto it = nodes_.find(n); it != nodes_.end()) return &it->second;
  if (source_) return source_->base->node_of(n);
  return nullptr;
}

std::map<node_id, node_state>::iterator ledger::find_node(node_id n) {
  auto it = nodes_.find(n);
  if (it == nodes_.end() && source_) {
    const auto& base = source_->base->nodes_;
    if (auto b = base.find(n); b != base.end()) it = nodes_.emplace(*b).first;
  }
  return it;
}

void ledger::set_node(std::map<node_id, node_state>::iterator it, const node_state& st) {
  node_index_.update(it->first, &it->second, &st);
  it->second = st;
}

bool ledger::overdue(const pending& p) const {
  return p.granted == 0 && now_ - p.arrival >= options_.age_bound;
}

int64_t ledger::need(const pending& p) { return p.granted == 0 ? p.req.min_want : 1; }

lease ledger::grant_one(pending& p, node_id n) {
  auto node = find_node(n);
  node_state st = node->second;
  st.free.slots -= 1;
  st.free.memory -= p.req.memory_per_slot;
  set_node(node, st);
  lease l{lease_id{next_lease_++}, n,           p.req.memory_per_slot, p.req.holder, p.req.program,
          p.req.portion,           p.req.queue, p.req.priority};
  leases_.emplace(l.id, l);
  ++held_[l.holder];
  yield_order_.add(l.queue, l.priority, l.id);
  queue_entry& q = queues_.at(p.req.queue);
  q.used.slots += 1;
  q.used.memory += p.req.memory_per_slot;
  note_usage(q);
  if (p.granted++ == 0) unstarted_.erase(p.id.value);
  if (auto prog = programs_.find(p.req.program); prog != programs_.end()) {
    ++prog->second.leases;
    prog->second.started = true;
    refresh_program(p.req.program);
  }
  return l;
}

lease ledger::unlease(std::map<lease_id, lease>::iterator it) {
  lease l = std::move(it->second);
  leases_.erase(it);
  if (auto h = held_.find(l.holder); h != held_.end() && --h->second == 0) held_.erase(h);
  yield_order_.remove(l.queue, l.priority, l.id);
  if (auto prog = programs_.find(l.program); prog != programs_.end()) --prog->second.leases;
  return_capacity(l);
  return l;
}

void ledger::return_capacity(const lease& l) {
  if (auto n = find_node(l.node); n != nodes_.end()) {
    node_state st = n->second;
    st.free.slots += 1;
    st.free.memory += l.memory;
    set_node(n, st);
  }
  if (auto q = queues_.find(l.queue); q != queues_.end()) {
    q->second.used.slots -= 1;
    q->second.used.memory -= l.memory;
    note_usage(q->second);
  }
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
  holder_requests_.erase({p.req.holder, p.id.value});
  unstarted_.erase(p.id.value);
  if (auto e = programs_.find(prog); e != programs_.end()) --e->second.requests;
  if (source_) source_->erased.insert(p.id.value);
  pending_.erase(it);
  refresh_program(prog);
}

ledger::pending* ledger::oldest_unstarted() {
  if (source_) {
    auto& [next, end] = source_->unstarted;
    while (next != end && seen(*next)) ++next;
    if (next != end && (unstarted_.empty() || *next < *unstarted_.begin())) pull(*next);
  }
  return unstarted_.empty() ? nullptr : &pending_.at(*unstarted_.begin());
}

const std::pair<int64_t, uint64_t>* ledger::first_waiting(const std::string& name, queue_entry& q) {
  if (source_) {
    auto& [next, end] = source_->order.at(name);
    while (next != end && seen(next->second)) ++next;
    if (next != end && (q.order.empty() || *next < *q.order.begin())) pull(next->second);
  }
  return q.order.empty() ? nullptr : &*q.order.begin();
}

bool ledger::seen(uint64_t id) const { return pending_.count(id) || source_->erased.count(id); }

void ledger::pull(uint64_t id) {
  const pending& p = source_->base->pending_.at(id);
  pending_.emplace(id, p);
  queues_.at(p.req.queue).order.insert(order_key(p.req, p.id));
  if (p.granted == 0) unstarted_.insert(id);
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
    if (pending* oldest = oldest_unstarted(); oldest != nullptr && overdue(*oldest)) top = oldest;
    // 2-5. Each queue's first request (by priority, then arrival); the
    // queues compete by priority, minimum, share, arrival.
    if (top == nullptr) {
      using rank = std::tuple<int64_t, int, double, uint64_t>;
      const double horizon = static_cast<double>(std::max<int64_t>(1, options_.fair_share_horizon));
      std::optional<rank> best;
      for (auto& [name, q] : queues_) {
        if (capped.count(name)) continue;
        const auto* first = first_waiting(name, q);
        if (first == nullptr) continue;
        const auto [neg_priority, id] = *first;
        rank r{neg_priority, under_minimum(q.used, q.config.minimum) ? 0 : 1,
               dominant_share(q.used, total, q.config.weight) + q.usage / horizon, id};
        if (!best || r < *best) best = r;
      }
      if (!best) break;
      top = &pending_.at(std::get<3>(*best));
    }
    pending& p = *top;
    const int64_t n = need(p);
    const int64_t memory = p.req.memory_per_slot;
    if (capped.count(p.req.queue) || node_index_.fit_count(memory, /*registered=*/true, n) < n) {
      park(p);  // behind its capped queue's first; or waits for nodes
      continue;
    }
    if (!fits_within(queues_.at(p.req.queue).used, n, memory, queues_.at(p.req.queue).config.cap)) {
      capped.insert(p.req.queue);  // its queue's later requests must not overtake it
      park(p);
      continue;
    }
    if (node_index_.fit_count(memory, /*registered=*/false, n) < n) {
      // No overtaking: the capacity that frees accumulates for it.
      if (reclaim == nullptr || !(*reclaim)(p) || node_index_.fit_count(memory, false, n) < n)
        break;
    }
    for (int64_t i = 0; i < n; ++i)
      out.push_back(grant_one(p, *pick_node(memory, p.req.preferred)));
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
  accrue(now);
  std::vector<lease> granted = grant_loop(nullptr);
  check_debug();
  return granted;
}

std::vector<lease> ledger::schedule() { return schedule(now_); }

void ledger::shrink_request(uint64_t holder, int64_t remaining) {
  for (uint64_t id : requests_of(holder)) {
    auto it = pending_.find(id);
    pending& p = it->second;
    if (remaining <= 0) {
      erase_pending(it);
      continue;
    }
    p.req.want = p.granted + remaining;
    p.req.min_want = std::min(p.req.min_want, p.req.want);
  }
  check_debug();
}

bool ledger::grow_request(uint64_t holder, int64_t more) {
  // The holder's oldest request.
  auto it = holder_requests_.lower_bound({holder, 0});
  if (it == holder_requests_.end() || it->first != holder) return false;
  if (more > 0) pending_.at(it->second).req.want += more;
  check_debug();
  return true;
}

std::vector<uint64_t> ledger::requests_of(uint64_t holder) const {
  std::vector<uint64_t> ids;
  for (auto it = holder_requests_.lower_bound({holder, 0});
       it != holder_requests_.end() && it->first == holder; ++it)
    ids.push_back(it->second);
  return ids;
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
  if (auto h = held_.find(it->second.holder); h != held_.end() && --h->second == 0) held_.erase(h);
  ++held_[new_holder];
  it->second.holder = new_holder;
  it->second.portion = new_portion;
  return absl::OkStatus();
}

size_t ledger::drop_holder(uint64_t holder) {
  // Only counts by holder: a holder usually gives its leases back before it
  // goes (or hands them on), so the walk is rare.
  size_t n = 0;
  if (held_.contains(holder)) {
    for (auto it = leases_.begin(); it != leases_.end();) {
      auto cur = it++;
      if (cur->second.holder == holder) {
        unlease(cur);
        ++n;
      }
    }
  }
  for (uint64_t id : requests_of(holder)) erase_pending(pending_.find(id));
  check_debug();
  return n;
}

size_t ledger::drop_program(program_id prog) {
  // No index by program: a program ends once, and by then its portions have
  // usually given everything back — then its counts spare the walks.
  auto e = programs_.find(prog);
  if (e == programs_.end()) return 0;  // not admitted: holds and asks for nothing
  size_t n = 0;
  if (e->second.leases > 0) {
    for (auto it = leases_.begin(); it != leases_.end();) {
      auto cur = it++;
      if (cur->second.program == prog) {
        unlease(cur);
        ++n;
      }
    }
  }
  if (e->second.requests > 0) {
    for (auto it = pending_.begin(); it != pending_.end();) {
      auto cur = it++;
      if (cur->second.req.program == prog) erase_pending(cur);
    }
  }
  programs_.erase(e);  // no longer waiting (refreshed above): nothing to uncount
  check_debug();
  return n;
}

absl::Status ledger::check() const {
  // The node index and totals, against an index built afresh.
  node_index fresh;
  for (const auto& [n, st] : nodes_) fresh.update(n, nullptr, &st);
  if (fresh.total_registered() != node_index_.total_registered() ||
      fresh.total_free() != node_index_.total_free())
    return absl::InternalError("cluster totals out of date");
  if (!(fresh == node_index_)) return absl::InternalError("node index out of date");

  std::map<node_id, capacity> leased;
  std::map<std::string, capacity> used;
  absl::flat_hash_map<uint64_t, int64_t> held;
  std::vector<std::tuple<std::string, int, lease_id>> yield_entries;
  std::map<program_id, int64_t> program_leases;
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
    ++held[l.holder];
    yield_entries.emplace_back(l.queue, l.priority, id);
    ++program_leases[l.program];
  }
  if (held != held_) return absl::InternalError("leases by holder out of date");
  std::sort(yield_entries.begin(), yield_entries.end());
  if (!yield_order_.well_formed() || yield_order_.entries() != yield_entries)
    return absl::InternalError("leases by queue out of date");
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
  std::set<std::pair<uint64_t, uint64_t>> holder_requests;
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
    holder_requests.emplace(p.req.holder, id);
  }
  if (unstarted != unstarted_.size())
    return absl::InternalError("started-set holds requests that left");
  if (holder_requests != holder_requests_)
    return absl::InternalError("requests by holder out of date");

  std::map<std::string, int64_t> waiting;
  for (const auto& [id, e] : programs_) {
    if (!queues_.count(e.queue))
      return absl::InternalError(
          absl::StrCat("program ", id.value, " in unknown queue \"", e.queue, "\""));
    const int64_t r = program_requests.count(id) ? program_requests.at(id) : 0;
    if (e.requests != r)
      return absl::InternalError(absl::StrCat("program ", id.value, ": counts ", e.requests,
                                              " waiting requests, has ", r));
    const int64_t held = program_leases.count(id) ? program_leases.at(id) : 0;
    if (e.leases != held)
      return absl::InternalError(
          absl::StrCat("program ", id.value, ": counts ", e.leases, " leases, holds ", held));
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

capacity ledger::total_registered() const { return node_index_.total_registered(); }

capacity ledger::total_free() const { return node_index_.total_free(); }

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
