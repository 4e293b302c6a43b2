// Limits against hostile or oversized input, on a head started with small
// ones (max-message-size 64KiB, max-program-size 8KiB, max-result-size
// 256KiB) and one worker: a peer claiming a 4 GiB message gets its
// connection closed before anything is allocated; a client sending a message
// past max-message-size loses only its own connection; a program past
// max-program-size and a result past max-result-size fail with errors naming
// the limit. After each, the daemon is alive, its ledger whole, and the next
// program runs.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <string>

#include "daemon_fixture.h"

namespace {

using namespace tranche_test;
using namespace std::chrono_literals;

class Limits : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(run(bin("tranche") + " gen sample --rows 20000 --files 2 --out " +
                  (c_.dir() / "t").string() + " > /dev/null")
                  .first,
              0);
    ASSERT_TRUE(c_.start(1, {"--max-message-size", "64KiB", "--max-program-size", "8KiB",
                             "--max-result-size", "256KiB"}))
        << slurp(c_.head_log());
  }

  std::vector<tranche::table_binding> tables() const {
    return {{"t", (c_.dir() / "t").string() + "/*.csv"}};
  }

  // The daemon still serves a new client, and nothing of the refused
  // program holds capacity.
  void expect_head_serves() {
    auto sdk = tranche::cluster::connect(c_.address(), c_.key());
    ASSERT_TRUE(sdk.ok()) << sdk.status();
    auto r = (*sdk)->run_sql("SELECT count(*) AS n FROM t", tables());
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->batches.at(0).columns.at(0)->i64()[0], 20000);
    tranche::ledger_totals l;
    EXPECT_TRUE(daemon_cluster::ledger_whole(**sdk, 10s, &l)) << l.leases << " leases";
  }

  static int64_t rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
    return -1;
  }

  daemon_cluster c_{"tranche-limits"};
};

TEST_F(Limits, AHandshakeClaimingFourGibIsRefusedWithoutAllocatingIt) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(c_.address().substr(10))));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << strerror(errno);
  // A BASP header (network byte order): client_handshake, payload 0xFFFFFFF0 bytes.
  unsigned char header[32] = {0x01, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xF0};
  ASSERT_EQ(send(fd, header, sizeof header, MSG_NOSIGNAL), 32);
  ASSERT_TRUE(wait_for(c_.head_log(), "over the 65536-byte limit")) << slurp(c_.head_log());
  ASSERT_EQ(send(fd, "x", 1, MSG_NOSIGNAL), 1);
  // The head closes the connection: read what it sent until EOF, bounded.
  bool closed = false;
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!closed && std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    closed = n <= 0;
  }
  close(fd);
  EXPECT_TRUE(closed) << "the head kept the connection open";
  // Before the guard this head allocated and zeroed all 4 GiB.
  EXPECT_LT(rss_kib(c_.head_pid()), 512 * 1024);
  expect_head_serves();
}

TEST_F(Limits, AMessageOverMaxMessageSizeClosesOnlyItsConnection) {
  auto sdk = tranche::cluster::connect(c_.address(), c_.key());
  ASSERT_TRUE(sdk.ok()) << sdk.status();
  // 100 KB of SQL: the submit message is over 64 KiB.
  const std::string sql = "SELECT count(*) FROM t WHERE flag <> '" + std::string(100000, 'x') + "'";
  auto r = (*sdk)->run_sql(sql, tables());
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(wait_for(c_.head_log(), "(max-message-size): closing the connection"))
      << slurp(c_.head_log());
  expect_head_serves();
}

TEST_F(Limits, AProgramOverMaxProgramSizeFailsNamingTheLimit) {
  auto sdk = tranche::cluster::connect(c_.address(), c_.key());
  ASSERT_TRUE(sdk.ok()) << sdk.status();
  const std::string sql = "SELECT count(*) FROM t WHERE flag <> '" + std::string(20000, 'x') + "'";
  auto r = (*sdk)->run_sql(sql, tables());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bytes; this cluster accepts at most 8KiB (max-program-size)"),
            std::string::npos)
      << r.status();
  expect_head_serves();
}

TEST_F(Limits, AResultOverMaxResultSizeFailsInsteadOfFillingTheClient) {
  auto sdk = tranche::cluster::connect(c_.address(), c_.key());
  ASSERT_TRUE(sdk.ok()) << sdk.status();
  auto r = (*sdk)->run_sql("SELECT * FROM t", tables());  // about 700 KB
  ASSERT_FALSE(r.ok()) << r->rows << " rows came back";
  EXPECT_NE(r.status().message().find("the result is larger than max-result-size (256KiB)"),
            std::string::npos)
      << r.status();
  // A result under the limit is whole.
  auto small = (*sdk)->run_sql("SELECT * FROM t ORDER BY key LIMIT 1000", tables());
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(small->rows, 1000u);
  expect_head_serves();
}

}  // namespace
