// The config's values (see config.h): sizes, durations, host:port, and the
// small parsers the key table shares with them (config_values.h).
#include "daemon/config_values.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "daemon/config.h"

namespace tranche {
namespace config_detail {

std::string quoted(std::string_view s) { return absl::StrCat("\"", av(s), "\""); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

bool has_space(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); });
}

// Digits only: std::from_chars alone would take a leading '-'.
number_result parse_digits(std::string_view s, int64_t* out) {
  if (s.empty() || !absl::ascii_isdigit(static_cast<unsigned char>(s.front())))
    return number_result::syntax;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (ec == std::errc::result_out_of_range) return number_result::overflow;
  if (ec != std::errc() || end != s.data() + s.size()) return number_result::syntax;
  return number_result::ok;
}

// A number followed by an optional unit (spaces between allowed), scaled by
// the unit's factor from `units`; the shared core of sizes and durations.
absl::StatusOr<int64_t> parse_scaled(
    std::string_view text, std::string_view what,
    const std::vector<std::pair<std::string_view, int64_t>>& units) {
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected ", av(what), ", got ", quoted(text), av(why)));
  };
  size_t digits = 0;
  while (digits < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[digits])))
    ++digits;
  int64_t n = 0;
  const number_result r = parse_digits(text.substr(0, digits), &n);
  if (r == number_result::syntax) return bad("");
  if (r == number_result::overflow) return bad(", which is too large");
  const std::string unit = absl::AsciiStrToLower(av(trim(text.substr(digits))));
  for (const auto& [name, factor] : units) {
    if (unit != name) continue;
    if (n > std::numeric_limits<int64_t>::max() / factor) return bad(", which is too large");
    return n * factor;
  }
  return bad("");
}

bool is_port(std::string_view s) {
  int64_t port = 0;
  return parse_digits(s, &port) == number_result::ok && port <= 65535;
}

std::string_view host_of(std::string_view host_port) {
  if (absl::StartsWith(av(host_port), "[")) {
    const size_t close = host_port.find("]:");
    return close == std::string_view::npos ? std::string_view() : host_port.substr(1, close - 1);
  }
  const size_t colon = host_port.rfind(':');
  return colon == std::string_view::npos ? std::string_view() : host_port.substr(0, colon);
}

}  // namespace config_detail

using namespace config_detail;

absl::StatusOr<int64_t> parse_size(std::string_view text) {
  static const std::vector<std::pair<std::string_view, int64_t>> units = {
      {"", 1},
      {"b", 1},
      {"kib", int64_t{1} << 10},
      {"mib", int64_t{1} << 20},
      {"gib", int64_t{1} << 30},
      {"tib", int64_t{1} << 40},
      {"kb", 1000},
      {"mb", 1000 * 1000},
      {"gb", 1000 * 1000 * 1000},
      {"tb", int64_t{1000} * 1000 * 1000 * 1000},
  };
  return parse_scaled(text, "a size like 4GiB", units);
}

std::string format_size(int64_t bytes) {
  static const std::vector<std::pair<std::string_view, int64_t>> units = {
      {"TiB", int64_t{1} << 40},
      {"GiB", int64_t{1} << 30},
      {"MiB", int64_t{1} << 20},
      {"KiB", int64_t{1} << 10},
      {"TB", int64_t{1000} * 1000 * 1000 * 1000},
      {"GB", 1000 * 1000 * 1000},
      {"MB", 1000 * 1000},
      {"KB", 1000}};
  if (bytes > 0)
    for (const auto& [name, factor] : units)
      if (bytes % factor == 0) return absl::StrCat(bytes / factor, av(name));
  return absl::StrCat(bytes);
}

absl::StatusOr<int64_t> parse_duration_ms(std::string_view text) {
  static const std::vector<std::pair<std::string_view, int64_t>> units = {
      {"", 1},
      {"ms", 1},
      {"s", 1000},
      {"m", 60 * 1000},
      {"h", 60 * 60 * 1000},
      {"d", 24 * 60 * 60 * 1000}};
  return parse_scaled(text, "a duration like 250ms, 2s, 1m or 30d", units);
}

absl::Status check_host_port(std::string_view text) {
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("expected host:port with port 0..65535, got ", quoted(text)));
  };
  const std::string_view host = host_of(text);
  if (host.empty() || has_space(host)) return bad();
  // An unbracketed IPv6 address would make the port ambiguous.
  if (!absl::StartsWith(av(text), "[") && host.find(':') != std::string_view::npos) return bad();
  const size_t colon = text.rfind(':');
  if (!is_port(text.substr(colon + 1))) return bad();
  return absl::OkStatus();
}

absl::Status split_host_port(std::string_view text, std::string* host, uint16_t* port) {
  if (absl::Status s = check_host_port(text); !s.ok()) return s;
  *host = std::string(host_of(text));
  *port = static_cast<uint16_t>(std::stoi(std::string(text.substr(text.rfind(':') + 1))));
  return absl::OkStatus();
}

}  // namespace tranche
