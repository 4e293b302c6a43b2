// `tranche convert` as a user runs it: build/bin/tranche as a child process
// with a bounded wait (cli_run.h).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli_run.h"
#include "io/columnar.h"

namespace tranche {
namespace {

namespace fs = std::filesystem;

using testing::run;

class ConvertCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tranche-convert-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "in");
    std::ofstream(dir_ / "in" / "a.csv") << "name;qty;day\nb;2;2024-01-02\na;;2024-01-01\n";
    std::ofstream(dir_ / "in" / "b.csv") << "name;qty;day\nc;5;2023-12-31\n";
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string in_glob() const { return "'" + (dir_ / "in" / "*.csv").string() + "'"; }
  fs::path dir_;
};

TEST_F(ConvertCli, ConvertsEveryFileAndReportsSizes) {
  const fs::path out = dir_ / "out";
  auto r = run("convert --from " + in_glob() + " --to " + out.string() +
               " --delimiter ';' --rows-per-batch 1");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("converted 3 rows from 2 files to " + out.string() + " (", 0), 0u) << r.out;
  EXPECT_NE(r.out.find(" MB -> "), std::string::npos) << r.out;
  auto rd = columnar_reader::open((out / "a.tcol").string());
  ASSERT_TRUE(rd.ok()) << rd.status();
  EXPECT_EQ((*rd)->num_batches(), 2u);
  EXPECT_EQ((*rd)->file_schema().fields[1].name, "qty");
  EXPECT_EQ((*rd)->file_schema().fields[1].type, type_id::int64);
  EXPECT_EQ((*rd)->file_schema().fields[2].type, type_id::date);
  EXPECT_TRUE(fs::exists(out / "b.tcol"));
}

TEST_F(ConvertCli, BadUsageExitsTwo) {
  for (const std::string args :
       {"convert", "convert --from x", "convert --to y", "convert --from x --to y --bogus",
        "convert --from x --to y --rows-per-batch 0", "convert --from x --to y --delimiter ab"}) {
    auto r = run(args);
    EXPECT_EQ(r.code, 2) << args;
    EXPECT_NE(r.err.find("usage:"), std::string::npos) << args << ": " << r.err;
  }
}

TEST_F(ConvertCli, FailuresExitOneWithOneMessage) {
  auto r = run("convert --from '" + (dir_ / "none" / "*.csv").string() + "' --to " +
               (dir_ / "out").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "tranche: error: no file matches \"" + (dir_ / "none" / "*.csv").string() + "\"\n");
  std::ofstream(dir_ / "in" / "c.csv") << "name;qty;day\nd;x;2024-01-01\n";
  r = run("convert --from " + in_glob() + " --to " + (dir_ / "out").string() + " --delimiter ';'");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "tranche: error: " + (dir_ / "in" / "c.csv").string() +
                       ":2:2: column \"qty\": expected BIGINT, got \"x\"\n");
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

}  // namespace
}  // namespace tranche
