// Implementation of the capacity ledger (see ledger.h).
#include "sched/ledger.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"

namespace tranche {

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
    if (it->second.node == n) {
      gone.push_back(it->second);
      it = leases_.erase(it);
    } else {
      ++it;
    }
  }
  nodes_.erase(n);
  check_debug();
  return gone;
}

request_id ledger::enqueue(const capacity_request& r) {
  request_id id{next_request_++};
  queue_.push_back(pending{id, r, 0});
  return id;
}

std::optional<node_id> ledger::pick_node(int64_t memory) const {
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

std::vector<lease> ledger::schedule() {
  std::vector<lease> granted;
  while (!queue_.empty()) {
    pending& head = queue_.front();
    while (head.granted < head.req.want) {
      auto n = pick_node(head.req.memory_per_slot);
      if (!n) break;
      node_state& st = nodes_[*n];
      st.free.slots -= 1;
      st.free.memory -= head.req.memory_per_slot;
      lease l{lease_id{next_lease_++},  *n,
              head.req.memory_per_slot, head.req.holder,
              head.req.program,         head.req.portion};
      leases_[l.id] = l;
      granted.push_back(l);
      ++head.granted;
    }
    if (head.granted < head.req.want) break;  // nothing left for it: FIFO blocks here
    queue_.pop_front();
  }
  check_debug();
  return granted;
}

void ledger::shrink_request(uint64_t holder, int64_t remaining) {
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->req.holder == holder) {
      it->req.want = it->granted + std::max<int64_t>(0, remaining);
      if (remaining <= 0) {
        it = queue_.erase(it);
        continue;
      }
    }
    ++it;
  }
}

absl::Status ledger::release(lease_id id) {
  auto it = leases_.find(id);
  if (it == leases_.end())
    return absl::NotFoundError(absl::StrCat("lease ", id.value, " is not outstanding"));
  auto n = nodes_.find(it->second.node);
  if (n != nodes_.end()) {
    n->second.free.slots += 1;
    n->second.free.memory += it->second.memory;
  }
  leases_.erase(it);
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
  std::vector<lease_id> ids;
  for (const auto& [id, l] : leases_)
    if (l.holder == holder) ids.push_back(id);
  for (auto id : ids) (void)release(id);
  std::erase_if(queue_, [&](const pending& p) { return p.req.holder == holder; });
  return ids.size();
}

size_t ledger::drop_program(program_id prog) {
  std::vector<lease_id> ids;
  for (const auto& [id, l] : leases_)
    if (l.program == prog) ids.push_back(id);
  for (auto id : ids) (void)release(id);
  std::erase_if(queue_, [&](const pending& p) { return p.req.program == prog; });
  return ids.size();
}

absl::Status ledger::check() const {
  std::map<node_id, capacity> leased;
  for (const auto& [id, l] : leases_) {
    if (!nodes_.count(l.node))
      return absl::InternalError(
          absl::StrCat("lease ", id.value, " on unknown node ", l.node.value));
    leased[l.node].slots += 1;
    leased[l.node].memory += l.memory;
  }
  for (const auto& [n, st] : nodes_) {
    const capacity& u = leased[n];
    if (st.free.slots < 0 || st.free.memory < 0)
      return absl::InternalError(absl::StrCat("node ", n.value, ": negative free capacity"));
    if (st.free.slots + u.slots != st.registered.slots ||
        st.free.memory + u.memory != st.registered.memory)
      return absl::InternalError(absl::StrCat("node ", n.value, ": free + leased != registered"));
  }
  return absl::OkStatus();
}

void ledger::check_debug() const {
#ifndef NDEBUG
  if (auto s = check(); !s.ok()) {
    std::cerr << "ledger invariant violated: " << s.message() << "\n";
    std::abort();
  }
#endif
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

}  // namespace tranche
