// Encoding of sessions' wire messages (schemas/session.capnp): requests,
// records and lists, and the kernel's launch configuration. Decoders treat
// the bytes as untrusted: every failure is an InvalidArgument naming what was
// wrong, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tranche/session.h"

namespace tranche {

struct session_request {
  session_options options;
  std::string requester;
};

// What a node's agent hands the kernel it launches (see KernelConfig).
struct kernel_config {
  std::string session_id, name, launch_secret, token_digest;
  int64_t expires_unix_ms = 0, idle_timeout_ms = 0;
  uint64_t node = 0;
  std::string cluster, secret_file, tls_certificate, tls_key, tls_ca;
  std::string http_address, advertise_host, work_dir, notebook_dir, requester;
  int64_t max_result_rows = 1000;
};

[[nodiscard]] std::vector<char> encode_session_request(const session_request& r);
[[nodiscard]] absl::StatusOr<session_request> decode_session_request(const char* data, size_t size);
[[nodiscard]] std::vector<char> encode_session_info(const session_info& s);
[[nodiscard]] absl::StatusOr<session_info> decode_session_info(const char* data, size_t size);
[[nodiscard]] std::vector<char> encode_session_list(const std::vector<session_info>& ss);
[[nodiscard]] absl::StatusOr<std::vector<session_info>> decode_session_list(const char* data,
                                                                            size_t size);
[[nodiscard]] std::vector<char> encode_kernel_config(const kernel_config& c);
// `complete`: the fields a kernel needs must be set (what the kernel reads);
// false for the session manager's half, which the node's agent completes.
[[nodiscard]] absl::StatusOr<kernel_config> decode_kernel_config(const char* data, size_t size,
                                                                 bool complete = true);

}  // namespace tranche
