// Strict parsers for the text of one CSV field, shared by the CSV reader
// (csv.cc) and schema inference (csv_infer.cc) so that a column inferred as
// a type reads back with exactly the same rules. They sit on the hot path of
// every scan, hence inline and hand-written: no locale, no allocation.
#pragma once

#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <system_error>

namespace tranche::csv_detail {

inline bool is_digit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// An optionally signed run of decimal digits that fits int64.
inline bool parse_int64(const char* b, const char* e, int64_t* out) {
  bool neg = false;
  if (b != e && (*b == '-' || *b == '+')) {
    neg = *b == '-';
    ++b;
  }
  if (b == e) return false;
  uint64_t v = 0;
  if (e - b <= 18) {  // cannot overflow uint64
    for (const char* p = b; p != e; ++p) {
      if (!is_digit(*p)) return false;
      v = v * 10 + static_cast<uint64_t>(*p - '0');
    }
  } else {
    // Long (or zero-padded) digit strings: let the library detect overflow.
    auto r = std::from_chars(b, e, v);
    if (r.ec != std::errc() || r.ptr != e) return false;
  }
  if (neg) {
    if (v > (uint64_t{1} << 63)) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

// Exact powers of ten representable as doubles (10^22 is the last one).
inline constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// What std::from_chars accepts plus an optional leading '+': exponents,
// inf, nan, long mantissas. Exact, but several times slower than the fast path.
inline bool parse_double_slow(const char* b, const char* e, double* out) {
  if (b != e && *b == '+') {
    ++b;
    if (b == e || *b == '-' || *b == '+') return false;
  }
  auto r = std::from_chars(b, e, *out, std::chars_format::general);
  return r.ec == std::errc() && r.ptr == e;
}

// Fast path (Clinger): up to 19 digits with an optional decimal point whose
// integer mantissa m <= 2^53 is exact as a double, as is 10^k for k <= 22, so
// one IEEE division gives the correctly rounded value. Anything else goes to
// from_chars.
inline bool parse_double(const char* b, const char* e, double* out) {
  const char* p = b;
  bool neg = false;
  if (p != e && (*p == '-' || *p == '+')) {
    neg = *p == '-';
    ++p;
  }
  const char* digits_begin = p;
  uint64_t m = 0;  // may wrap when there are more than 19 digits; unused then
  while (p != e && is_digit(*p)) m = m * 10 + static_cast<uint64_t>(*p++ - '0');
  ptrdiff_t ndigits = p - digits_begin;
  ptrdiff_t frac = 0;
  if (p != e && *p == '.') {
    const char* frac_begin = ++p;
    while (p != e && is_digit(*p)) m = m * 10 + static_cast<uint64_t>(*p++ - '0');
    frac = p - frac_begin;
    ndigits += frac;
  }
  if (p == e && ndigits > 0 && ndigits <= 19 && frac <= 22 && m <= (uint64_t{1} << 53)) {
    double d = static_cast<double>(m);
    if (frac > 0) d /= kPow10[frac];
    *out = neg ? -d : d;
    return true;
  }
  return parse_double_slow(b, e, out);
}

// Days since 1970-01-01 of a valid date with a year in 0..9999 (Howard
// Hinnant's days_from_civil, inlined because it runs once per value). The year
// is shifted by one 400-year era (146097 days) so that all arithmetic is
// unsigned and the divisions become multiplications.
inline int64_t civil_days(unsigned y, unsigned m, unsigned d) {
  const unsigned yy = y + 400 - (m <= 2);
  const unsigned era = yy / 400;
  const unsigned yoe = yy - era * 400;
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int64_t>(era) * 146097 + doe - 719468 - 146097;
}

// Exactly "yyyy-mm-dd" naming a real calendar day (same rules as
// tranche::parse_date).
[[gnu::always_inline]] inline bool parse_date(const char* b, const char* e, int64_t* out) {
  if (e - b != 10 || b[4] != '-' || b[7] != '-') return false;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!is_digit(b[i])) return false;
  const unsigned y = (b[0] - '0') * 1000u + (b[1] - '0') * 100u + (b[2] - '0') * 10u + (b[3] - '0');
  const unsigned m = (b[5] - '0') * 10u + (b[6] - '0');
  const unsigned d = (b[8] - '0') * 10u + (b[9] - '0');
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr unsigned char kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  unsigned dim = kDays[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) dim = 29;
  if (d > dim) return false;
  *out = civil_days(y, m, d);
  return true;
}

// true / false in any letter case.
inline bool parse_bool(const char* b, const char* e, bool* out) {
  auto lower_eq = [&](const char* word) {
    for (const char* p = b; p != e; ++p, ++word)
      if ((*p | 0x20) != *word) return false;
    return true;
  };
  if (e - b == 4 && lower_eq("true")) {
    *out = true;
    return true;
  }
  if (e - b == 5 && lower_eq("false")) {
    *out = false;
    return true;
  }
  return false;
}

// --- SWAR: eight bytes at a time in a uint64 (little endian) ---
// The reader's fast paths use these where at least 8 bytes are readable.

static_assert(std::endian::native == std::endian::little, "SWAR helpers assume little endian");

inline constexpr uint64_t kOnes = 0x0101010101010101ull;
inline constexpr uint64_t kHighs = 0x8080808080808080ull;

inline uint64_t load8(const char* p) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}

// High bit set in the bytes of x that are zero. Only the lowest set bit is
// exact (a borrow may flag a later byte), which is all that is ever used.
inline uint64_t zero_bytes(uint64_t x) { return (x - kOnes) & ~x & kHighs; }

// High bit set in the bytes that are not '0'..'9', exact up to the first one
// (digits below it neither carry nor borrow).
inline uint64_t nondigit_bytes(uint64_t x) {
  return ((x + 0x4646464646464646ull) | (x - 0x3030303030303030ull) | x) & kHighs;
}

// Value of the first n (1..8) bytes of x, all digits, most significant first:
// shift them to the top, pad with zeros, and combine pairs, quads, then the
// two halves with three multiplications.
inline uint64_t digits_value(uint64_t x, int n) {
  uint64_t v = (x << (8 * (8 - n))) & 0x0F0F0F0F0F0F0F0Full;
  v = (v * 2561) >> 8;
  v = ((v & 0x00FF00FF00FF00FFull) * 6553601) >> 16;
  return ((v & 0x0000FFFF0000FFFFull) * 42949672960001ull) >> 32;
}

// Number of leading digit bytes of x (8 if all are digits).
inline int digit_run(uint64_t x) {
  const uint64_t m = nondigit_bytes(x);
  return m == 0 ? 8 : std::countr_zero(m) >> 3;
}

inline constexpr uint64_t kPow10Int[] = {1,      10,      100,      1000,     10000,
                                         100000, 1000000, 10000000, 100000000};

}  // namespace tranche::csv_detail
