// Encoding of what the console reads (schemas/console.capnp): program
// records and lists, node lists. The head encodes; the SDK and the history
// decode, treating the bytes as untrusted: every failure is an
// InvalidArgument naming what was wrong, never a crash.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "console/metrics.h"
#include "tranche/console.h"

namespace tranche {

[[nodiscard]] std::vector<char> encode_program_info(const program_info& p);
[[nodiscard]] absl::StatusOr<program_info> decode_program_info(const char* data, size_t size);
[[nodiscard]] std::vector<char> encode_program_list(const std::vector<program_info>& ps);
[[nodiscard]] absl::StatusOr<std::vector<program_info>> decode_program_list(const char* data,
                                                                           size_t size);
[[nodiscard]] std::vector<char> encode_node_list(const std::vector<node_info>& ns);
[[nodiscard]] absl::StatusOr<std::vector<node_info>> decode_node_list(const char* data,
                                                                     size_t size);
[[nodiscard]] std::vector<char> encode_metrics(const std::vector<metric_sample>& samples);
[[nodiscard]] absl::StatusOr<std::vector<metric_sample>> decode_metrics(const char* data,
                                                                       size_t size);

}  // namespace tranche
