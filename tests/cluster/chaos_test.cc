// The chaos test: `tranche-bench chaos` starts a head and three workers on
// loopback and runs a program with two shuffles in a loop while a random
// worker is `kill -9`ed or SIGSTOPped at a random moment in each round, then
// restarted or resumed. Every program must return exactly the fault-free
// rows or fail with a clear error, and the broker's ledger must be whole
// after every round. Bounded: rounds stop starting after 90 s, each waits at
// most 60 s for its program and 20 s for the ledger; the benchmark kills and
// reaps every daemon it started, by pid.
#include <gtest/gtest.h>

#include <cstdio>
#include <regex>
#include <string>

#include "process_util.h"

namespace {

using namespace tranche_test;

TEST(Chaos, EveryProgramIsRightOrFailsCleanlyAndNoLeaseLeaks) {
  std::string out;
  FILE* p = popen(("timeout -s KILL 200 " + bin("tranche-bench") +
                   " chaos --rounds 30 --seconds 90 --rows 1000000 --seed 11 2>&1")
                      .c_str(),
                  "r");
  ASSERT_NE(p, nullptr);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m,
                                std::regex("rounds=([0-9]+) faults=([0-9]+) right=([0-9]+) "
                                           "failed_cleanly=([0-9]+) wrong=([0-9]+) "
                                           "leaked_leases=([0-9]+)")))
      << out;
  const int rounds = std::stoi(m[1]), right = std::stoi(m[3]), failed = std::stoi(m[4]);
  EXPECT_GE(rounds, 3) << out;
  EXPECT_EQ(std::stoi(m[2]), rounds) << out;
  EXPECT_EQ(std::stoi(m[5]), 0) << out;  // wrong
  EXPECT_EQ(std::stoi(m[6]), 0) << out;  // leaked leases
  EXPECT_EQ(right + failed, rounds) << out;
  // The head's own executor never dies, so a program always has a node left;
  // the one clean failure allowed is a node dying in the middle of sending
  // one task's block of the result, after part of it went out (README: "When
  // a task fails"), which takes a narrow window.
  EXPECT_GE(right, rounds - rounds / 4) << out;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
}

}  // namespace
