// The head daemon's table catalog across restarts: a table created through
// the remote CLI is still there, and queryable, after the head is stopped
// with SIGTERM and started again on the same work-dir; a catalog file that
// is not one stops the head with a clear log line. Every process is started
// on an ephemeral port and killed by pid.
#include <gtest/gtest.h>

#include <regex>

#include "process_util.h"

namespace {

namespace fs = std::filesystem;
using namespace tranche_test;
using namespace std::chrono_literals;

class CatalogDaemon : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tranche-catalog-daemon-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write_secret(dir_ / "cluster.key", "0123456789abcdef0123456789abcdef");
    ASSERT_EQ(run(bin("tranche") + " gen sample --rows 5000 --files 3 --out " +
                  (dir_ / "t").string() + " > /dev/null")
                  .first,
              0);
  }
  void TearDown() override {
    stop(head_pid_);
    fs::remove_all(dir_);
  }

  // Starts a head on work-dir dir_/work; true once it listens (port_ set).
  bool start_head(const std::string& log, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{bin("tranched"),
                                  "--role",
                                  "head",
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--slots",
                                  "2",
                                  "--memory",
                                  "1GiB",
                                  "--secret-file",
                                  (dir_ / "cluster.key").string(),
                                  "--work-dir",
                                  (dir_ / "work").string(),
                                  "--log-file",
                                  (dir_ / log).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    head_pid_ = spawn(std::move(args));
    if (head_pid_ <= 0 || !wait_for(dir_ / log, "listening on 127.0.0.1:")) return false;
    std::smatch m;
    const std::string text = slurp(dir_ / log);
    if (!std::regex_search(text, m, std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)")))
      return false;
    port_ = m[1];
    return true;
  }

  // SIGTERM, then waits (bounded) for exit 0.
  void stop_head() {
    ASSERT_GT(head_pid_, 0);
    kill(head_pid_, SIGTERM);
    int status = 0;
    pid_t done = 0;
    for (int i = 0; i < 200 && (done = waitpid(head_pid_, &status, WNOHANG)) == 0; ++i)
      std::this_thread::sleep_for(50ms);
    ASSERT_EQ(done, head_pid_);
    head_pid_ = -1;
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }

  std::pair<int, std::string> sql(const std::string& query) {
    return run(bin("tranche") + " sql --format csv --cluster 127.0.0.1:" + port_ +
               " --secret-file " + (dir_ / "cluster.key").string() + " \"" + query + "\" 2>&1");
  }

  fs::path dir_;
  std::string port_;
  pid_t head_pid_ = -1;
};

TEST_F(CatalogDaemon, TablesSurviveAHeadRestart) {
  ASSERT_TRUE(start_head("head1.log"));
  const std::string location = (dir_ / "t" / "*.csv").string();
  auto created =
      sql("CREATE EXTERNAL TABLE sales (key BIGINT, price DECIMAL(15,2), quantity "
          "INTEGER, shipdate DATE, flag CHAR(1)) LOCATION '" +
          location + "' FORMAT CSV HEADER");
  ASSERT_EQ(created.first, 0) << created.second;
  EXPECT_EQ(created.second, "result\n\"created table \"\"sales\"\" (5 columns, 3 files)\"\n");
  const std::string query =
      "SELECT flag, count(*), sum(quantity) FROM sales GROUP BY flag "
      "ORDER BY flag";
  auto before = sql(query);
  ASSERT_EQ(before.first, 0) << before.second;
  auto total = sql("SELECT count(*) AS n FROM SALES");
  ASSERT_EQ(total.first, 0) << total.second;
  EXPECT_EQ(total.second, "n\n5000\n");

  stop_head();
  EXPECT_TRUE(fs::exists(dir_ / "work" / "catalog.db"));  // the default place
  // The same file again, this time named with the `catalog` key.
  ASSERT_TRUE(start_head("head2.log", {"--catalog", (dir_ / "work" / "catalog.db").string()}));
  EXPECT_TRUE(wait_for(dir_ / "head2.log", "catalog.db: 1 table(s)"));
  auto shown = sql("SHOW TABLES");
  ASSERT_EQ(shown.first, 0) << shown.second;
  EXPECT_EQ(shown.second, "name,format,location\nsales,csv," + location + "\n");
  auto after = sql(query);
  ASSERT_EQ(after.first, 0) << after.second;
  EXPECT_EQ(after.second, before.second);
  auto described = sql("DESCRIBE sales");
  ASSERT_EQ(described.first, 0) << described.second;
  EXPECT_NE(described.second.find("price,DOUBLE,\"DECIMAL(15,2)\""), std::string::npos)
      << described.second;
  auto dropped = sql("DROP TABLE sales");
  ASSERT_EQ(dropped.first, 0) << dropped.second;
  auto gone = sql("SELECT count(*) FROM sales");
  EXPECT_EQ(gone.first, 1);
  EXPECT_NE(gone.second.find("line 1, column 22: unknown table \"sales\""), std::string::npos)
      << gone.second;
}

TEST_F(CatalogDaemon, AHeadWithAnUnreadableCatalogDoesNotStart) {
  fs::create_directories(dir_ / "work");
  std::ofstream(dir_ / "work" / "catalog.db") << std::string(4096, 'x');
  head_pid_ = spawn({bin("tranched"), "--role", "head", "--listen", "127.0.0.1:0", "--secret-file",
                     (dir_ / "cluster.key").string(), "--work-dir", (dir_ / "work").string(),
                     "--log-file", (dir_ / "bad.log").string()});
  ASSERT_GT(head_pid_, 0);
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < 200 && (done = waitpid(head_pid_, &status, WNOHANG)) == 0; ++i)
    std::this_thread::sleep_for(50ms);
  ASSERT_EQ(done, head_pid_);
  head_pid_ = -1;
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  const std::string log = slurp(dir_ / "bad.log");
  EXPECT_NE(log.find("catalog " + (dir_ / "work" / "catalog.db").string()), std::string::npos)
      << log;
  EXPECT_NE(log.find("not a database"), std::string::npos) << log;
}

}  // namespace
