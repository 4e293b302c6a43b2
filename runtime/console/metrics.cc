// Implementation of the head's metrics (see metrics.h).
#include "console/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace tranche {
namespace {

struct family {
  const char* type;
  const char* help;
};

// Every family the head reports. A sample of a family not listed here is
// rendered as untyped (a new metric without its documentation is a bug the
// metrics test catches).
const std::map<std::string, family, std::less<>>& families() {
  static const std::map<std::string, family, std::less<>> f{
      {"tranche_nodes", {"gauge", "Nodes in the ledger, by state (up, draining)."}},
      {"tranche_slots", {"gauge", "Task slots registered by all nodes."}},
      {"tranche_free_slots", {"gauge", "Task slots not leased."}},
      {"tranche_memory_bytes", {"gauge", "Memory registered by all nodes."}},
      {"tranche_free_memory_bytes", {"gauge", "Memory not leased."}},
      {"tranche_leases", {"gauge", "Leases outstanding."}},
      {"tranche_capacity_requests_waiting", {"gauge", "Capacity requests waiting in the broker."}},
      {"tranche_node_slots", {"gauge", "Task slots a node registered."}},
      {"tranche_node_free_slots", {"gauge", "Task slots of a node not leased."}},
      {"tranche_node_memory_bytes", {"gauge", "Memory a node registered."}},
      {"tranche_node_free_memory_bytes", {"gauge", "Memory of a node not leased."}},
      {"tranche_node_leases", {"gauge", "Leases on a node."}},
      {"tranche_queue_used_slots", {"gauge", "Slots a queue's programs hold."}},
      {"tranche_queue_used_memory_bytes", {"gauge", "Memory a queue's programs hold."}},
      {"tranche_queue_waiting_programs",
       {"gauge", "Admitted programs of a queue that have not started (what max-waiting bounds)."}},
      {"tranche_queue_requests", {"gauge", "Capacity requests of a queue waiting."}},
      {"tranche_queue_share", {"gauge", "A queue's weighted dominant share of the cluster."}},
      {"tranche_grant_latency_seconds",
       {"histogram", "Time from a portion's capacity request to its first lease."}},
      {"tranche_leases_granted_total", {"counter", "Leases granted since the head started."}},
      {"tranche_leases_revoked_total",
       {"counter", "Leases taken back after the preemption grace period."}},
      {"tranche_preemption_asks_total",
       {"counter", "Times a holder was asked to give leases back."}},
      {"tranche_programs", {"gauge", "Programs not ended, by state (planning, running)."}},
      {"tranche_programs_submitted_total", {"counter", "Programs submitted since the head started."}},
      {"tranche_programs_ended_total",
       {"counter", "Programs ended since the head started, by state (succeeded, failed, cancelled)."}},
      {"tranche_tasks_finished_total", {"counter", "Tasks finished since the head started."}},
      {"tranche_task_retries_total",
       {"counter", "Tasks run again after a transient failure (node lost, deadline, lost input)."}},
      {"tranche_tasks_speculated_total", {"counter", "Straggling tasks copied to another node."}},
      {"tranche_program_slot_seconds_total",
       {"counter", "Slot-seconds held by programs ended since the head started."}},
      {"tranche_sessions",
       {"gauge", "Sessions the head keeps, by state (starting, idle, busy, stopping, stopped, "
                 "failed, culled)."}},
      {"tranche_sessions_created_total", {"counter", "Sessions created since the head started."}},
      {"tranche_node_session_seats", {"gauge", "Sessions a node hosts at most (max-sessions)."}},
  };
  return f;
}

// The family a sample belongs to: a histogram's _bucket, _sum and _count
// samples belong to the histogram.
std::string_view family_of(std::string_view name) {
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      std::string_view base = name.substr(0, name.size() - suffix.size());
      auto it = families().find(base);
      if (it != families().end() && std::string_view(it->second.type) == "histogram") return base;
    }
  }
  return name;
}

std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return absl::StrCat(static_cast<int64_t>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

latency_histogram::latency_histogram()
    : bounds_{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
      counts_(bounds_.size() + 1, 0) {}

void latency_histogram::observe(double seconds) {
  const size_t i =
      static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), seconds) - bounds_.begin());
  ++counts_[i];
  sum_ += seconds;
  ++count_;
}

void latency_histogram::append_to(const std::string& name, std::vector<metric_sample>* out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    out->push_back({name + "_bucket", {{"le", i < bounds_.size() ? number(bounds_[i]) : "+Inf"}},
                    static_cast<double>(cumulative)});
  }
  out->push_back({name + "_sum", {}, sum_});
  out->push_back({name + "_count", {}, static_cast<double>(count_)});
}

std::string prometheus_text(const std::vector<metric_sample>& samples) {
  // Families in order of first appearance, each family's samples together.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const metric_sample*>> by_family;
  for (const auto& s : samples) {
    std::string f(family_of(s.name));
    auto [it, fresh] = by_family.try_emplace(f);
    if (fresh) order.push_back(f);
    it->second.push_back(&s);
  }
  std::string out;
  for (const auto& f : order) {
    auto meta = families().find(f);
    if (meta != families().end()) {
      absl::StrAppend(&out, "# HELP ", f, " ", meta->second.help, "\n");
      absl::StrAppend(&out, "# TYPE ", f, " ", meta->second.type, "\n");
    } else {
      absl::StrAppend(&out, "# TYPE ", f, " untyped\n");
    }
    for (const metric_sample* s : by_family[f]) {
      out += s->name;
      if (!s->labels.empty()) {
        out += '{';
        for (size_t i = 0; i < s->labels.size(); ++i)
          absl::StrAppend(&out, i ? "," : "", s->labels[i].first, "=\"",
                          escape_label(s->labels[i].second), "\"");
        out += '}';
      }
      absl::StrAppend(&out, " ", number(s->value), "\n");
    }
  }
  return out;
}

}  // namespace tranche
