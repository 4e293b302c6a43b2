// `tranche shell` in a terminal (a private tmux server) and through a pipe,
// against a fake kernel in this process: a multi-line statement's table, an
// error, Ctrl-C cancelling a running statement, the history's up-arrow, \q;
// and the exit codes of batch runs, a refused token and bad usage.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "../cluster/terminal_util.h"
#include "fake_kernel.h"

namespace {

namespace fs = std::filesystem;
using namespace tranche_test;

std::string shell_cmd(const fake_kernel& k, const fs::path& home,
                      const std::string& token = kToken) {
  return "env TRANCHE_HOME=" + home.string() + " TRANCHE_TOKEN=" + token + " " + bin("tranche") +
         " shell --endpoint " + k.endpoint();
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST(ShellTerminal, RunsStatementsCancelsWithCtrlCRecallsHistoryAndQuits) {
  if (!fs::exists("/usr/bin/tmux"))
    GTEST_SKIP() << "tmux is not installed (tools/setup installs it)";
  fake_kernel k;
  ASSERT_TRUE(k.ok());
  temp_dir home;
  terminal t(shell_cmd(k, home.path()));
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(t.shows("connected to session s-4f2a (idle) at " + k.endpoint())) << t.last();
  ASSERT_TRUE(t.shows("tranche>")) << t.last();

  // A statement over two lines: the continuation prompt, then the table
  // (send-keys would take a bare trailing ; for its own command separator).
  t.keys("'SELECT a, b, c' Enter");
  ASSERT_TRUE(t.shows("\n     ->")) << t.last();
  t.keys("'FROM t\\;' Enter");
  ASSERT_TRUE(t.shows("(3 rows, ")) << t.last();
  EXPECT_NE(t.last().find("a    | b        | c"), std::string::npos) << t.last();
  EXPECT_NE(t.last().find("NULL | <b>x</b> |  NULL"), std::string::npos) << t.last();
  ASSERT_EQ(k.codes().size(), 1u);
  EXPECT_EQ(k.codes()[0], "SELECT a, b, c\nFROM t");

  t.keys("'SELECT 1/0\\;' Enter");
  ASSERT_TRUE(t.shows("error: line 1, column 8: division by zero")) << t.last();

  t.keys("'SELECT SLEEP(60)\\;' Enter");
  ASSERT_TRUE(eventually([&] { return k.codes().size() == 3; }, 10s));
  std::this_thread::sleep_for(200ms);  // it is running now
  t.keys("C-c");
  ASSERT_TRUE(t.shows("cancelled")) << t.last();
  EXPECT_EQ(k.cancels(), 1);
  ASSERT_TRUE(t.shows("cancelled\ntranche>")) << t.last();

  // Ctrl-C at the prompt drops the typed text; nothing is sent.
  t.keys("'SELECT forgotten' C-c");
  std::this_thread::sleep_for(300ms);
  // Up recalls the last statement (the SLEEP one, then the 1/0 one).
  t.keys("Up");
  ASSERT_TRUE(t.shows("tranche> SELECT SLEEP(60);")) << t.last();
  t.keys("Up");
  ASSERT_TRUE(t.shows("tranche> SELECT 1/0;")) << t.last();
  t.keys("Enter");
  ASSERT_TRUE(eventually([&] { return count(t.screen(), "division by zero") == 2; }, 10s))
      << t.screen();
  EXPECT_EQ(k.codes().size(), 4u);
  EXPECT_EQ(k.codes().back(), "SELECT 1/0");

  t.keys("'\\history' Enter");
  ASSERT_TRUE(t.shows("cancelled | SELECT SLEEP(60)")) << t.last();
  t.keys("'\\q' Enter");
  EXPECT_TRUE(eventually([&] { return t.ended(); }, 10s)) << t.screen();
  struct stat st {};
  ASSERT_EQ(stat((home.path() / "shell_history").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(slurp(home.path() / "shell_history").find("SLEEP"), std::string::npos);
}

TEST(ShellBatch, RunsStdinsStatementsAndExitsOneIfAnyFailed) {
  fake_kernel k(10ms);
  temp_dir home;
  const std::string cmd = shell_cmd(k, home.path());
  auto [rc, out] =
      run("printf 'SELECT a\\n  FROM t; SELECT BIG;\\nSELECT 2' | " + cmd + " 2>/dev/null");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out.find("tranche>"), std::string::npos) << "no prompts without a terminal: " << out;
  EXPECT_EQ(count(out, "(3 rows, "), 2u) << out;
  EXPECT_NE(out.find("(1000 rows, "), std::string::npos) << out;
  EXPECT_NE(out.find("(showing the first 3 of 1000 rows)"), std::string::npos) << out;
  EXPECT_EQ(k.codes().back(), "SELECT 2") << "the unterminated last statement runs too";

  auto [rc2, err] = run("printf 'SELECT 1/0;\\nSELECT 1;\\n' | " + cmd + " 2>&1 >/dev/null");
  EXPECT_EQ(rc2, 1) << err;
  EXPECT_NE(err.find("error: line 1, column 8: division by zero"), std::string::npos) << err;
}

TEST(ShellBatch, ARefusedTokenOrAnUnreachableSessionExitsOneAndBadUsageTwo) {
  fake_kernel k;
  temp_dir home;
  auto [rc, err] = run("echo 'SELECT 1;' | " +
                       shell_cmd(k, home.path(), "trs_" + std::string(64, 'f')) + " 2>&1");
  EXPECT_EQ(rc, 1) << err;
  EXPECT_NE(err.find("the session refused the token (401)"), std::string::npos) << err;
  EXPECT_EQ(err.find(std::string(64, 'f')), std::string::npos) << "never print the token";
  EXPECT_TRUE(k.codes().empty());

  auto [rc2, err2] = run("env TRANCHE_TOKEN=" + kToken + " " + bin("tranche") +
                         " shell --endpoint 127.0.0.1:1 < /dev/null 2>&1");
  EXPECT_EQ(rc2, 1) << err2;
  EXPECT_NE(err2.find("127.0.0.1:1"), std::string::npos) << err2;

  EXPECT_EQ(run(bin("tranche") + " shell 2>/dev/null").first, 2);
  EXPECT_EQ(run(bin("tranche") + " shell --endpoint a:1 --session s-1 2>/dev/null").first, 2);
  EXPECT_EQ(run(bin("tranche") + " shell --bogus 2>/dev/null").first, 2);
}

TEST(ShellBatch, FindsTheEndpointFromTheSessionRecord) {
  fake_kernel k(10ms);
  temp_dir home;
  fs::create_directories(home.path() / "sessions");
  std::ofstream(home.path() / "sessions" / "s-4f2a.json")
      << R"({"id": "s-4f2a", "endpoint": ")" << k.endpoint()
      << R"(", "node": 2, "name": "explore"})";
  auto [rc, out] =
      run("echo 'SELECT 1;' | env TRANCHE_HOME=" + home.path().string() +
          " TRANCHE_TOKEN=" + kToken + " " + bin("tranche") + " shell --session s-4f2a 2>&1");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("connected to session s-4f2a (idle) at " + k.endpoint()), std::string::npos)
      << out;
  EXPECT_NE(out.find("(3 rows, "), std::string::npos) << out;
}

}  // namespace
