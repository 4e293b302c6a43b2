// The ledger's leases in yield order (see yield_order.h).
#include "sched/yield_order.h"

#include <algorithm>

namespace tranche {
namespace {

// A lease gone from a list keeps its place, marked by the top bit (lease ids
// never reach it), so that the list stays sorted by id.
constexpr uint64_t kGone = uint64_t{1} << 63;

}  // namespace

void yield_order::add(const std::string& queue, int priority, lease_id id) {
  queues_[queue][priority].ids.push_back(id.value);
}

void yield_order::remove(const std::string& queue, int priority, lease_id id) {
  auto q = queues_.find(queue);
  if (q == queues_.end()) return;
  auto p = q->second.find(priority);
  if (p == q->second.end()) return;
  list& l = p->second;
  auto it = std::lower_bound(l.ids.begin(), l.ids.end(), id.value,
                             [](uint64_t a, uint64_t b) { return (a & ~kGone) < b; });
  if (it == l.ids.end() || *it != id.value) return;  // not held, or marked already
  *it |= kGone;
  if (++l.gone * 2 <= static_cast<int64_t>(l.ids.size())) return;
  // Half of it gone: compact, or drop the list (and the queue's, if last).
  std::erase_if(l.ids, [](uint64_t v) { return (v & kGone) != 0; });
  l.gone = 0;
  if (!l.ids.empty()) return;
  q->second.erase(p);
  if (q->second.empty()) queues_.erase(q);
}

yield_order::walk::walk(const std::string& queue, const priorities& p)
    : queue_(&queue), at_(p.begin()), end_(p.end()) {
  if (at_ != end_) i_ = at_->second.ids.size();
  settle();
}

void yield_order::walk::next() {
  --i_;
  settle();
}

void yield_order::walk::settle() {
  while (at_ != end_) {
    const std::vector<uint64_t>& ids = at_->second.ids;
    while (i_ > 0 && (ids[i_ - 1] & kGone) != 0) --i_;
    if (i_ > 0) return;
    if (++at_ != end_) i_ = at_->second.ids.size();
  }
}

std::vector<yield_order::walk> yield_order::walks() const {
  std::vector<walk> out;
  out.reserve(queues_.size());
  for (const auto& [name, p] : queues_) out.emplace_back(name, p);
  return out;
}

std::vector<std::tuple<std::string, int, lease_id>> yield_order::entries() const {
  std::vector<std::tuple<std::string, int, lease_id>> out;
  for (const auto& [name, p] : queues_)
    for (const auto& [priority, l] : p)
      for (uint64_t v : l.ids)
        if ((v & kGone) == 0) out.emplace_back(name, priority, lease_id{v});
  return out;
}

bool yield_order::well_formed() const {
  for (const auto& [name, p] : queues_) {
    if (p.empty()) return false;
    for (const auto& [priority, l] : p) {
      int64_t gone = 0;
      for (size_t i = 0; i < l.ids.size(); ++i) {
        gone += (l.ids[i] & kGone) != 0;
        if (i > 0 && (l.ids[i - 1] & ~kGone) >= (l.ids[i] & ~kGone)) return false;
      }
      if (l.ids.empty() || gone != l.gone || gone * 2 > static_cast<int64_t>(l.ids.size()))
        return false;
    }
  }
  return true;
}

}  // namespace tranche
