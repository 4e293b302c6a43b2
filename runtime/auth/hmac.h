// The one place that touches OpenSSL's MAC: HMAC-SHA256 over raw bytes. An
// internal header (not under include/tranche/): auth.cc calls it through the
// cluster secret's friend, and the tests call it directly for the RFC 4231
// known-answer check, so a wrong digest or key handling is caught without a
// handshake in between.
#pragma once

#include <string_view>
#include <vector>

namespace tranche::auth_internal {

inline constexpr size_t kHmacSize = 32;  // SHA-256 digest

[[nodiscard]] std::vector<char> hmac_sha256(std::string_view key, std::string_view data);

}  // namespace tranche::auth_internal
