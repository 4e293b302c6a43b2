// The ledger's node index (see node_index.h).
#include "sched/node_index.h"

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

namespace tranche {
namespace {

using entry = std::tuple<int64_t, node_id, int64_t>;

// Moves a node's entry in `s` from `old` to `now` (nullopt: none), reusing
// the tree node: the free capacity changes with every lease.
void replace(std::set<entry>& s, const std::optional<entry>& old, const std::optional<entry>& now) {
  if (old == now) return;
  if (old && now) {
    auto h = s.extract(*old);
    h.value() = *now;
    s.insert(std::move(h));
  } else if (old) {
    s.erase(*old);
  } else {
    s.insert(*now);
  }
}

std::optional<entry> by_slots_entry(node_id n, const node_state* s) {
  if (s == nullptr || s->draining || s->free.slots <= 0) return std::nullopt;
  return entry{-s->free.slots, n, s->free.memory};
}

std::optional<entry> by_memory_entry(node_id n, const node_state* s) {
  if (s == nullptr || s->draining || s->free.slots <= 0) return std::nullopt;
  return entry{s->free.memory, n, s->free.slots};
}

std::optional<entry> registered_entry(node_id n, const node_state* s) {
  if (s == nullptr || s->draining || s->registered.slots <= 0) return std::nullopt;
  return entry{s->registered.memory, n, s->registered.slots};
}

void add(capacity& total, const capacity& c, int64_t sign) {
  total.slots += sign * c.slots;
  total.memory += sign * c.memory;
}

}  // namespace

node_index node_index::over(const node_index& base) {
  node_index x;
  x.base_ = &base;
  x.total_registered_ = base.total_registered_;
  x.total_free_ = base.total_free_;
  return x;
}

void node_index::update(node_id n, const node_state* before, const node_state* after) {
  // A node changed for the first time over a base: its entries move here.
  if (base_ != nullptr && changed_.insert(n).second) {
    add(total_registered_, before ? before->registered : capacity{}, -1);
    add(total_free_, before ? before->free : capacity{}, -1);
    before = nullptr;
  }
  replace(entries_.by_slots, by_slots_entry(n, before), by_slots_entry(n, after));
  replace(entries_.by_memory, by_memory_entry(n, before), by_memory_entry(n, after));
  replace(entries_.registered, registered_entry(n, before), registered_entry(n, after));
  if (before != nullptr) {
    add(total_registered_, before->registered, -1);
    add(total_free_, before->free, -1);
  }
  if (after != nullptr) {
    add(total_registered_, after->registered, 1);
    add(total_free_, after->free, 1);
  }
}

std::optional<node_id> node_index::most_free(int64_t memory) const {
  auto best = most_free_in(entries_, memory, nullptr);
  if (base_ != nullptr) {
    auto b = most_free_in(base_->entries_, memory, &changed_);
    if (b && (!best || *b < *best)) best = b;
  }
  if (!best) return std::nullopt;
  return best->second;
}

std::optional<std::pair<int64_t, node_id>> node_index::most_free_in(const entries& e,
                                                                    int64_t memory,
                                                                    const std::set<node_id>* skip) {
  // The answer is both the first node in by_slots order that has the memory
  // free, and the best (most slots, lowest id) of the nodes that have: a
  // suffix of by_memory. Walking both in step ends after the shorter walk,
  // whether few nodes lack the memory or few have it.
  if (e.by_memory.empty() || std::get<0>(*e.by_memory.rbegin()) < memory) return std::nullopt;
  auto skipped = [&](node_id n) { return skip != nullptr && skip->count(n) > 0; };
  auto a = e.by_slots.begin();
  auto b = e.by_memory.lower_bound(entry{memory, node_id{0}, std::numeric_limits<int64_t>::min()});
  std::optional<std::pair<int64_t, node_id>> best;
  for (;;) {
    if (a == e.by_slots.end()) return std::nullopt;
    const auto& [neg_slots, node, free_memory] = *a;
    if (free_memory >= memory && !skipped(node)) return std::pair{neg_slots, node};
    ++a;
    if (b == e.by_memory.end()) return best;
    const auto& [b_memory, b_node, b_slots] = *b;
    if (!skipped(b_node) && (!best || std::pair{-b_slots, b_node} < *best))
      best = std::pair{-b_slots, b_node};
    ++b;
  }
}

int64_t node_index::fit_count(int64_t memory, bool registered, int64_t enough) const {
  int64_t n = fit_count_in(entries_, memory, registered, enough, nullptr, 0);
  if (base_ != nullptr && n < enough)
    n = fit_count_in(base_->entries_, memory, registered, enough, &changed_, n);
  return n;
}

int64_t node_index::fit_count_in(const entries& e, int64_t memory, bool registered, int64_t enough,
                                 const std::set<node_id>* skip, int64_t n) {
  // Leases are alike, so greedy placement succeeds exactly as long as the
  // per-node counts add up. Most memory first: every node visited (but the
  // skipped) holds at least one, so the walk is at most `enough` long.
  const std::set<entry>& s = registered ? e.registered : e.by_memory;
  for (auto it = s.rbegin(); it != s.rend() && n < enough; ++it) {
    const auto& [mem, node, slots] = *it;
    if (memory > 0 && mem < memory) break;
    if (skip != nullptr && skip->count(node)) continue;
    n += memory > 0 ? std::min(slots, mem / memory) : slots;
  }
  return n;
}

}  // namespace tranche
