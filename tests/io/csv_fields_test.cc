// Tests of the field parsers and SWAR helpers in runtime/io/csv_fields.h,
// checked exhaustively or against the reference implementations they stand
// in for (tranche::parse_date, std::from_chars).
#include "io/csv_fields.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tranche/types.h"

namespace tranche::csv_detail {
namespace {

bool date_of(const std::string& s, int64_t* out) {
  return parse_date(s.data(), s.data() + s.size(), out);
}

TEST(CsvFields, DateParserAgreesWithCoreParseDate) {
  // Every day from 1600 to 2400 (covers all leap-year rules) and the extremes.
  const int64_t first = days_from_civil(1600, 1, 1);
  const int64_t last = days_from_civil(2400, 12, 31);
  for (int64_t day = first; day <= last; ++day) {
    const std::string s = format_date(day);
    int64_t got = 0;
    ASSERT_TRUE(date_of(s, &got)) << s;
    ASSERT_EQ(got, day) << s;
  }
  for (const char* s : {"0000-01-01", "0001-02-28", "9999-12-31", "0000-02-29"}) {
    int64_t a = 0, b = 0;
    ASSERT_TRUE(tranche::parse_date(s, &a)) << s;
    ASSERT_TRUE(date_of(s, &b)) << s;
    EXPECT_EQ(a, b) << s;
  }
  for (const char* s :
       {"1900-02-29", "2100-02-29", "2023-02-29", "2023-06-31", "2023-00-01", "2023-13-01",
        "2023-01-00", "2023-01-32", "2023-1-1", "20230101", "2023-01-01 ", " 2023-01-01",
        "2023_01_01", "abcd-ef-gh", "+023-01-01", ""}) {
    int64_t v = 0;
    EXPECT_FALSE(date_of(s, &v)) << s;
    EXPECT_FALSE(tranche::parse_date(s, &v)) << s;
  }
}

TEST(CsvFields, NondigitBytesFindsTheFirstNonDigit) {
  // Every byte value at every position after a run of digits.
  for (int pos = 0; pos < 8; ++pos) {
    for (int c = 0; c < 256; ++c) {
      if (c >= '0' && c <= '9') continue;
      char buf[8];
      // Digits before, and anything (here: the same byte) after.
      for (int k = 0; k < 8; ++k)
        buf[k] = k < pos ? static_cast<char>('0' + (k * 7 + c) % 10) : static_cast<char>(c);
      EXPECT_EQ(digit_run(load8(buf)), pos) << "pos " << pos << " byte " << c;
      buf[pos] = static_cast<char>(c);
      for (int k = pos + 1; k < 8; ++k) buf[k] = '5';
      EXPECT_EQ(digit_run(load8(buf)), pos) << "pos " << pos << " byte " << c;
    }
  }
  EXPECT_EQ(digit_run(load8("12345678")), 8);
  EXPECT_EQ(digit_run(load8("1234567,")), 7);
  EXPECT_EQ(digit_run(load8(",2345678")), 0);
}

TEST(CsvFields, DigitsValueMatchesScalar) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 100000; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 8);
    char buf[8];
    uint64_t want = 0;
    for (int k = 0; k < 8; ++k) {
      buf[k] = static_cast<char>(k < n ? '0' + rng() % 10 : rng() % 256);
      if (k < n) want = want * 10 + static_cast<uint64_t>(buf[k] - '0');
    }
    ASSERT_EQ(digits_value(load8(buf), n), want) << std::string(buf, n);
  }
}

TEST(CsvFields, ZeroBytesFindsTheFirstMatch) {
  const char text[] = "ab,cd\nef";
  const uint64_t x = load8(text);
  const uint64_t commas = zero_bytes(x ^ (kOnes * ','));
  const uint64_t newlines = zero_bytes(x ^ (kOnes * '\n'));
  EXPECT_EQ(std::countr_zero(commas) >> 3, 2);
  EXPECT_EQ(std::countr_zero(newlines) >> 3, 5);
  EXPECT_EQ(zero_bytes(load8("abcdefgh") ^ (kOnes * ',')), 0u);
}

TEST(CsvFields, NumberParsers) {
  auto dbl = [](const std::string& s, double* out) {
    return parse_double(s.data(), s.data() + s.size(), out);
  };
  auto i64 = [](const std::string& s, int64_t* out) {
    return parse_int64(s.data(), s.data() + s.size(), out);
  };
  double d = 0;
  EXPECT_TRUE(dbl("0.1", &d));
  EXPECT_EQ(d, 0.1);
  EXPECT_TRUE(dbl("+1.5", &d));
  EXPECT_EQ(d, 1.5);
  EXPECT_TRUE(dbl("-1E2", &d));
  EXPECT_EQ(d, -100);
  EXPECT_TRUE(dbl("9007199254740993", &d));  // 2^53 + 1: rounds to even
  EXPECT_EQ(d, 9007199254740992.0);
  for (const char* bad : {"", "-", "+", ".", "1.2.3", "1e", "--1", "+-1", "1,5", " 1", "0x1p3"}) {
    EXPECT_FALSE(dbl(bad, &d)) << bad;
  }
  int64_t v = 0;
  EXPECT_TRUE(i64("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_TRUE(i64("+9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_FALSE(i64("9223372036854775808", &v));
  EXPECT_FALSE(i64("", &v));
  EXPECT_FALSE(i64("1.0", &v));
  bool b = false;
  std::string t = "TRUE", f = "False", y = "yes";
  EXPECT_TRUE(parse_bool(t.data(), t.data() + t.size(), &b));
  EXPECT_TRUE(b);
  EXPECT_TRUE(parse_bool(f.data(), f.data() + f.size(), &b));
  EXPECT_FALSE(b);
  EXPECT_FALSE(parse_bool(y.data(), y.data() + y.size(), &b));
}

}  // namespace
}  // namespace tranche::csv_detail
