// The daemon logger's promises: the exact line format under a fixed clock,
// level filtering, appending to a file, redaction of registered secrets, and
// whole lines when many threads write at once.
#include "daemon/log.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace tranche {
namespace {

// 2026-11-27T05:30:01.123Z
std::chrono::system_clock::time_point fixed_time() {
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 10;
  tm.tm_mday = 27;
  tm.tm_hour = 5;
  tm.tm_min = 30;
  tm.tm_sec = 1;
  return std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(123);
}

std::string temp_path(const std::string& suffix) {
  const std::string path = ::testing::TempDir() +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name() + suffix;
  std::remove(path.c_str());
  return path;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(Logger, FormatsUtcMillisecondsAndPaddedLevel) {
  logger log;
  log.set_clock(fixed_time);
  EXPECT_EQ(log.format(log_level::info, "head", "worker n2 joined (2 slots, 4 GiB)"),
            "2026-11-27T05:30:01.123Z INFO  head: worker n2 joined (2 slots, 4 GiB)\n");
  EXPECT_EQ(log.format(log_level::debug, "w", "m"), "2026-11-27T05:30:01.123Z DEBUG w: m\n");
  EXPECT_EQ(log.format(log_level::warn, "w", "m"), "2026-11-27T05:30:01.123Z WARN  w: m\n");
  EXPECT_EQ(log.format(log_level::error, "w", "m"), "2026-11-27T05:30:01.123Z ERROR w: m\n");
}

TEST(Logger, MillisecondsArePaddedAndPre1970Works) {
  logger log;
  log.set_clock([] { return std::chrono::system_clock::time_point(std::chrono::milliseconds(5)); });
  EXPECT_EQ(log.format(log_level::info, "c", "m"), "1970-01-01T00:00:00.005Z INFO  c: m\n");
  log.set_clock(
      [] { return std::chrono::system_clock::time_point(std::chrono::milliseconds(-1)); });
  EXPECT_EQ(log.format(log_level::info, "c", "m"), "1969-12-31T23:59:59.999Z INFO  c: m\n");
}

TEST(Logger, LineBreaksInAMessageStayOnOneLine) {
  logger log;
  log.set_clock(fixed_time);
  EXPECT_EQ(log.format(log_level::warn, "head", "peer said: a\nFAKE ERROR\r"),
            "2026-11-27T05:30:01.123Z WARN  head: peer said: a\\nFAKE ERROR\\r\n");
}

TEST(Logger, FiltersBelowTheMinimumLevel) {
  const std::string path = temp_path(".log");
  logger log;
  log.set_clock(fixed_time);
  ASSERT_TRUE(log.open(path, log_level::warn).ok());
  EXPECT_FALSE(log.enabled(log_level::info));
  EXPECT_TRUE(log.enabled(log_level::warn));
  log.write(log_level::debug, "c", "d");
  log.write(log_level::info, "c", "i");
  log.write(log_level::warn, "c", "w");
  log.write(log_level::error, "c", "e");
  EXPECT_EQ(read_lines(path), (std::vector<std::string>{"2026-11-27T05:30:01.123Z WARN  c: w",
                                                        "2026-11-27T05:30:01.123Z ERROR c: e"}));
}

TEST(Logger, AppendsToAnExistingFile) {
  const std::string path = temp_path(".log");
  std::ofstream(path) << "earlier line\n";
  {
    logger log;
    log.set_clock(fixed_time);
    ASSERT_TRUE(log.open(path, log_level::debug).ok());
    log.write(log_level::debug, "worker", "started");
    // Reopening (as after log rotation) keeps appending.
    ASSERT_TRUE(log.open(path, log_level::debug).ok());
    log.write(log_level::info, "worker", "again");
  }
  EXPECT_EQ(read_lines(path), (std::vector<std::string>{
                                  "earlier line", "2026-11-27T05:30:01.123Z DEBUG worker: started",
                                  "2026-11-27T05:30:01.123Z INFO  worker: again"}));
}

TEST(Logger, OpenFailureNamesTheFile) {
  logger log;
  const absl::Status s = log.open("/nonexistent-dir/x.log", log_level::info);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.message()).rfind("log-file /nonexistent-dir/x.log: cannot open", 0), 0u)
      << s;
}

TEST(Logger, RedactsRegisteredSecrets) {
  logger log;
  log.set_clock(fixed_time);
  log.add_redaction("");  // ignored: would match everywhere
  log.add_redaction("s3cr3t");
  log.add_redaction("tok-ABC");
  log.add_redaction("tok-ABCDEF");  // contains the one above: hidden whole
  EXPECT_EQ(
      log.format(log_level::info, "auth", "token tok-ABCDEF, again tok-ABC, key s3cr3ts3cr3t"),
      "2026-11-27T05:30:01.123Z INFO  auth: token [redacted], again [redacted], key "
      "[redacted][redacted]\n");
  EXPECT_EQ(log.format(log_level::info, "s3cr3t", "x"),
            "2026-11-27T05:30:01.123Z INFO  [redacted]: x\n");
}

TEST(Logger, ConcurrentWritersProduceWholeLines) {
  const std::string path = temp_path(".log");
  constexpr int threads = 4;
  constexpr int lines = 1000;
  const std::string padding(150, 'x');  // long lines make a torn write likelier
  {
    logger log;
    ASSERT_TRUE(log.open(path, log_level::info).ok());
    std::vector<std::thread> writers;
    for (int t = 0; t < threads; ++t)
      writers.emplace_back([&, t] {
        for (int i = 0; i < lines; ++i)
          log.write(log_level::info, "t" + std::to_string(t),
                    "line " + std::to_string(i) + " " + padding + " end");
      });
    for (std::thread& w : writers) w.join();
  }
  const std::vector<std::string> got = read_lines(path);
  ASSERT_EQ(got.size(), static_cast<size_t>(threads * lines));
  std::set<std::pair<int, int>> seen;
  for (const std::string& line : got) {
    // "<24-char time> INFO  t<T>: line <I> <padding> end"
    ASSERT_EQ(line.size() > 31 && line[24] == ' ', true) << line;
    std::istringstream in(line.substr(25));
    std::string level, component, word, pad, end;
    int i = -1;
    in >> level >> component >> word >> i >> pad >> end;
    ASSERT_EQ(level, "INFO") << line;
    ASSERT_EQ(word, "line") << line;
    ASSERT_EQ(pad, padding) << line;
    ASSERT_EQ(end, "end") << line;
    ASSERT_TRUE(in.eof() || in.peek() == EOF) << line;
    ASSERT_EQ(component.size(), 3u) << line;
    seen.emplace(component[1] - '0', i);
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(threads * lines));  // each line exactly once
}

TEST(Logger, GlobalHelpersWriteThroughGet) {
  const std::string path = temp_path(".log");
  logger& log = logger::get();
  ASSERT_TRUE(log.open(path, log_level::debug).ok());
  log.set_clock(fixed_time);
  log_debug("d", "1");
  log_info("i", "2");
  log_warn("w", "3");
  log_error("e", "4");
  log.set_clock(nullptr);
  ASSERT_TRUE(log.open("", log_level::info).ok());  // back to stderr for other tests
  EXPECT_EQ(read_lines(path), (std::vector<std::string>{
                                  "2026-11-27T05:30:01.123Z DEBUG d: 1",
                                  "2026-11-27T05:30:01.123Z INFO  i: 2",
                                  "2026-11-27T05:30:01.123Z WARN  w: 3",
                                  "2026-11-27T05:30:01.123Z ERROR e: 4",
                              }));
}

TEST(LogLevel, ParsesNamesCaseInsensitively) {
  EXPECT_EQ(*parse_log_level("debug"), log_level::debug);
  EXPECT_EQ(*parse_log_level("INFO"), log_level::info);
  EXPECT_EQ(*parse_log_level("Warn"), log_level::warn);
  EXPECT_EQ(*parse_log_level("warning"), log_level::warn);
  EXPECT_EQ(*parse_log_level("error"), log_level::error);
  EXPECT_EQ(parse_log_level("trace").status().message(),
            "expected one of debug, info, warn, error, got \"trace\"");
  for (log_level l : {log_level::debug, log_level::info, log_level::warn, log_level::error})
    EXPECT_EQ(*parse_log_level(log_level_name(l)), l);
}

}  // namespace
}  // namespace tranche

namespace tranche {
namespace {

TEST(Logger, SessionTokensNeverReachALine) {
  logger log;
  const std::string line = log.format(
      log_level::warn, "kernel", "refused Bearer trs_0123456789abcdef0123456789abcdef for s-1");
  EXPECT_EQ(line.find("0123456789abcdef"), std::string::npos) << line;
  EXPECT_NE(line.find("Bearer trs_<redacted> for s-1"), std::string::npos) << line;
}

}  // namespace
}  // namespace tranche
