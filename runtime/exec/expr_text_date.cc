// LIKE, SUBSTRING and date kernels of evaluate(). LIKE compiles its constant
// pattern once per batch: patterns made of literal text and % only (prefix%,
// %suffix, %infix%, a%b%c) match by searching for each piece in order, and
// patterns with _ use a backtracking matcher. `_` and SUBSTRING count UTF-8
// characters, not bytes. Date arithmetic works on civil dates so that adding
// months clamps the day to the month's end (1995-01-31 + 1 month = 1995-02-28),
// as in PostgreSQL and DuckDB.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "exec/column_util.h"
#include "exec/expr_kernels.h"

namespace tranche {
namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The byte offset one UTF-8 character after offset i of s.
size_t next_char(std::string_view s, size_t i) {
  ++i;
  while (i < s.size() && is_continuation(s[i])) ++i;
  return i;
}

class like_matcher {
 public:
  explicit like_matcher(std::string_view pattern) : pattern_(pattern) {
    simple_ = pattern.find('_') == std::string_view::npos;
    if (!simple_) return;
    size_t start = 0;
    for (;;) {
      size_t pct = pattern.find('%', start);
      pieces_.push_back(pattern.substr(start, pct - start));
      if (pct == std::string_view::npos) break;
      start = pct + 1;
    }
  }

  [[nodiscard]] bool match(std::string_view s) const {
    return simple_ ? match_pieces(s) : match_general(s);
  }

 private:
  // pieces_ are the texts between %s: the first anchors at the start, the last
  // at the end, and the middle ones are found leftmost in order (leftmost is
  // always safe, since a later match leaves less text for what follows).
  bool match_pieces(std::string_view s) const {
    if (pieces_.size() == 1) return s == pieces_[0];
    const std::string_view first = pieces_.front(), last = pieces_.back();
    if (s.size() < first.size() + last.size() || !s.starts_with(first) || !s.ends_with(last))
      return false;
    std::string_view rest = s.substr(first.size(), s.size() - first.size() - last.size());
    for (size_t k = 1; k + 1 < pieces_.size(); ++k) {
      size_t at = rest.find(pieces_[k]);
      if (at == std::string_view::npos) return false;
      rest.remove_prefix(at + pieces_[k].size());
    }
    return true;
  }

  // Greedy wildcard matching that backtracks to the last %, one character at
  // a time: O(|s| * |pattern|) at worst.
  bool match_general(std::string_view s) const {
    const std::string_view p = pattern_;
    size_t si = 0, pi = 0;
    size_t star_p = std::string_view::npos, star_s = 0;
    while (si < s.size()) {
      if (pi < p.size() && p[pi] == '%') {
        star_p = pi++;
        star_s = si;
      } else if (pi < p.size() && p[pi] == '_') {
        ++pi;
        si = next_char(s, si);
      } else if (pi < p.size() && p[pi] == s[si]) {
        ++pi;
        ++si;
      } else if (star_p != std::string_view::npos) {
        pi = star_p + 1;
        star_s = next_char(s, star_s);
        si = star_s;
      } else {
        return false;
      }
    }
    while (pi < p.size() && p[pi] == '%') ++pi;
    return pi == p.size();
  }

  std::string_view pattern_;
  bool simple_ = false;
  std::vector<std::string_view> pieces_;
};

std::string_view string_at(const operand& o, size_t i) {
  return o.is_scalar() ? std::string_view(std::get<std::string>(o.scalar)) : o.col->str(i);
}
int64_t int_at(const operand& o, size_t i) {
  return o.is_scalar() ? scalar_i64(o.scalar) : o.col->i64()[i];
}

// Dates a column may hold: 0000-01-01 .. 9999-12-31, what parse_date reads.
constexpr int64_t k_min_date = -719528;
constexpr int64_t k_max_date = 2932896;

struct civil {
  int64_t y;
  unsigned m, d;
};

// Hinnant's civil_from_days, the inverse of days_from_civil (types.h).
civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : k_days[m - 1];
}

// `days` + `months`, or false when the result leaves years 0000-9999.
bool add_months(int64_t days, int64_t months, int64_t* out) {
  if (months > 120000 || months < -120000) return false;
  const civil c = civil_from_days(days);
  const int64_t total = c.y * 12 + (c.m - 1) + months;
  if (total < 0 || total >= 10000 * 12) return false;
  const int64_t y = total / 12;
  const auto m = static_cast<unsigned>(total % 12 + 1);
  *out = days_from_civil(y, m, std::min(c.d, days_in_month(y, m)));
  return true;
}

}  // namespace

absl::StatusOr<column_ptr> eval_like(const operand& s, const operand& p, size_t n) {
  if (s.type != type_id::string || p.type != type_id::string || !p.is_scalar())
    return invalid("LIKE needs a string and a constant string pattern");
  if (s.is_null_scalar() || p.is_null_scalar()) return all_null(type_id::boolean, n);
  const like_matcher m(std::get<std::string>(p.scalar));
  auto out = std::make_shared<column>(type_id::boolean);
  auto& d = out->b();
  d.resize(n);
  for (size_t i = 0; i < n; ++i) d[i] = m.match(string_at(s, i));
  if (!s.is_scalar() && s.col->has_nulls())
    out->valid().assign(s.col->valid().begin(), s.col->valid().begin() + n);
  out->compact_validity();
  out->set_size(n);
  return column_ptr(std::move(out));
}

absl::StatusOr<column_ptr> eval_substring(const std::vector<operand>& args, size_t n) {
  const bool has_length = args.size() == 3;
  if (args[0].type != type_id::string || args[1].type != type_id::int64 ||
      (has_length && args[2].type != type_id::int64))
    return invalid("SUBSTRING needs a string, a BIGINT start and a BIGINT length");
  auto out = std::make_shared<column>(type_id::string);
  auto& off = out->offsets();
  auto& chars = out->chars();
  auto& v = out->valid();
  off.resize(n + 1);
  off[0] = 0;
  v.assign(n, 1);
  for (size_t i = 0; i < n; ++i) {
    for (const operand& a : args) v[i] &= valid_at(a, i);
    if (v[i]) {
      // Characters [start, end) counted from 1; positions before the first
      // character select nothing, as in PostgreSQL.
      const int64_t start = int_at(args[1], i);
      int64_t end = INT64_MAX;
      if (has_length) {
        const int64_t len = int_at(args[2], i);
        if (len < 0) return invalid("negative substring length not allowed");
        if (__builtin_add_overflow(start, len, &end)) end = INT64_MAX;
      }
      const std::string_view s = string_at(args[0], i);
      size_t b = 0;
      for (int64_t pos = 1; pos < start && b < s.size(); ++pos) b = next_char(s, b);
      size_t e = b;
      for (int64_t pos = std::max<int64_t>(start, 1); pos < end && e < s.size(); ++pos)
        e = next_char(s, e);
      chars.append(s.substr(b, e - b));
    }
    off[i + 1] = static_cast<uint32_t>(chars.size());
  }
  out->compact_validity();
  out->set_size(n);
  return column_ptr(std::move(out));
}

absl::StatusOr<column_ptr> eval_date_add(expr_op op, const operand& d, const operand& k, size_t n) {
  if (d.type != type_id::date || k.type != type_id::int64)
    return invalid("date arithmetic needs a DATE and a BIGINT");
  if (d.is_null_scalar() || k.is_null_scalar()) return all_null(type_id::date, n);
  auto out = std::make_shared<column>(type_id::date);
  out->valid() = and_validity(d.col.get(), k.col.get(), n);
  const std::vector<uint8_t>& v = out->valid();
  auto& r = out->i64();
  r.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (!v.empty() && !v[i]) continue;  // NULL rows hold arbitrary values
    const int64_t days = int_at(d, i), count = int_at(k, i);
    bool ok;
    if (op == expr_op::add_days) {
      ok = !__builtin_add_overflow(days, count, &r[i]) && r[i] >= k_min_date && r[i] <= k_max_date;
    } else {
      ok = add_months(days, count, &r[i]);
    }
    if (!ok)
      return invalid("date out of range: ", format_date(days), " + ",
                     std::to_string(count) + (op == expr_op::add_days ? " days" : " months"));
  }
  out->set_size(n);
  return column_ptr(std::move(out));
}

absl::StatusOr<column_ptr> eval_extract(expr_op op, const column& d, size_t n) {
  if (d.type() != type_id::date) return invalid("EXTRACT needs a DATE");
  auto out = std::make_shared<column>(type_id::int64);
  auto& r = out->i64();
  r.assign(n, 0);
  const int64_t* days = d.i64().data();
  for (size_t i = 0; i < n; ++i) {
    if (d.is_null(i)) continue;  // NULL rows hold arbitrary values
    const civil c = civil_from_days(days[i]);
    r[i] = op == expr_op::extract_year ? c.y : op == expr_op::extract_month ? c.m : c.d;
  }
  if (d.has_nulls()) out->valid().assign(d.valid().begin(), d.valid().begin() + n);
  out->compact_validity();
  out->set_size(n);
  return column_ptr(std::move(out));
}

}  // namespace tranche
