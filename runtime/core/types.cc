// Implementation of tranche/types.h: type names, schema lookup, civil-date
// conversion (Howard Hinnant's algorithms) and value rendering.
#include "tranche/types.h"

#include <charconv>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"

namespace tranche {

std::string_view type_name(type_id t) {
  switch (t) {
    case type_id::int64:
      return "BIGINT";
    case type_id::float64:
      return "DOUBLE";
    case type_id::boolean:
      return "BOOLEAN";
    case type_id::string:
      return "VARCHAR";
    case type_id::date:
      return "DATE";
  }
  return "?";
}

int schema::find(std::string_view name) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (absl::EqualsIgnoreCase(fields[i].name, absl::string_view(name.data(), name.size())))
      return static_cast<int>(i);
  return -1;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string format_date(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += (m <= 2);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

bool parse_date(std::string_view s, int64_t* days) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  auto digits = [&](size_t from, size_t n, unsigned* out) {
    unsigned v = 0;
    for (size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + static_cast<unsigned>(s[i] - '0');
    }
    *out = v;
    return true;
  };
  unsigned y, m, d;
  if (!digits(0, 4, &y) || !digits(5, 2, &m) || !digits(8, 2, &d)) return false;
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  unsigned dim = kDays[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) dim = 29;
  if (d > dim) return false;
  *days = days_from_civil(y, m, d);
  return true;
}

std::string to_string(const value& v) {
  switch (v.index()) {
    case 0:
      return "NULL";
    case 1:
      return std::to_string(std::get<int64_t>(v));
    case 2: {
      // Shortest representation that round-trips.
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, std::get<double>(v));
      return std::string(buf, r.ptr);
    }
    case 3:
      return std::get<bool>(v) ? "true" : "false";
    case 4:
      return std::get<std::string>(v);
    case 5:
      return format_date(std::get<date_value>(v).days);
  }
  return "?";
}

}  // namespace tranche
