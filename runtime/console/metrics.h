// The head's metrics in the Prometheus text format (GET /metrics): samples
// that the broker and the job manager report, a latency histogram they keep,
// and the rendering with each family's HELP and TYPE.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace tranche {

struct metric_sample {
  std::string name;  // e.g. tranche_node_free_slots, tranche_grant_latency_seconds_bucket
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

// A cumulative histogram with fixed upper bounds (seconds), as Prometheus
// keeps them: name_bucket{le=...}, name_sum, name_count.
class latency_histogram {
 public:
  // 1 ms to 60 s.
  latency_histogram();
  void observe(double seconds);
  void append_to(const std::string& name, std::vector<metric_sample>* out) const;
  [[nodiscard]] uint64_t count() const { return count_; }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; the last is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

// The samples as Prometheus text (version 0.0.4): each family once, with its
// HELP and TYPE, its samples together; label values escaped.
[[nodiscard]] std::string prometheus_text(const std::vector<metric_sample>& samples);

// encode_metrics / decode_metrics (schemas/console.capnp MetricList) are in
// console/console_codec.h.

}  // namespace tranche
