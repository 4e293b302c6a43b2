// Tests of tranche/types.h: type names, schema lookup, civil dates (round
// trips, leap years, invalid dates) and value rendering.
#include "tranche/types.h"

#include <gtest/gtest.h>

#include <limits>

namespace tranche {
namespace {

TEST(Types, TypeNames) {
  EXPECT_EQ(type_name(type_id::int64), "BIGINT");
  EXPECT_EQ(type_name(type_id::float64), "DOUBLE");
  EXPECT_EQ(type_name(type_id::boolean), "BOOLEAN");
  EXPECT_EQ(type_name(type_id::string), "VARCHAR");
  EXPECT_EQ(type_name(type_id::date), "DATE");
}

TEST(Types, SchemaFindIsCaseInsensitive) {
  schema s{{{"Key", type_id::int64}, {"price", type_id::float64}}};
  EXPECT_EQ(s.find("key"), 0);
  EXPECT_EQ(s.find("PRICE"), 1);
  EXPECT_EQ(s.find("qty"), -1);
  EXPECT_EQ(s.size(), 2u);
}

TEST(Types, DaysFromCivilKnownValues) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(1998, 9, 2), 10471);
  EXPECT_EQ(format_date(0), "1970-01-01");
  EXPECT_EQ(format_date(-1), "1969-12-31");
  EXPECT_EQ(format_date(10471), "1998-09-02");
}

TEST(Types, DatesRoundTrip) {
  const int64_t first = days_from_civil(1, 1, 1);
  const int64_t last = days_from_civil(9999, 12, 31);
  for (int64_t d = first; d <= last; d += 7) {
    const std::string s = format_date(d);
    int64_t back = 0;
    ASSERT_TRUE(parse_date(s, &back)) << s;
    ASSERT_EQ(back, d) << s;
  }
}

TEST(Types, LeapYears) {
  int64_t d = 0;
  EXPECT_TRUE(parse_date("2000-02-29", &d));  // divisible by 400
  EXPECT_EQ(format_date(d), "2000-02-29");
  EXPECT_TRUE(parse_date("2024-02-29", &d));
  EXPECT_FALSE(parse_date("1900-02-29", &d));  // divisible by 100 only
  EXPECT_FALSE(parse_date("2023-02-29", &d));
  EXPECT_TRUE(parse_date("2023-02-28", &d));
  EXPECT_EQ(format_date(d + 1), "2023-03-01");
  EXPECT_TRUE(parse_date("2024-02-28", &d));
  EXPECT_EQ(format_date(d + 1), "2024-02-29");
}

TEST(Types, InvalidDates) {
  int64_t d = 0;
  for (const char* s : {"", "2023-1-01", "2023-01-1", "23-01-01", "2023-13-01", "2023-00-01",
                        "2023-01-00", "2023-01-32", "2023-04-31", "2023/01/01", "2023-01-01T",
                        "abcd-ef-gh", "-023-01-01", " 2023-01-0"}) {
    EXPECT_FALSE(parse_date(s, &d)) << s;
  }
}

TEST(Types, ToStringRendersEachKind) {
  EXPECT_EQ(to_string(value{}), "NULL");
  EXPECT_EQ(to_string(value{int64_t{42}}), "42");
  EXPECT_EQ(to_string(value{int64_t{-7}}), "-7");
  EXPECT_EQ(to_string(value{3.5}), "3.5");
  EXPECT_EQ(to_string(value{0.1}), "0.1");
  EXPECT_EQ(to_string(value{true}), "true");
  EXPECT_EQ(to_string(value{false}), "false");
  EXPECT_EQ(to_string(value{std::string("abc")}), "abc");
  EXPECT_EQ(to_string(value{date_value{10471}}), "1998-09-02");
  EXPECT_TRUE(is_null(value{}));
  EXPECT_FALSE(is_null(value{int64_t{0}}));
}

}  // namespace
}  // namespace tranche
