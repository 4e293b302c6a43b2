// Queue configuration and the policy arithmetic (see queues.h).
#include "sched/queues.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"

namespace tranche {
namespace {

// Names end up in config files, the SDK and error messages: keep them plain.
bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

std::string amount(int64_t v) {
  return v == kUnlimited ? std::string("unlimited") : absl::StrCat(v);
}

absl::Status field_error(const queue_config& q, const char* field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("queue \"", q.name, "\": ", field, " ", what));
}

}  // namespace

queue_config default_queue_config() {
  queue_config q;
  q.name = kDefaultQueue;
  return q;
}

absl::Status validate_queue(const queue_config& q) {
  if (!valid_name(q.name))
    return absl::InvalidArgumentError(
        absl::StrCat("queue \"", q.name, "\": name must be 1 to 64 of [A-Za-z0-9_.-]"));
  if (!(q.weight > 0) || !std::isfinite(q.weight))
    return field_error(q, "weight", absl::StrCat("must be > 0 (got ", q.weight, ")"));
  if (q.minimum.slots < 0)
    return field_error(q, "min-slots", absl::StrCat("must be >= 0 (got ", q.minimum.slots, ")"));
  if (q.minimum.memory < 0)
    return field_error(q, "min-memory", absl::StrCat("must be >= 0 (got ", q.minimum.memory, ")"));
  if (q.cap.slots < 0)
    return field_error(q, "cap-slots", absl::StrCat("must be >= 0 (got ", q.cap.slots, ")"));
  if (q.cap.memory < 0)
    return field_error(q, "cap-memory", absl::StrCat("must be >= 0 (got ", q.cap.memory, ")"));
  if (q.minimum.slots > q.cap.slots)
    return field_error(
        q, "min-slots",
        absl::StrCat("(", q.minimum.slots, ") exceeds cap-slots (", amount(q.cap.slots), ")"));
  if (q.minimum.memory > q.cap.memory)
    return field_error(
        q, "min-memory",
        absl::StrCat("(", q.minimum.memory, ") exceeds cap-memory (", amount(q.cap.memory), ")"));
  if (q.max_waiting < 0)
    return field_error(q, "max-waiting", absl::StrCat("must be >= 0 (got ", q.max_waiting, ")"));
  return absl::OkStatus();
}

absl::Status validate_queues(const std::vector<queue_config>& queues) {
  std::set<std::string> seen;
  for (const queue_config& q : queues) {
    if (auto s = validate_queue(q); !s.ok()) return s;
    if (!seen.insert(q.name).second)
      return absl::InvalidArgumentError(absl::StrCat("queue \"", q.name, "\" is defined twice"));
  }
  return absl::OkStatus();
}

double dominant_share(const capacity& used, const capacity& total, double weight) {
  double s =
      total.slots > 0 ? static_cast<double>(used.slots) / static_cast<double>(total.slots) : 0.0;
  double m =
      total.memory > 0 ? static_cast<double>(used.memory) / static_cast<double>(total.memory) : 0.0;
  return std::max(s, m) / weight;
}

bool under_minimum(const capacity& used, const capacity& minimum) {
  if (minimum.slots <= 0 && minimum.memory <= 0) return false;
  if (minimum.slots > 0 && used.slots >= minimum.slots) return false;
  if (minimum.memory > 0 && used.memory >= minimum.memory) return false;
  return true;
}

bool fits_within(const capacity& used, int64_t n, int64_t memory, const capacity& limit) {
  // 128-bit: n * memory may not fit in 64 bits, and limits may be kUnlimited.
  const __int128 slots = static_cast<__int128>(used.slots) + n;
  const __int128 mem = static_cast<__int128>(used.memory) + static_cast<__int128>(n) * memory;
  return slots <= limit.slots && mem <= limit.memory;
}

}  // namespace tranche
