// tranched's configuration as a user meets it: every key from a file, the
// file syntax, flags over the file, the exact error texts (with file and line),
// the cross-field rules, and the size and duration parsers' edge cases.
#include "daemon/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

namespace tranche {
namespace {

// gmock is not linked here; this is HasSubstr with a readable failure.
::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" lacks \"" << part << "\"";
}

// A config file under the test's temp dir, named after the running test.
std::string write_file(const std::string& text) {
  const std::string path = ::testing::TempDir() +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                           ".conf";
  std::ofstream(path, std::ios::trunc) << text;
  return path;
}

std::string error_of(const absl::StatusOr<daemon_config>& r) {
  return r.ok() ? "(ok)" : std::string(r.status().message());
}

daemon_config valid_head() {
  daemon_config c;
  c.role = daemon_role::head;
  c.secret_file = "/etc/tranche/cluster.key";
  return c;
}

TEST(Config, DefaultsAreDocumented) {
  daemon_config c;
  EXPECT_EQ(c.role, daemon_role::unset);
  EXPECT_EQ(c.listen, "127.0.0.1:7400");
  EXPECT_EQ(c.executor_port, 0);
  EXPECT_EQ(c.slots, default_slots());
  EXPECT_GE(c.slots, 1);
  EXPECT_EQ(c.memory, int64_t{4} << 30);
  EXPECT_EQ(c.log_level, log_level::info);
  EXPECT_EQ(c.heartbeat_interval_ms, 100);
  EXPECT_EQ(c.connection_timeout_ms, 500);
  EXPECT_EQ(c.drain_timeout_ms, 30000);
  EXPECT_TRUE(c.log_file.empty());
}

TEST(Config, ReadsEveryKeyFromAFile) {
  const std::string path = write_file(
      "role = worker\n"
      "listen = 0.0.0.0:7500\n"
      "join = head.example:7400\n"
      "advertise = 10.0.0.7\n"
      "executor-port = 7401\n"
      "secret-file = /etc/tranche/cluster.key\n"
      "slots = 6\n"
      "memory = 8GiB\n"
      "log-file = /var/log/tranched.log\n"
      "log-level = debug\n"
      "heartbeat-interval = 250ms\n"
      "connection-timeout = 2s\n"
      "tls-certificate = /etc/tranche/node.pem\n"
      "tls-key = /etc/tranche/node.key\n"
      "tls-ca = /etc/tranche/ca.pem\n"
      "work-dir = /srv/tranche\n"
      "drain-timeout = 1m\n");
  absl::StatusOr<daemon_config> c = load_config(path);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->role, daemon_role::worker);
  EXPECT_EQ(c->listen, "0.0.0.0:7500");
  EXPECT_EQ(c->join, "head.example:7400");
  EXPECT_EQ(c->advertise, "10.0.0.7");
  EXPECT_EQ(c->executor_port, 7401);
  EXPECT_EQ(c->secret_file, "/etc/tranche/cluster.key");
  EXPECT_EQ(c->slots, 6);
  EXPECT_EQ(c->memory, int64_t{8} << 30);
  EXPECT_EQ(c->log_file, "/var/log/tranched.log");
  EXPECT_EQ(c->log_level, log_level::debug);
  EXPECT_EQ(c->heartbeat_interval_ms, 250);
  EXPECT_EQ(c->connection_timeout_ms, 2000);
  EXPECT_EQ(c->tls_certificate, "/etc/tranche/node.pem");
  EXPECT_EQ(c->tls_key, "/etc/tranche/node.key");
  EXPECT_EQ(c->tls_ca, "/etc/tranche/ca.pem");
  EXPECT_EQ(c->work_dir, "/srv/tranche");
  EXPECT_EQ(c->drain_timeout_ms, 60000);
  EXPECT_TRUE(validate(*c).ok()) << validate(*c);
}

TEST(Config, CommentsQuotesAndBlankLines) {
  const std::string path = write_file(
      "# tranched head\n"
      "\n"
      "   \n"
      "  role=head   # trailing comment\r\n"
      "secret-file = \"/etc/tranche/my key#1\"  # quoted keeps '#' and spaces\n"
      "work-dir = /data/run#3\n"
      "log-file = \"say \\\"hi\\\" \\\\ bye\"\n"
      "  # indented comment\n"
      "advertise = \"node-1\"\n");
  absl::StatusOr<daemon_config> c = load_config(path);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->role, daemon_role::head);
  EXPECT_EQ(c->secret_file, "/etc/tranche/my key#1");
  EXPECT_EQ(c->work_dir, "/data/run#3");
  EXPECT_EQ(c->log_file, "say \"hi\" \\ bye");
  EXPECT_EQ(c->advertise, "node-1");
}

TEST(Config, UnknownKeySuggestsTheClosest) {
  const std::string path = write_file("role = head\n# x\nslot = 4\n");
  EXPECT_EQ(error_of(load_config(path)),
            path + ":3: unknown key \"slot\" (did you mean \"slots\"?)");

  const std::string underscored = write_file("secret_file = /k\n");
  EXPECT_EQ(error_of(load_config(underscored)),
            underscored + ":1: unknown key \"secret_file\" (did you mean \"secret-file\"?)");

  // Nothing close: no misleading suggestion.
  const std::string far = write_file("banana = 1\n");
  EXPECT_EQ(error_of(load_config(far)), far + ":1: unknown key \"banana\"");
}

TEST(Config, BadValuesNameKeyLineAndValue) {
  struct bad_case {
    std::string line;
    std::string error;  // after "PATH:2: "
  };
  const std::vector<bad_case> cases = {
      {"memory = 4XB", "memory: expected a size like 4GiB, got \"4XB\""},
      {"slots = x", "slots: expected a positive integer, got \"x\""},
      {"slots = 0", "slots: expected a positive integer, got \"0\""},
      {"role = boss", "role: expected head or worker, got \"boss\""},
      {"listen = localhost", "listen: expected host:port with port 0..65535, got \"localhost\""},
      {"join = h:99999", "join: expected host:port with port 0..65535, got \"h:99999\""},
      {"executor-port = -1", "executor-port: expected a port 0..65535, got \"-1\""},
      {"heartbeat-interval = fast",
       "heartbeat-interval: expected a duration like 250ms, 2s, 1m or 30d, got \"fast\""},
      {"log-level = loud", "log-level: expected one of debug, info, warn, error, got \"loud\""},
      {"secret-file = \"/k", "secret-file: unterminated quote in \"\"/k\""},
      {"secret-file = \"/k\" x", "secret-file: unexpected \"x\" after the closing quote"},
      {"just words", "expected \"key = value\", got \"just words\""},
      {"= 4", "expected \"key = value\", got \"= 4\""},
  };
  for (const bad_case& bc : cases) {
    const std::string path = write_file("# tranched\n" + bc.line + "\n");
    EXPECT_EQ(error_of(load_config(path)), path + ":2: " + bc.error) << bc.line;
  }
}

TEST(Config, KeySetTwiceIsAnError) {
  const std::string path = write_file("slots = 2\nrole = head\nslots = 3\n");
  EXPECT_EQ(error_of(load_config(path)), path + ":3: slots: set again (first set on line 1)");
}

TEST(Config, MissingFileNamesThePath) {
  absl::StatusOr<daemon_config> c = load_config("/nonexistent/tranched.conf");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(contains(std::string(error_of(c)), "/nonexistent/tranched.conf: cannot open"));
}

TEST(Flags, OverrideTheFileInBothForms) {
  const std::string path =
      write_file("role = head\nsecret-file = /k\nslots = 2\nmemory = 1GiB\nlog-level = warn\n");
  const std::vector<std::string> args = {"--config",
                                         path,
                                         "--slots",
                                         "8",
                                         "--memory=2GiB",
                                         "--log-level=debug",
                                         "--heartbeat-interval",
                                         "1s",
                                         "--connection-timeout=5s"};
  absl::StatusOr<std::string> config_path = config_flag(args);
  ASSERT_TRUE(config_path.ok());
  EXPECT_EQ(*config_path, path);
  absl::StatusOr<daemon_config> c = load_config(*config_path);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(apply_flags(&*c, args).ok()) << apply_flags(&*c, args);
  EXPECT_EQ(c->slots, 8);
  EXPECT_EQ(c->memory, int64_t{2} << 30);
  EXPECT_EQ(c->log_level, log_level::debug);
  EXPECT_EQ(c->heartbeat_interval_ms, 1000);
  EXPECT_EQ(c->connection_timeout_ms, 5000);
  EXPECT_EQ(c->secret_file, "/k");  // untouched by flags
  EXPECT_EQ(c->role, daemon_role::head);
}

TEST(Flags, ValueMayContainEqualsAndBeEmpty) {
  daemon_config c;
  ASSERT_TRUE(apply_flags(&c, {"--secret-file=/a=b", "--log-file="}).ok());
  EXPECT_EQ(c.secret_file, "/a=b");
  EXPECT_EQ(c.log_file, "");
}

TEST(Flags, ErrorTexts) {
  daemon_config c;
  EXPECT_EQ(apply_flags(&c, {"--slots", "x"}).message(),
            "--slots: expected a positive integer, got \"x\"");
  EXPECT_EQ(apply_flags(&c, {"--slots=x"}).message(),
            "--slots: expected a positive integer, got \"x\"");
  EXPECT_EQ(apply_flags(&c, {"--foo", "1"}).message(), "unknown flag --foo");
  EXPECT_EQ(apply_flags(&c, {"--foo"}).message(), "unknown flag --foo");
  EXPECT_EQ(apply_flags(&c, {"--memroy=1GiB"}).message(),
            "unknown flag --memroy (did you mean --memory?)");
  EXPECT_EQ(apply_flags(&c, {"--slots"}).message(), "--slots: missing value");
  EXPECT_EQ(apply_flags(&c, {"head"}).message(), "unexpected argument \"head\"");
  EXPECT_EQ(apply_flags(&c, {"-slots", "2"}).message(), "unexpected argument \"-slots\"");
  EXPECT_EQ(config_flag({"--config"}).status().message(), "--config: missing value");
  EXPECT_EQ(*config_flag({"--slots", "2"}), "");
  EXPECT_EQ(*config_flag({"--config=/x.conf"}), "/x.conf");
}

TEST(Validate, AcceptsAMinimalHeadAndWorker) {
  EXPECT_TRUE(validate(valid_head()).ok()) << validate(valid_head());
  daemon_config w = valid_head();
  w.role = daemon_role::worker;
  w.join = "[::1]:7400";
  EXPECT_TRUE(validate(w).ok()) << validate(w);
}

TEST(Validate, NamesEachBrokenRule) {
  struct rule_case {
    void (*mutate)(daemon_config*);
    std::string error;
  };
  const std::vector<rule_case> cases = {
      {[](daemon_config* c) { c->role = daemon_role::unset; }, "role: required (head or worker)"},
      {[](daemon_config* c) { c->role = daemon_role::worker; },
       "join: required for a worker (the head's host:port)"},
      {[](daemon_config* c) { c->secret_file.clear(); }, "secret-file: required"},
      {[](daemon_config* c) { c->tls_certificate = "/c.pem"; },
       "tls: set all of tls-certificate, tls-key, tls-ca or none (missing tls-key, tls-ca)"},
      {[](daemon_config* c) {
         c->tls_certificate = "/c.pem";
         c->tls_key = "/k.pem";
       },
       "tls: set all of tls-certificate, tls-key, tls-ca or none (missing tls-ca)"},
      {[](daemon_config* c) { c->slots = 0; }, "slots: must be at least 1, got 0"},
      {[](daemon_config* c) { c->memory = int64_t{32} << 20; },
       "memory: must be at least 64MiB, got 32MiB"},
      {[](daemon_config* c) { c->listen = "127.0.0.1:65536"; },
       "listen: expected host:port with port 0..65535, got \"127.0.0.1:65536\""},
      {[](daemon_config* c) { c->listen = ":7400"; },
       "listen: expected host:port with port 0..65535, got \":7400\""},
      {[](daemon_config* c) { c->listen = "::1:7400"; },
       "listen: expected host:port with port 0..65535, got \"::1:7400\""},
      {[](daemon_config* c) { c->executor_port = 70000; },
       "executor-port: expected 0..65535, got 70000"},
      {[](daemon_config* c) { c->connection_timeout_ms = 100; },
       "connection-timeout: must exceed heartbeat-interval (100ms), got 100ms"},
  };
  for (const rule_case& rc : cases) {
    daemon_config c = valid_head();
    rc.mutate(&c);
    EXPECT_EQ(validate(c).message(), rc.error);
  }
}

TEST(Validate, ReportsEveryBrokenRuleAtOnce) {
  daemon_config c;
  c.slots = 0;
  const absl::Status s = validate(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "role: required (head or worker); secret-file: required; slots: must be at least 1, "
            "got 0");
}

TEST(Validate, TlsAllThreeIsAccepted) {
  daemon_config c = valid_head();
  c.tls_certificate = "/c.pem";
  c.tls_key = "/k.pem";
  c.tls_ca = "/ca.pem";
  EXPECT_TRUE(validate(c).ok());
}

TEST(ResolveDefaults, DerivesAdvertiseAndWorkDir) {
  daemon_config c = valid_head();
  c.listen = "10.1.2.3:7400";
  resolve_defaults(&c);
  EXPECT_EQ(c.advertise, "10.1.2.3");
  EXPECT_EQ(c.work_dir, "/tmp/tranche-head");

  for (const char* wildcard : {"0.0.0.0:7400", "[::]:7400"}) {
    daemon_config w = valid_head();
    w.role = daemon_role::worker;
    w.listen = wildcard;
    resolve_defaults(&w);
    EXPECT_EQ(w.advertise, "127.0.0.1") << wildcard;
    EXPECT_EQ(w.work_dir, "/tmp/tranche-worker");
  }

  daemon_config v6 = valid_head();
  v6.listen = "[::1]:7400";
  resolve_defaults(&v6);
  EXPECT_EQ(v6.advertise, "::1");

  daemon_config explicit_values = valid_head();
  explicit_values.advertise = "node-7";
  explicit_values.work_dir = "/srv/t";
  resolve_defaults(&explicit_values);
  EXPECT_EQ(explicit_values.advertise, "node-7");
  EXPECT_EQ(explicit_values.work_dir, "/srv/t");
}

TEST(Describe, OneLineWithoutTheSecret) {
  daemon_config c = valid_head();
  c.slots = 4;
  const std::string line = describe(c);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line,
            "head listen=127.0.0.1:7400 advertise=127.0.0.1 executor-port=ephemeral slots=4 "
            "memory=4GiB block-memory=2GiB work-dir=/tmp/tranche-head log=stderr@info heartbeat-interval=100ms "
            "connection-timeout=500ms drain-timeout=30000ms tls=off "
            "secret-file=/etc/tranche/cluster.key");
  c.role = daemon_role::worker;
  c.join = "h:7400";
  EXPECT_TRUE(contains(std::string(describe(c)), "worker join=h:7400 advertise=127.0.0.1"));
}

TEST(Config, SessionKeysParseAndCheck) {
  daemon_config c;
  ASSERT_TRUE(apply_flags(&c, {"--max-sessions", "0", "--session-address", "0.0.0.0:0",
                               "--session-idle-timeout", "20m", "--session-max-lifetime", "2d",
                               "--session-register-timeout", "5s", "--session-max-result-rows",
                               "50", "--session-kernel", "/opt/k"})
                  .ok());
  EXPECT_EQ(c.max_sessions, 0);
  EXPECT_EQ(c.session_idle_timeout_ms, 20 * 60'000);
  EXPECT_EQ(c.session_max_lifetime_ms, 2 * 24 * 3600'000);
  EXPECT_EQ(c.session_register_timeout_ms, 5000);
  EXPECT_EQ(c.session_max_result_rows, 50);
  EXPECT_EQ(c.session_kernel, "/opt/k");
  c.advertise = "10.0.0.5";
  resolve_defaults(&c);
  EXPECT_EQ(c.session_advertise, "10.0.0.5");  // a wildcard session-address
  daemon_config d;
  EXPECT_FALSE(apply_flags(&d, {"--max-sessions", "-1"}).ok());
  EXPECT_FALSE(apply_flags(&d, {"--session-address", "nohost"}).ok());
  EXPECT_FALSE(apply_flags(&d, {"--session-max-result-rows", "0"}).ok());
  d.role = daemon_role::head;
  d.secret_file = "k";
  d.session_register_timeout_ms = 10;
  auto v = validate(d);
  EXPECT_NE(std::string(v.message()).find("session-register-timeout: at least 1s"), std::string::npos)
      << v;
}

TEST(Reference, ListsEveryKeyAsAMarkdownTable) {
  const std::string ref = config_reference();
  EXPECT_EQ(ref.rfind("| Key | Default | Meaning |\n|---|---|---|\n", 0), 0u);
  for (const char* key :
       {"role", "listen", "join", "advertise", "executor-port", "secret-file", "slots", "memory",
        "log-file", "log-level", "heartbeat-interval", "connection-timeout", "tls-certificate",
        "tls-key", "tls-ca", "work-dir", "drain-timeout", "block-memory", "policy", "queue",
        "preempt-grace", "catalog", "task-retries", "task-deadline", "speculation", "max-message-size",
        "max-program-size", "max-result-size", "history", "history-keep", "history-max-age", "http",
        "http-metrics-public", "admin-token-file", "max-sessions", "session-kernel",
        "session-address", "session-advertise", "session-idle-timeout", "session-max-lifetime",
        "session-register-timeout", "session-max-result-rows"})
    EXPECT_TRUE(contains(std::string(ref), std::string("| `") + key + "` | ")) << key;
  EXPECT_TRUE(contains(std::string(ref), "| `memory` | 4GiB | "));
  // 2 header lines + 42 keys, each line a complete row.
  EXPECT_EQ(std::count(ref.begin(), ref.end(), '\n'), 44);
}

TEST(Console, HttpHistoryAndTokenKeys) {
  daemon_config c;
  ASSERT_TRUE(apply_flags(&c, {"--role", "head", "--secret-file", "k", "--http", "127.0.0.1:7480",
                               "--history-keep", "50", "--history-max-age", "7d"})
                  .ok());
  resolve_defaults(&c);
  EXPECT_EQ(c.history, c.work_dir + "/history.db");
  EXPECT_EQ(c.history_keep, 50);
  EXPECT_EQ(c.history_max_age_ms, int64_t{7} * 24 * 3600'000);
  // HTTP needs the admin token, and only a head serves it.
  auto s = validate(c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("http: needs admin-token-file"), std::string::npos) << s;
  ASSERT_TRUE(apply_flags(&c, {"--admin-token-file", "admin.token"}).ok());
  EXPECT_TRUE(validate(c).ok()) << validate(c);
  c.role = daemon_role::worker;
  c.join = "127.0.0.1:7400";
  s = validate(c);
  EXPECT_NE(s.message().find("http: only a head serves HTTP"), std::string::npos) << s;

  daemon_config d;
  s = apply_flags(&d, {"--http-metrics-public", "yes"});
  EXPECT_NE(s.message().find("expected true or false"), std::string::npos) << s;
  s = apply_flags(&d, {"--history-keep", "0"});
  EXPECT_NE(s.message().find("history-keep"), std::string::npos) << s;
  s = apply_flags(&d, {"--role", "head", "--secret-file", "k", "--http", "nonsense"});
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(apply_flags(&d, {"--admin-token-file", "t"}).ok());
  s = validate(d);
  EXPECT_NE(s.message().find("http: "), std::string::npos) << s;
}

TEST(Queues, ParsedWithEveryField) {
  auto q = parse_queue("etl weight=2.5 min-slots=2 min-memory=1GiB cap-slots=8 cap-memory=16GiB "
                       "max-waiting=4");
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(q->name, "etl");
  EXPECT_EQ(q->weight, 2.5);
  EXPECT_EQ(q->minimum.slots, 2);
  EXPECT_EQ(q->minimum.memory, int64_t{1} << 30);
  EXPECT_EQ(q->cap.slots, 8);
  EXPECT_EQ(q->cap.memory, int64_t{16} << 30);
  EXPECT_EQ(q->max_waiting, 4);
  auto bare = parse_queue("adhoc");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->weight, 1.0);
  EXPECT_EQ(bare->cap.slots, kUnlimited);
}

TEST(Queues, ErrorsNameTheField) {
  EXPECT_EQ(parse_queue("etl cap-slots=x").status().message(),
            "cap-slots: expected a count, got \"x\"");
  EXPECT_EQ(parse_queue("etl weight=heavy").status().message(),
            "weight: expected a number, got \"heavy\"");
  EXPECT_EQ(parse_queue("etl min-memory=4XB").status().message(),
            "min-memory: expected a size like 4GiB, got \"4XB\"");
  EXPECT_EQ(parse_queue("etl colour=red").status().message(),
            "unknown queue setting \"colour=red\" (expected weight, min-slots, min-memory, "
            "cap-slots, cap-memory or max-waiting)");
  EXPECT_EQ(parse_queue("weight=2").status().message(),
            "expected the queue's name first, got \"weight=2\"");
  EXPECT_EQ(parse_queue("etl min-slots=4 cap-slots=2").status().message(),
            "queue \"etl\": min-slots (4) exceeds cap-slots (2)");
}

TEST(Supervision, TaskRetriesAndDeadline) {
  auto c = load_config(write_file("role = head\nsecret-file = /k\ntask-retries = 5\n"
                                  "task-deadline = 10m\n"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->task_retries, 5);
  EXPECT_EQ(c->task_deadline_ms, 600000);
  ASSERT_TRUE(apply_flags(&*c, {"--task-retries", "0"}).ok());
  EXPECT_EQ(c->task_retries, 0);
  EXPECT_EQ(apply_flags(&*c, {"--task-retries", "many"}).message(),
            "--task-retries: expected an integer in 0..100, got \"many\"");
  EXPECT_EQ(apply_flags(&*c, {"--task-retries", "101"}).message(),
            "--task-retries: expected an integer in 0..100, got \"101\"");
  EXPECT_FALSE(apply_flags(&*c, {"--task-deadline", "soon"}).ok());
  EXPECT_EQ(c->speculation, 0);
  ASSERT_TRUE(apply_flags(&*c, {"--speculation", "on"}).ok());
  EXPECT_EQ(c->speculation, 3);
  ASSERT_TRUE(apply_flags(&*c, {"--speculation", "2.5"}).ok());
  EXPECT_EQ(c->speculation, 2.5);
  ASSERT_TRUE(apply_flags(&*c, {"--speculation", "off"}).ok());
  EXPECT_EQ(c->speculation, 0);
  EXPECT_EQ(apply_flags(&*c, {"--speculation", "1"}).message(),
            "--speculation: expected off, on or a multiple in 1.5..100, got \"1\"");
}

TEST(Limits, SizesWithTheirFloors) {
  auto c = load_config(write_file("role = head\nsecret-file = /k\nmax-message-size = 16MiB\n"
                                  "max-program-size = 64KiB\nmax-result-size = 2GiB\n"));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->max_message_size, int64_t{16} << 20);
  EXPECT_EQ(c->max_program_size, int64_t{64} << 10);
  EXPECT_EQ(c->max_result_size, int64_t{2} << 30);
  daemon_config d;
  EXPECT_EQ(d.max_message_size, int64_t{256} << 20);
  EXPECT_EQ(d.max_program_size, int64_t{1} << 20);
  EXPECT_EQ(d.max_result_size, int64_t{1} << 30);
  // A message limit under the handshake's 64 KiB would refuse every peer.
  EXPECT_EQ(apply_flags(&*c, {"--max-message-size", "1KiB"}).message(),
            "--max-message-size: expected at least 65536 bytes, got \"1KiB\"");
  EXPECT_EQ(apply_flags(&*c, {"--max-result-size", "0"}).message(),
            "--max-result-size: expected at least 1 bytes, got \"0\"");
  EXPECT_FALSE(apply_flags(&*c, {"--max-program-size", "big"}).ok());
}

TEST(Queues, GivenOncePerQueueInFileAndFlags) {
  const std::string path = write_file("role = head\nsecret-file = /k\nqueue = etl weight=2\n"
                                      "queue = adhoc cap-slots=4\npolicy = whole-program\n"
                                      "preempt-grace = 5s\n");
  auto c = load_config(path);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->queues.size(), 2u);
  EXPECT_EQ(c->queues[0].name, "etl");
  EXPECT_EQ(c->queues[1].cap.slots, 4);
  EXPECT_EQ(c->policy, "whole-program");
  EXPECT_EQ(c->preempt_grace_ms, 5000);
  ASSERT_TRUE(apply_flags(&*c, {"--queue", "bulk weight=0.5"}).ok());
  EXPECT_EQ(c->queues.size(), 3u);
  EXPECT_EQ(apply_flags(&*c, {"--queue", "etl"}).message(), "--queue: queue \"etl\" is defined twice");
  EXPECT_EQ(apply_flags(&*c, {"--policy", "fair"}).message(),
            "--policy: unknown capacity policy \"fair\": expected per-portion or whole-program");
  EXPECT_TRUE(validate(*c).ok());
}

TEST(ParseSize, UnitsAndCase) {
  EXPECT_EQ(*parse_size("0"), 0);
  EXPECT_EQ(*parse_size("123"), 123);
  EXPECT_EQ(*parse_size("123B"), 123);
  EXPECT_EQ(*parse_size("64KiB"), 64 << 10);
  EXPECT_EQ(*parse_size("64MiB"), 64 << 20);
  EXPECT_EQ(*parse_size("4GiB"), int64_t{4} << 30);
  EXPECT_EQ(*parse_size("2TiB"), int64_t{2} << 40);
  EXPECT_EQ(*parse_size("4gib"), int64_t{4} << 30);
  EXPECT_EQ(*parse_size("4GIB"), int64_t{4} << 30);
  EXPECT_EQ(*parse_size("4 GiB"), int64_t{4} << 30);
  EXPECT_EQ(*parse_size("1KB"), 1000);
  EXPECT_EQ(*parse_size("500mb"), 500'000'000);
  EXPECT_EQ(*parse_size("3GB"), 3'000'000'000);
  EXPECT_EQ(*parse_size("8388607TiB"), (int64_t{8388607} << 40));
}

TEST(ParseSize, RejectsMalformedAndOverflow) {
  for (const char* bad : {"", "GiB", "-1", "+1", "1.5GiB", "4XB", "4G", "4 GiB x", " 4GiB", "0x10"})
    EXPECT_EQ(parse_size(bad).status().message(),
              std::string("expected a size like 4GiB, got \"") + bad + "\"")
        << bad;
  for (const char* huge : {"8388608TiB", "9223372036854775808", "99999999999999999999GiB"})
    EXPECT_EQ(parse_size(huge).status().message(),
              std::string("expected a size like 4GiB, got \"") + huge + "\", which is too large")
        << huge;
  EXPECT_EQ(*parse_size("9223372036854775807"), INT64_MAX);
}

TEST(FormatSize, ExactUnitsElseBytes) {
  EXPECT_EQ(format_size(int64_t{4} << 30), "4GiB");
  EXPECT_EQ(format_size(1536 << 10), "1536KiB");
  EXPECT_EQ(format_size(500'000'000), "500MB");
  EXPECT_EQ(format_size(123), "123");
  EXPECT_EQ(format_size(0), "0");
  for (int64_t v : {int64_t{64} << 20, int64_t{3} << 40, int64_t{7'000}})
    EXPECT_EQ(*parse_size(format_size(v)), v);
}

TEST(ParseDuration, UnitsAndPlainMilliseconds) {
  EXPECT_EQ(*parse_duration_ms("250ms"), 250);
  EXPECT_EQ(*parse_duration_ms("2s"), 2000);
  EXPECT_EQ(*parse_duration_ms("1m"), 60000);
  EXPECT_EQ(*parse_duration_ms("1h"), 3'600'000);
  EXPECT_EQ(*parse_duration_ms("100"), 100);
  EXPECT_EQ(*parse_duration_ms("0"), 0);
  EXPECT_EQ(*parse_duration_ms("2S"), 2000);
  EXPECT_EQ(*parse_duration_ms("30 s"), 30000);
}

TEST(ParseDuration, RejectsMalformedAndOverflow) {
  for (const char* bad : {"", "ms", "-5", "1.5s", "5w", "1m30s", "fast"})
    EXPECT_EQ(parse_duration_ms(bad).status().message(),
              std::string("expected a duration like 250ms, 2s, 1m or 30d, got \"") + bad + "\"")
        << bad;
  EXPECT_TRUE(contains(std::string(parse_duration_ms("9223372036854775807s").status().message()),
                       "which is too large"));
  EXPECT_TRUE(contains(std::string(parse_duration_ms("99999999999999999999").status().message()),
                       "which is too large"));
  EXPECT_EQ(*parse_duration_ms("9223372036854775807"), INT64_MAX);
}

TEST(HostPort, Syntax) {
  for (const char* ok : {"127.0.0.1:0", "head:65535", "[::1]:7400", "a.b.c:1"})
    EXPECT_TRUE(check_host_port(ok).ok()) << ok;
  for (const char* bad : {"", "host", "host:", ":1", "host:-1", "host:65536", "host:7a", "[::1]",
                          "[::1]7400", "::1:7400", "h h:1"})
    EXPECT_FALSE(check_host_port(bad).ok()) << bad;
}

}  // namespace
}  // namespace tranche
