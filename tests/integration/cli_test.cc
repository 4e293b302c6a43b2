// The `tranche` CLI as a user runs it: output formats, exit codes and error
// messages. Runs build/bin/tranche as a child process with a bounded wait.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli_run.h"

namespace {

namespace fs = std::filesystem;

using tranche::testing::run;
using tranche::testing::run_result;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tranche-cli-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "t.csv")
        << "name,qty,day\n\"b, inc\",2,2024-01-02\na,,2024-01-01\nc,5,2023-12-31\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string table() const { return "--table 't=" + (dir_ / "*.csv").string() + "'"; }
  fs::path dir_;
};

TEST_F(Cli, CsvOutputQuotesAndNulls) {
  auto r = run("sql --format csv " + table() + " \"SELECT name, qty FROM t ORDER BY name\"");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "name,qty\na,\n\"b, inc\",2\nc,5\n");
}

TEST_F(Cli, JsonOutput) {
  auto r = run("sql --format json " + table() + " \"SELECT name, qty, day FROM t WHERE qty > 3\"");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "[\n  {\"name\": \"c\", \"qty\": 5, \"day\": \"2023-12-31\"}\n]\n");
}

TEST_F(Cli, TableOutputCountsRows) {
  auto r = run("sql " + table() + " \"SELECT count(*) AS n, sum(qty) FROM t\"");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("(1 row)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("n | sum(qty)"), std::string::npos) << r.out;
}

TEST_F(Cli, ProgramFromFile) {
  std::ofstream(dir_ / "q.sql") << "SELECT max(day) FROM t;\n";
  auto r = run("sql --format csv " + table() + " -f " + (dir_ / "q.sql").string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "max(day)\n2024-01-02\n");
}

TEST_F(Cli, BadProgramExitsOneWithPositionedMessage) {
  auto r = run("sql " + table() + " \"SELECT nme FROM t\"");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "tranche: error: line 1, column 8: unknown column \"nme\" (did you mean \"name\"?)\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(Cli, BadUsageExitsTwo) {
  EXPECT_EQ(run("sql").code, 2);
  EXPECT_EQ(run("sql --format xml \"SELECT 1\"").code, 2);
  EXPECT_EQ(run("frobnicate").code, 2);
  EXPECT_EQ(run("sql --table nameonly \"SELECT 1\"").code, 2);
}

TEST_F(Cli, MemoryPerTaskAndSpillDir) {
  const std::string spill = (dir_ / "spill").string();
  auto r = run("sql --format csv --memory-per-task 1MiB --spill-dir " + spill + " " + table() +
               " \"SELECT name, sum(qty) AS q FROM t GROUP BY name ORDER BY name\"");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "name,q\na,\n\"b, inc\",2\nc,5\n");
  // The embedded cluster's private directory inside it is gone with it.
  EXPECT_TRUE(!fs::exists(spill) || fs::is_empty(spill));
  r = run("sql --memory-per-task 1000 \"SELECT 1\"");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--memory-per-task needs a size of at least 1MiB"), std::string::npos)
      << r.err;
  r = run("sql --cluster 127.0.0.1:1 --spill-dir /tmp \"SELECT 1\"");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--spill-dir sets up an embedded cluster"), std::string::npos) << r.err;
}

TEST_F(Cli, ExplainShowsThePlan) {
  auto r = run("sql --explain --local 2 " + table() +
               " \"SELECT name, count(*) FROM t GROUP BY name ORDER BY name\"");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("portion 0 \"scan t\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("final aggregate"), std::string::npos) << r.out;
}

TEST_F(Cli, GenSampleIsDeterministic) {
  auto a = run("gen sample --rows 5000 --files 2 --out " + (dir_ / "s1").string());
  auto b = run("gen sample --rows 5000 --files 2 --out " + (dir_ / "s2").string());
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_EQ(b.code, 0) << b.err;
  for (auto f : {"part-000.csv", "part-001.csv"}) {
    std::ifstream x(dir_ / "s1" / f), y(dir_ / "s2" / f);
    std::string sx((std::istreambuf_iterator<char>(x)), {}),
        sy((std::istreambuf_iterator<char>(y)), {});
    EXPECT_FALSE(sx.empty());
    EXPECT_EQ(sx, sy);
  }
}

}  // namespace
