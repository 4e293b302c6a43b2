// The capacity policies (see policy.h).
#include "sched/policy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace tranche {
namespace {

class per_portion final : public capacity_policy {
 public:
  std::string_view name() const override { return "per-portion"; }
  reservation reserve(const std::vector<portion_shape>&, int64_t) const override { return {}; }
  bool portions_ask_broker() const override { return true; }
  bool preemptible() const override { return true; }
};

class whole_program final : public capacity_policy {
 public:
  std::string_view name() const override { return "whole-program"; }
  reservation reserve(const std::vector<portion_shape>& plan,
                      int64_t cluster_slots) const override {
    reservation r;
    r.leases = peak_slots(plan, cluster_slots);
    for (const auto& p : plan) r.memory_per_lease = std::max(r.memory_per_lease, p.memory_per_task);
    return r;
  }
  bool portions_ask_broker() const override { return false; }
  bool preemptible() const override { return false; }
};

}  // namespace

absl::StatusOr<std::unique_ptr<capacity_policy>> make_policy(std::string_view name) {
  if (name == "per-portion") return std::unique_ptr<capacity_policy>(new per_portion);
  if (name == "whole-program") return std::unique_ptr<capacity_policy>(new whole_program);
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown capacity policy \"", std::string(name), "\": expected per-portion or whole-program"));
}

int64_t peak_slots(const std::vector<portion_shape>& plan, int64_t cluster_slots) {
  const int64_t limit = std::max<int64_t>(1, cluster_slots);
  const size_t n = plan.size();
  // related[i][j]: one of i, j is (transitively) an input of the other, so
  // they never run at the same time. Portions come in topological order:
  // inputs have lower indices (others are ignored).
  std::vector<std::vector<bool>> related(n, std::vector<bool>(n, false));
  for (size_t i = 0; i < n; ++i)
    for (int in : plan[i].inputs) {
      if (in < 0 || static_cast<size_t>(in) >= i) continue;
      for (size_t k = 0; k < n; ++k)
        if (k == static_cast<size_t>(in) || (k < static_cast<size_t>(in) && related[in][k]))
          related[i][k] = related[k][i] = true;
    }
  std::vector<int64_t> weight(n);
  for (size_t i = 0; i < n; ++i) weight[i] = std::max(1, plan[i].tasks);
  // The heaviest set of pairwise unrelated portions (an antichain), by a
  // depth-first search that prunes when the rest cannot beat the best; plans
  // are small and mostly chains, so this is quick.
  int64_t best = 0;
  std::vector<size_t> chosen;
  std::vector<int64_t> suffix(n + 1, 0);
  for (size_t i = n; i-- > 0;) suffix[i] = suffix[i + 1] + weight[i];
  auto search = [&](auto& self, size_t i, int64_t sum) -> void {
    best = std::max(best, sum);
    if (i == n || best >= limit || sum + suffix[i] <= best) return;
    bool fits = true;
    for (size_t c : chosen) fits = fits && !related[i][c];
    if (fits) {
      chosen.push_back(i);
      self(self, i + 1, sum + weight[i]);
      chosen.pop_back();
    }
    self(self, i + 1, sum);
  };
  search(search, 0, 0);
  return std::max<int64_t>(1, std::min(best, limit));
}

}  // namespace tranche
