// The capacity ledger's preemption hints (see ledger.h): schedule()'s grant
// loop run on a simulation of the ledger that takes leases back for the
// requests it cannot serve. The simulation copies only what it changes, so
// that its cost follows the hints' size, not the cluster's.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "sched/ledger.h"

namespace tranche {

std::vector<yield_hint> ledger::preemption_hints(int64_t now) const {
  // Run the grant loop on a copy; whenever the request first in order does
  // not fit, take back the leases that yield to it, as long as that lets it
  // start. What was taken is the answer.
  // The copy holds only the queues' usage up front; the nodes and waiting
  // requests it copies as its grant loop reaches them (source_). The leases,
  // the bulk of the books, stay here: those the simulation takes back are
  // `taken`, and the ones it grants are its own (they never yield).
  ledger sim(options_);
  sim.now_ = now_;
  sim.usage_at_ = usage_at_;
  sim.node_index_ = node_index::over(node_index_);
  sim.source_.emplace();
  sim.source_->base = this;
  sim.source_->unstarted = {unstarted_.begin(), unstarted_.end()};
  for (const auto& [name, q] : queues_) {
    queue_entry& e = sim.queues_[name];
    e.config = q.config;
    e.used = q.used;
    e.ceiling = q.ceiling;
    e.waiting = q.waiting;
    e.usage = q.usage;
    sim.source_->order.emplace(name, std::pair{q.order.begin(), q.order.end()});
  }
  sim.accrue(now);
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
  std::set<lease_id> taken;
  auto take = [&](const lease& l) {
    taken.insert(l.id);
    sim.return_capacity(l);
  };
  // Each queue's leases in yield order, from the first not taken: all before
  // it are taken (until a waiter's leases are put back).
  const std::vector<yield_order::walk> start = yield_order_.walks();
  std::vector<yield_order::walk> walks = start;
  auto skip_taken = [&](yield_order::walk& w) {
    while (!w.done() && taken.count(w.lease())) w.next();
  };

  // The excess of queues over their caps: lowest priority, newest first,
  // preferring leases that reduce the resource that is over.
  for (auto& [name, q] : sim.queues_) {
    auto w =
        std::find_if(walks.begin(), walks.end(), [&](const auto& x) { return x.queue() == name; });
    if (w == walks.end()) continue;  // holds no lease
    while (!fits_within(q.used, 0, 0, q.config.cap)) {
      skip_taken(*w);
      if (w->done()) break;
      const lease* victim = &leases_.at(w->lease());
      if (q.used.slots <= q.config.cap.slots && victim->memory == 0) {
        for (auto it = *w; !it.done(); it.next()) {
          const lease& l = leases_.at(it.lease());
          if (l.memory > 0 && !taken.count(l.id)) {
            victim = &l;
            break;
          }
        }
      }
      take(*victim);
      record(*victim, yield_reason::over_cap);
    }
  }

  reclaimer reclaim = [&](const pending& w) -> bool {
    const int64_t n = need(w);
    const int64_t memory = w.req.memory_per_slot;
    const queue_entry& wq = sim.queues_.at(w.req.queue);
    const bool w_under = under_minimum(wq.used, wq.config.minimum);
    const double w_share = share(wq, capacity{wq.used.slots + n, wq.used.memory + n * memory});
    // Equal priority: only from a queue that keeps its minimum, for a queue
    // below its minimum or one that would still be at or below the giver's
    // share after the move (no ping-pong).
    auto equal_priority_reason = [&](const queue_entry& lq,
                                     int64_t lease_memory) -> std::optional<yield_reason> {
      const capacity rest{lq.used.slots - 1, lq.used.memory - lease_memory};
      if (under_minimum(rest, lq.config.minimum)) return std::nullopt;
      if (w_under) return yield_reason::under_minimum;
      if (w_share <= share(lq, rest)) return yield_reason::fair_share;
      return std::nullopt;
    };
    std::vector<std::pair<const lease*, yield_reason>> taken_now;
    while (sim.node_index_.fit_count(memory, false, n) < n) {
      // The victim: lowest priority, then the most over-share queue, then
      // the newest lease. Each queue's first that may yield is its best.
      const lease* victim = nullptr;
      yield_reason why = yield_reason::priority;
      std::tuple<int, double, int64_t> best{};
      for (yield_order::walk& wk : walks) {
        const queue_entry& lq = sim.queues_.at(wk.queue());
        const double lq_share = share(lq, lq.used);
        skip_taken(wk);
        for (auto it = wk; !it.done(); it.next()) {
          const int priority = it.priority();
          // Higher priority never yields, nor equal priority of the same queue.
          if (priority > w.req.priority ||
              (priority == w.req.priority && wk.queue() == w.req.queue))
            break;
          const std::tuple<int, double, int64_t> k{priority, -lq_share,
                                                   -static_cast<int64_t>(it.lease().value)};
          if (victim != nullptr && !(k < best)) break;  // the rest of this queue ranks after
          if (taken.count(it.lease())) continue;
          const lease& l = leases_.at(it.lease());
          // A lease on a node that could not host the waiter's would not help.
          const node_state& node = nodes_.at(l.node);  // neither changes in the simulation
          if (node.draining || node.registered.memory < memory) continue;
          std::optional<yield_reason> r = yield_reason::priority;
          if (priority == w.req.priority) {
            r = equal_priority_reason(lq, l.memory);
            // The less memory a lease gives back, the likelier it may go:
            // if one of none may not, none of this priority may.
            if (!r && !equal_priority_reason(lq, 0)) break;
          }
          if (!r) continue;
          victim = &l;
          why = *r;
          best = k;
          break;
        }
      }
      if (victim == nullptr) {
        // It cannot start even so: ask nothing for it, and (as schedule()
        // does) grant nothing after it.
        for (const auto& [l, r] : taken_now) {
          auto node = sim.find_node(l->node);
          node_state st = node->second;
          st.free.slots -= 1;
          st.free.memory -= l->memory;
          sim.set_node(node, st);
          queue_entry& q = sim.queues_.at(l->queue);
          q.used.slots += 1;
          q.used.memory += l->memory;
          q.ceiling = capacity{std::max(q.ceiling.slots, q.used.slots),
                               std::max(q.ceiling.memory, q.used.memory)};
          taken.erase(l->id);
        }
        walks = start;
        return false;
      }
      take(*victim);
      taken_now.emplace_back(victim, why);
    }
    for (const auto& [l, r] : taken_now) record(*l, r);
    return true;
  };
  sim.grant_loop(&reclaim);

  std::vector<yield_hint> out;
  out.reserve(hints.size());
  for (auto& [key, h] : hints) out.push_back(std::move(h));
  return out;
}

}  // namespace tranche
