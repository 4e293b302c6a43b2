// CAST kernels of evaluate(): conversions between the five column types.
// expr_eval.cc calls eval_cast once per CAST node and batch. Numeric casts
// follow PostgreSQL: DOUBLE -> BIGINT rounds half away from zero and fails when
// out of range; text parses strictly (surrounding blanks allowed) and a value
// that does not parse fails with `cannot cast "abc" to BIGINT`. Rows that are
// NULL never fail, whatever bytes they hold.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "exec/column_util.h"
#include "exec/expr_kernels.h"

namespace tranche {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

absl::Status cannot_cast_text(std::string_view s, type_id to) {
  return invalid("cannot cast \"", s, "\" to ", type_name(to));
}

bool parse_int(std::string_view s, int64_t* out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_double(std::string_view s, double* out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_bool(std::string_view s, uint8_t* out) {
  s = trim(s);
  if (s.size() > 5) return false;
  char low[6] = {};
  for (size_t i = 0; i < s.size(); ++i)
    low[i] = (s[i] >= 'A' && s[i] <= 'Z') ? static_cast<char>(s[i] - 'A' + 'a') : s[i];
  const std::string_view l(low, s.size());
  if (l == "true" || l == "t" || l == "yes" || l == "y" || l == "on" || l == "1") {
    *out = 1;
    return true;
  }
  if (l == "false" || l == "f" || l == "no" || l == "n" || l == "off" || l == "0") {
    *out = 0;
    return true;
  }
  return false;
}

// Shortest round-trip text, the same as to_string(value) in types.h.
std::string_view format_double(double v, char* buf, size_t size) {
  auto r = std::to_chars(buf, buf + size, v);
  return std::string_view(buf, r.ptr - buf);
}

void cast_to_string(const column& a, size_t n, column* out) {
  auto& off = out->offsets();
  auto& chars = out->chars();
  off.resize(n + 1);
  off[0] = 0;
  char buf[64];
  for (size_t i = 0; i < n; ++i) {
    if (!a.is_null(i)) {
      switch (a.type()) {
        case type_id::int64: {
          auto r = std::to_chars(buf, buf + sizeof buf, a.i64()[i]);
          chars.append(buf, r.ptr);
          break;
        }
        case type_id::float64: {
          auto s = format_double(a.f64()[i], buf, sizeof buf);
          chars.append(s.data(), s.size());
          break;
        }
        case type_id::boolean:
          chars.append(a.b()[i] ? "true" : "false");
          break;
        case type_id::date:
          chars.append(format_date(a.i64()[i]));
          break;
        case type_id::string:
          break;
      }
    }
    off[i + 1] = static_cast<uint32_t>(chars.size());
  }
}

absl::Status cast_from_string(const column& a, type_id to, size_t n, column* out) {
  switch (to) {
    case type_id::int64:
    case type_id::date: {
      auto& d = out->i64();
      d.assign(n, 0);
      for (size_t i = 0; i < n; ++i) {
        if (a.is_null(i)) continue;
        const bool ok =
            to == type_id::int64 ? parse_int(a.str(i), &d[i]) : parse_date(trim(a.str(i)), &d[i]);
        if (!ok) return cannot_cast_text(a.str(i), to);
      }
      return absl::OkStatus();
    }
    case type_id::float64: {
      auto& d = out->f64();
      d.assign(n, 0);
      for (size_t i = 0; i < n; ++i)
        if (!a.is_null(i) && !parse_double(a.str(i), &d[i])) return cannot_cast_text(a.str(i), to);
      return absl::OkStatus();
    }
    case type_id::boolean: {
      auto& d = out->b();
      d.assign(n, 0);
      for (size_t i = 0; i < n; ++i)
        if (!a.is_null(i) && !parse_bool(a.str(i), &d[i])) return cannot_cast_text(a.str(i), to);
      return absl::OkStatus();
    }
    case type_id::string:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status double_to_int(const column& a, size_t n, column* out) {
  auto& d = out->i64();
  d.resize(n);
  const double* s = a.f64().data();
  bool bad = false;
  for (size_t i = 0; i < n; ++i) {
    const double r = std::round(s[i]);  // half away from zero, like PostgreSQL
    const bool in_range = r >= -9223372036854775808.0 && r < 9223372036854775808.0;  // NaN: false
    bad |= !in_range;
    d[i] = in_range ? static_cast<int64_t>(r) : 0;
  }
  if (!bad) return absl::OkStatus();
  for (size_t i = 0; i < n; ++i) {
    const double r = std::round(s[i]);
    if (!a.is_null(i) && !(r >= -9223372036854775808.0 && r < 9223372036854775808.0)) {
      char buf[64];
      return invalid("cannot cast ", format_double(s[i], buf, sizeof buf),
                     " to BIGINT: out of range");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<column_ptr> eval_cast(const column& a, type_id to, size_t n) {
  const type_id from = a.type();
  auto out = std::make_shared<column>(to);
  absl::Status st;
  if (to == type_id::string) {
    cast_to_string(a, n, out.get());
  } else if (from == type_id::string) {
    st = cast_from_string(a, to, n, out.get());
  } else if (from == type_id::int64 && to == type_id::float64) {
    auto& d = out->f64();
    d.resize(n);
    for (size_t i = 0; i < n; ++i) d[i] = static_cast<double>(a.i64()[i]);
  } else if (from == type_id::float64 && to == type_id::int64) {
    st = double_to_int(a, n, out.get());
  } else if (from == type_id::boolean && (to == type_id::int64 || to == type_id::float64)) {
    if (to == type_id::int64) {
      out->i64().assign(a.b().begin(), a.b().begin() + n);
    } else {
      out->f64().assign(a.b().begin(), a.b().begin() + n);
    }
  } else if (to == type_id::boolean && from == type_id::int64) {
    auto& d = out->b();
    d.resize(n);
    for (size_t i = 0; i < n; ++i) d[i] = a.i64()[i] != 0;
  } else if (to == type_id::boolean && from == type_id::float64) {
    auto& d = out->b();
    d.resize(n);
    for (size_t i = 0; i < n; ++i) d[i] = a.f64()[i] != 0;
  } else {
    // DATE has no numeric or boolean meaning (no implicit epoch arithmetic).
    return invalid("cannot cast ", type_name(from), " to ", type_name(to));
  }
  if (!st.ok()) return st;
  if (a.has_nulls()) out->valid().assign(a.valid().begin(), a.valid().begin() + n);
  out->compact_validity();  // an all-valid map becomes "no NULLs"
  out->set_size(n);
  return column_ptr(std::move(out));
}

}  // namespace tranche
