// Internal to daemon/: the small parsers the config's key table and its
// value types (sizes, durations, host:port; config_values.cc) share.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace tranche::config_detail {

// Debian's Abseil has its own string_view type; convert at the call.
[[nodiscard]] inline absl::string_view av(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
// `s` in double quotes, for messages.
[[nodiscard]] std::string quoted(std::string_view s);
[[nodiscard]] std::string_view trim(std::string_view s);
[[nodiscard]] bool has_space(std::string_view s);

enum class number_result { ok, syntax, overflow };
// Digits only (no sign, no spaces) into *out.
number_result parse_digits(std::string_view s, int64_t* out);
// 0..65535 in digits.
[[nodiscard]] bool is_port(std::string_view s);
// The host of "host:port" or "[v6]:port" (brackets dropped); "" if malformed.
[[nodiscard]] std::string_view host_of(std::string_view host_port);

}  // namespace tranche::config_detail
