// Multi-process tests of mutual TLS: a head and a worker with certificates of
// a CA the test makes with the `openssl` command-line tool, on ephemeral
// loopback ports, driven through the `tranche` CLI. Programs over TLS give the
// same rows as on the embedded cluster; a plaintext worker or client, a
// certificate of another CA and a TLS worker meeting a plaintext head are all
// refused within a bound, and none of it disturbs the workers already joined.
// Every process is started here and killed by pid at the end, every wait is
// bounded, the temporary directory is removed.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "process_util.h"
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>


namespace {

namespace fs = std::filesystem;
using namespace tranche_test;
using namespace std::chrono_literals;



// The openssl configuration the certificates are made with, so that the
// test does not depend on the machine's /etc/ssl/openssl.cnf.
constexpr const char* kOpensslConfig = R"([req]
distinguished_name = dn
prompt = no
x509_extensions = ca
[dn]
CN = tranche test
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[member]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth, clientAuth
)";

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (run("openssl version > /dev/null 2>&1").first != 0)
      GTEST_SKIP() << "the openssl command-line tool is missing (tools/setup installs it)";
    dir_ = fs::temp_directory_path() / ("tranche-tls-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "openssl.cnf") << kOpensslConfig;
    ASSERT_TRUE(make_ca("ca"));
    ASSERT_TRUE(make_ca("otherca"));
    for (const char* name : {"node", "client"}) ASSERT_TRUE(make_member(name, "ca"));
    ASSERT_TRUE(make_member("rogue", "otherca"));
    // Trusts both CAs, so that the rogue worker accepts the head and it is
    // the head that must refuse the rogue's certificate.
    std::ofstream(dir_ / "both-cas.pem") << slurp(dir_ / "ca.pem") << slurp(dir_ / "otherca.pem");
    std::ofstream(dir_ / "cluster.key") << "0123456789abcdef0123456789abcdef\n";
    chmod((dir_ / "cluster.key").c_str(), 0600);
    ASSERT_EQ(run(bin("tranche") + " gen sample --rows 50000 --files 4 --out " +
                  (dir_ / "t").string() + " > /dev/null")
                  .first,
              0);
    head_pid_ = start_head(tls("node", "ca"), "head.log");
    port_ = listening_port("head.log");
    ASSERT_FALSE(port_.empty()) << slurp(dir_ / "head.log");
    pids_.push_back(start_worker(port_, tls("node", "ca"), "w.log"));
    ASSERT_TRUE(wait_for(dir_ / "head.log", "node 2 joined")) << slurp(dir_ / "w.log");
  }

  void TearDown() override {
    for (pid_t p : pids_) stop(p);
    stop(head_pid_);
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string path(const std::string& file) const { return (dir_ / file).string(); }

  bool openssl(const std::string& args) {
    return run("openssl " + args + " > /dev/null 2>&1").first == 0;
  }
  bool make_ca(const std::string& name) {
    return openssl(
        "req -config " + path("openssl.cnf") +
        " -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=" + name +
        " -keyout " + path(name + ".key") + " -out " + path(name + ".pem"));
  }
  bool make_member(const std::string& name, const std::string& ca) {
    const bool ok =
        openssl("req -config " + path("openssl.cnf") +
                " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=" + name +
                " -keyout " + path(name + ".key") + " -out " + path(name + ".csr")) &&
        openssl("x509 -req -in " + path(name + ".csr") + " -CA " + path(ca + ".pem") + " -CAkey " +
                path(ca + ".key") + " -CAcreateserial -days 2 -extfile " + path("openssl.cnf") +
                " -extensions member -out " + path(name + ".pem"));
    // tranched refuses a private key others can read, as it does the secret.
    chmod(path(name + ".key").c_str(), 0600);
    return ok;
  }

  // The TLS flags for certificate `name` trusting `ca`.
  std::vector<std::string> tls(const std::string& name, const std::string& ca) const {
    return {"--tls-certificate", path(name + ".pem"), "--tls-key",
            path(name + ".key"), "--tls-ca",          path(ca + ".pem")};
  }
  std::string tls_flags(const std::string& name, const std::string& ca) const {
    std::string out;
    for (const auto& a : tls(name, ca)) out += " " + a;
    return out;
  }

  pid_t start(std::vector<std::string> args, const std::string& log) {
    std::vector<std::string> argv_s{bin("tranched")};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    for (const char* a : {"--slots", "1", "--memory", "1GiB", "--secret-file"}) argv_s.push_back(a);
    argv_s.push_back(path("cluster.key"));
    argv_s.push_back("--log-file");
    argv_s.push_back(path(log));
    return spawn(std::move(argv_s));
  }
  pid_t start_head(std::vector<std::string> tls_args, const std::string& log) {
    std::vector<std::string> args{"--role", "head", "--listen", "127.0.0.1:0"};
    args.insert(args.end(), tls_args.begin(), tls_args.end());
    return start(args, log);
  }
  pid_t start_worker(const std::string& port, std::vector<std::string> tls_args,
                     const std::string& log) {
    std::vector<std::string> args{"--role", "worker", "--join", "127.0.0.1:" + port};
    args.insert(args.end(), tls_args.begin(), tls_args.end());
    return start(args, log);
  }
  // The port a head logged it listens on, or "" after 10 s.
  std::string listening_port(const std::string& log) {
    if (!wait_for(dir_ / log, "listening on 127.0.0.1:")) return "";
    std::smatch m;
    const std::string text = slurp(dir_ / log);
    if (!std::regex_search(text, m, std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)"))) return "";
    return m[1];
  }
  // The exit code of `pid` once it exits within `bound`; -1 (and the process
  // killed) if it does not.
  static int exit_code_within(pid_t pid, std::chrono::milliseconds bound) {
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid, &status, WNOHANG) == pid)
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      std::this_thread::sleep_for(20ms);
    }
    stop(pid);
    return -1;
  }
  std::string sql(const std::string& where, const std::string& query) {
    return bin("tranche") + " sql --format csv " + where + " --table 't=" + path("t") +
           "/*.csv' \"" + query + "\"";
  }
  std::string remote(const std::string& port) {
    return "--cluster 127.0.0.1:" + port + " --secret-file " + path("cluster.key");
  }
  // A worker that must not get in: it exits 1 within 15 s (the connect waits
  // are bounded by 10 s) with `why` in its log.
  void expect_refused_worker(const std::string& port, std::vector<std::string> tls_args,
                             const std::string& log, const std::string& why) {
    const pid_t w = start_worker(port, std::move(tls_args), log);
    ASSERT_GT(w, 0);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(exit_code_within(w, 15s), 1) << slurp(dir_ / log);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 12s);
    EXPECT_NE(slurp(dir_ / log).find(why), std::string::npos) << slurp(dir_ / log);
  }
  // The joined worker is still node 2 and alive: refused or finished peers
  // must not take healthy connections down with them (CAF 0.17's openssl
  // module did, through OpenSSL's shared error queue; actors/transport.cc).
  void expect_head_undisturbed() {
    std::this_thread::sleep_for(1s);  // twice the connection timeout
    const std::string head = slurp(dir_ / "head.log");
    EXPECT_EQ(head.find("node 3 joined"), std::string::npos) << head;
    EXPECT_EQ(head.find("is dead"), std::string::npos) << head;
  }

  fs::path dir_;
  std::string port_;
  pid_t head_pid_ = -1;
  std::vector<pid_t> pids_;
};

TEST_F(Tls, ProgramsGiveTheSameRowsAsTheEmbeddedCluster) {
  EXPECT_NE(slurp(dir_ / "head.log").find("TLS on"), std::string::npos);
  EXPECT_NE(slurp(dir_ / "head.log").find("(TLS)"), std::string::npos);
  EXPECT_NE(slurp(dir_ / "w.log").find("TLS on"), std::string::npos);
  for (const std::string q :
       {"SELECT flag, sum(price) AS revenue, avg(quantity), count(*) FROM t WHERE shipdate < DATE "
        "'1998-09-02' GROUP BY flag ORDER BY flag",
        "SELECT key, count(*) FROM t GROUP BY key ORDER BY key LIMIT 50",
        "SELECT key, price FROM t WHERE quantity = 7 ORDER BY price DESC, key LIMIT 20"}) {
    auto local = run(sql("--local 2", q));
    auto cluster = run(sql(remote(port_) + tls_flags("client", "ca"), q));
    ASSERT_EQ(local.first, 0) << q;
    ASSERT_EQ(cluster.first, 0) << q;
    EXPECT_EQ(cluster.second, local.second) << q;
    EXPECT_NE(cluster.second.find('\n'), std::string::npos);
  }
  // The environment instead of flags.
  auto env = run("env TRANCHE_TLS_CERTIFICATE=" + path("client.pem") +
                 " TRANCHE_TLS_KEY=" + path("client.key") + " TRANCHE_TLS_CA=" + path("ca.pem") +
                 " " + sql(remote(port_), "SELECT count(*) FROM t"));
  EXPECT_EQ(env.first, 0);
  EXPECT_EQ(env.second, "count(*)\n50000\n");
  expect_head_undisturbed();
}

TEST_F(Tls, APlaintextWorkerOrClientIsRefused) {
  expect_refused_worker(port_, {}, "plain.log", "it requires TLS");
  auto client = run(sql(remote(port_), "SELECT count(*) FROM t") + " 2>&1");
  EXPECT_EQ(client.first, 1);
  EXPECT_NE(client.second.find("cannot reach the head at 127.0.0.1:" + port_ + ": it requires TLS"),
            std::string::npos)
      << client.second;
  // Not even a bare TCP connection that hangs up (a port scan) hurts.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(std::stoi(port_)));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  close(fd);
  expect_head_undisturbed();
}

TEST_F(Tls, ACertificateOfAnotherCaIsRefused) {
  // A node of another cluster: it refuses the head's certificate.
  expect_refused_worker(port_, tls("rogue", "otherca"), "rogue1.log",
                        "its certificate does not verify against tls-ca");
  // Trusting both CAs it accepts the head, and the head refuses it.
  expect_refused_worker(port_, tls("rogue", "both-cas"), "rogue2.log",
                        "it refused this side's certificate");
  EXPECT_NE(slurp(dir_ / "rogue2.log").find("unknown ca"), std::string::npos);
  // With the cluster's CA, its own certificate is refused before it connects.
  expect_refused_worker(port_, tls("rogue", "ca"), "rogue3.log",
                        "rogue.pem\" does not verify against tls-ca");
  auto client =
      run(sql(remote(port_) + tls_flags("rogue", "both-cas"), "SELECT 1 FROM t") + " 2>&1");
  EXPECT_EQ(client.first, 1);
  EXPECT_NE(client.second.find("it refused this side's certificate"), std::string::npos)
      << client.second;
  // The head, checked without tranche's client code: no certificate, no entry.
  auto bare = run("openssl s_client -ign_eof -connect 127.0.0.1:" + port_ + " -CAfile " +
                  path("ca.pem") + " < /dev/null 2>&1");
  EXPECT_NE(bare.second.find("alert certificate required"), std::string::npos) << bare.second;
  expect_head_undisturbed();
}

TEST_F(Tls, ATlsWorkerOrClientRefusesAPlaintextHead) {
  const pid_t plain = start_head({}, "plain-head.log");
  pids_.push_back(plain);
  const std::string port = listening_port("plain-head.log");
  ASSERT_FALSE(port.empty());
  EXPECT_NE(slurp(dir_ / "plain-head.log").find("TLS off"), std::string::npos);
  expect_refused_worker(port, tls("node", "ca"), "w-plain.log", "it does not speak TLS");
  auto client = run(sql(remote(port) + tls_flags("client", "ca"), "SELECT 1 FROM t") + " 2>&1");
  EXPECT_EQ(client.first, 1);
  EXPECT_NE(client.second.find("it does not speak TLS"), std::string::npos) << client.second;
  EXPECT_EQ(slurp(dir_ / "plain-head.log").find("joined"), std::string::npos);
}

TEST_F(Tls, BadFilesFailAtStartupNamingTheFile) {
  // Exit 1, as for an unreadable secret file, with the file in the log.
  const pid_t head = start_head({"--tls-certificate", path("missing.pem"), "--tls-key",
                                 path("node.key"), "--tls-ca", path("ca.pem")},
                                "bad-head.log");
  EXPECT_EQ(exit_code_within(head, 10s), 1);
  EXPECT_NE(slurp(dir_ / "bad-head.log")
                .find("tls-certificate \"" + path("missing.pem") + "\": cannot open"),
            std::string::npos)
      << slurp(dir_ / "bad-head.log");
  expect_refused_worker(port_,
                        {"--tls-certificate", path("node.pem"), "--tls-key", path("client.key"),
                         "--tls-ca", path("ca.pem")},
                        "bad-key.log",
                        "tls-key \"" + path("client.key") + "\" is not the key of tls-certificate");
  // Half the TLS keys is a configuration error (exit 2, on stderr).
  auto half = run(bin("tranched") + " --role worker --join 127.0.0.1:" + port_ + " --secret-file " +
                  path("cluster.key") + " --tls-certificate " + path("node.pem") + " 2>&1");
  EXPECT_EQ(half.first, 2);
  EXPECT_NE(half.second.find("missing tls-key, tls-ca"), std::string::npos) << half.second;
  auto client = run(sql(remote(port_) + " --tls-certificate " + path("client.pem") + " --tls-key " +
                            path("client.key") + " --tls-ca " + path("missing-ca.pem"),
                        "SELECT 1 FROM t") +
                    " 2>&1");
  EXPECT_EQ(client.first, 1);
  EXPECT_NE(client.second.find("tls-ca \"" + path("missing-ca.pem") + "\": cannot open"),
            std::string::npos)
      << client.second;
  expect_head_undisturbed();
}

TEST_F(Tls, FilesChangedAfterStartupDoNotMatter) {
  // CAF reads the files for every connection and threw (aborting the head)
  // when they had gone; the daemons read them once, at startup.
  std::ofstream(dir_ / "node.pem", std::ios::trunc) << "garbage\n";
  fs::remove(dir_ / "node.key");
  auto r = run(sql(remote(port_) + tls_flags("client", "ca"), "SELECT count(*) FROM t"));
  EXPECT_EQ(r.first, 0);
  EXPECT_EQ(r.second, "count(*)\n50000\n");
  EXPECT_EQ(waitpid(head_pid_, nullptr, WNOHANG), 0);  // still running
  expect_head_undisturbed();
}

TEST_F(Tls, SigtermStopsTlsDaemonsEvenWithAPeerStuckInItsHandshake) {
  // CAF 0.17 never closes a TLS connection whose peer stays silent, and
  // waits for it when stopping; tranched bounds that wait.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(std::stoi(port_)));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  for (pid_t* p : {&pids_[0], &head_pid_}) {
    kill(*p, SIGTERM);
    EXPECT_EQ(exit_code_within(*p, 15s), 0);
    *p = -1;
  }
  close(fd);
  EXPECT_NE(slurp(dir_ / "w.log").find("drained: no task running"), std::string::npos);
}

}  // namespace
