// INTERVAL with the standard's leading field precision, as the TPC-H queries
// write it: `DATE '1998-12-01' - INTERVAL '90' DAY (3)`.
#include <gtest/gtest.h>

#include "plan_check.h"
#include "sql_test_util.h"

namespace tranche::sql_test {
namespace {

TEST(SqlIntervalPrecision, AcceptedAndCheckedAgainstTheDigits) {
  logical_ptr p = compile_ok(
      "SELECT shipdate FROM t WHERE shipdate <= DATE '1998-12-01' - INTERVAL '90' DAY (3)");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(check_plan(*p), "");
  EXPECT_EQ(compile_status("SELECT shipdate + INTERVAL '-12' MONTH (2) FROM t"), absl::OkStatus());
  EXPECT_EQ(std::string(compile_status("SELECT shipdate + INTERVAL '1000' DAY (3) FROM t").message()),
            "line 1, column 28: interval '1000' has more than 3 digits");
  EXPECT_EQ(std::string(compile_status("SELECT shipdate + INTERVAL '1' DAY (0) FROM t").message()),
            "line 1, column 37: syntax error: expected a precision from 1 to 9, got \"0\"");
  EXPECT_EQ(std::string(compile_status("SELECT shipdate + INTERVAL '1' DAY (3 FROM t").message()),
            "line 1, column 39: syntax error: expected \")\", got \"FROM\"");
}

}  // namespace
}  // namespace tranche::sql_test
