// A session's kernel in-process, over an embedded cluster: statements in
// order, session state kept between them (temporary views and tables,
// settings) and private to each session, cancel, statement_timeout, history,
// and the REST endpoint's token checks (wrong, other session's, expired).
#include "actors/kernel.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "actors/kernel_http.h"
#include "auth/session_token.h"
#include "test_cluster.h"

namespace tranche::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class Kernel : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("tranche-kernel");
    ASSERT_NO_FATAL_FAILURE(make_sample(dir_ + "/t", 200000, 4));
    cluster_options co = two_node_options(2, 1 << 20);
    auto c = cluster::start_local(co);
    ASSERT_TRUE(c.ok()) << c.status();
    cluster_ = *std::move(c);
    auto made = cluster_->run_sql(
        "CREATE EXTERNAL TABLE t (key BIGINT, price DOUBLE, quantity BIGINT, shipdate DATE, flag "
        "VARCHAR) LOCATION '" +
            dir_ + "/t/*.csv' FORMAT CSV HEADER",
        {});
    ASSERT_TRUE(made.ok()) << made.status();
  }
  void TearDown() override {
    kernels_.clear();
    cluster_.reset();
    remove_temp_dir(dir_);
  }

  kernel_config config(const std::string& id) {
    kernel_config c;
    c.session_id = id;
    c.work_dir = dir_ + "/" + id;
    c.notebook_dir = dir_ + "/notebooks";
    std::filesystem::create_directories(c.work_dir);
    std::filesystem::create_directories(c.notebook_dir);
    c.max_result_rows = 5;
    return c;
  }
  kernel_core& kernel(const std::string& id) {
    kernels_.push_back(std::make_unique<kernel_core>(*cluster_, config(id)));
    return *kernels_.back();
  }

  // Runs `code` to its end (bounded) and returns the statement's JSON.
  static json run(kernel_core& k, const std::string& code) {
    const int64_t id = k.submit(code);
    const auto until = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < until) {
      auto s = k.statement(id);
      EXPECT_TRUE(s.ok());
      json j = json::parse(*s);
      if (j["output"].is_object()) return j;
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << "did not end: " << code;
    return json();
  }
  static std::string error_of(const json& j) {
    return j["output"]["error"].is_string() ? j["output"]["error"].get<std::string>() : "";
  }

  std::string dir_;
  std::unique_ptr<cluster> cluster_;
  std::vector<std::unique_ptr<kernel_core>> kernels_;
};

TEST_F(Kernel, TemporaryViewsAndTablesLiveInTheirSessionOnly) {
  kernel_core& a = kernel("s-a");
  kernel_core& b = kernel("s-b");
  json v = run(a, "CREATE TEMP VIEW big AS SELECT key, price FROM t WHERE price > 9000");
  ASSERT_EQ(v["state"], "available") << v.dump();
  EXPECT_EQ(v["output"]["rows"][0][0], "created temporary view big");
  json t =
      run(a, "CREATE TEMPORARY TABLE flags AS SELECT flag, count(*) AS n FROM t GROUP BY flag");
  ASSERT_EQ(t["state"], "available") << t.dump();
  EXPECT_EQ(t["output"]["rows"][0][0], "created temporary table flags (3 rows)");
  json q = run(a, "SELECT sum(n) AS rows FROM flags");
  ASSERT_EQ(q["state"], "available") << q.dump();
  EXPECT_EQ(q["output"]["rows"], json::parse("[[200000]]"));
  json joined =
      run(a, "SELECT count(*) AS n FROM big JOIN t ON big.key = t.key WHERE t.flag = 'A'");
  EXPECT_EQ(joined["state"], "available") << joined.dump();
  // The other session sees neither.
  json miss_table = run(b, "SELECT * FROM flags");
  EXPECT_EQ(miss_table["state"], "error");
  EXPECT_NE(error_of(miss_table).find("flags"), std::string::npos) << error_of(miss_table);
  json miss_view = run(b, "SELECT * FROM big");
  EXPECT_EQ(miss_view["state"], "error");
  // b's own table of the same name is its own.
  ASSERT_EQ(run(b, "CREATE TEMP TABLE flags AS SELECT 1 AS n FROM t LIMIT 1")["state"], "available");
  EXPECT_EQ(run(b, "SELECT sum(n) AS s FROM flags")["output"]["rows"], json::parse("[[1]]"));
  EXPECT_EQ(run(a, "SELECT sum(n) AS s FROM flags")["output"]["rows"], json::parse("[[200000]]"));
  json views = run(a, "SHOW VIEWS");
  ASSERT_EQ(views["output"]["row_count"], 2);
  // Dropped: gone, with their files.
  EXPECT_EQ(run(a, "DROP VIEW big")["state"], "available");
  EXPECT_EQ(run(a, "DROP TABLE flags")["state"], "available");
  EXPECT_EQ(run(a, "SELECT * FROM flags")["state"], "error");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/s-a/temp/flags-1"));
  json no_view = run(a, "DROP VIEW big");
  EXPECT_EQ(error_of(no_view), "line 1, column 11: no temporary view \"big\"");
  EXPECT_EQ(run(a, "DROP VIEW IF EXISTS big")["state"], "available");
}

TEST_F(Kernel, ViewErrorsAndRedefinitionAreClear) {
  kernel_core& a = kernel("s-a");
  json bad = run(a, "CREATE TEMP VIEW v AS SELECT nosuch FROM t");
  EXPECT_EQ(bad["state"], "error");
  EXPECT_NE(error_of(bad).find("line 1, column 30"), std::string::npos) << error_of(bad);
  EXPECT_NE(error_of(bad).find("nosuch"), std::string::npos);
  ASSERT_EQ(run(a, "CREATE TEMP VIEW v AS SELECT 1 AS one FROM t LIMIT 1")["state"], "available");
  json dup = run(a, "CREATE TEMP VIEW v AS SELECT 2 AS two FROM t LIMIT 1");
  EXPECT_NE(error_of(dup).find("already exists (CREATE OR REPLACE TEMP VIEW replaces it)"),
            std::string::npos);
  ASSERT_EQ(run(a, "CREATE OR REPLACE TEMP VIEW v AS SELECT 2 AS two FROM t LIMIT 1")["state"], "available");
  EXPECT_EQ(run(a, "SELECT two FROM v")["output"]["rows"], json::parse("[[2]]"));
}

TEST_F(Kernel, SettingsApplyToLaterStatements) {
  kernel_core& a = kernel("s-a");
  json rows = run(a, "SELECT key FROM t ORDER BY key LIMIT 8");
  EXPECT_EQ(rows["output"]["rows"].size(), 5u);  // the kernel's max_result_rows
  EXPECT_EQ(rows["output"]["row_count"], 8);
  EXPECT_EQ(rows["output"]["truncated"], true);
  ASSERT_EQ(run(a, "SET max_rows = 7")["state"], "available");
  EXPECT_EQ(run(a, "SELECT key FROM t LIMIT 8")["output"]["rows"].size(), 7u);
  json shown = run(a, "SHOW SETTINGS");
  EXPECT_EQ(shown["output"]["rows"][2],
            json::parse(R"(["max_rows", "7", "rows of a result kept and shown"])"));
  EXPECT_EQ(run(a, "RESET max_rows")["state"], "available");
  EXPECT_EQ(run(a, "SELECT key FROM t LIMIT 8")["output"]["rows"].size(), 5u);
  json unknown = run(a, "SET colour = 'blue'");
  EXPECT_EQ(error_of(unknown),
            "line 1, column 5: unknown setting \"colour\"; the settings are queue, priority, "
            "max_rows, statement_timeout");
  json bad_rows = run(a, "SET max_rows = many");
  EXPECT_NE(error_of(bad_rows).find("max_rows is an integer"), std::string::npos);
  ASSERT_EQ(run(a, "SET queue = 'nosuch'")["state"], "available");
  json refused = run(a, "SELECT 1 AS one FROM t LIMIT 1");
  EXPECT_EQ(refused["state"], "error");
  EXPECT_NE(error_of(refused).find("nosuch"), std::string::npos) << error_of(refused);
  ASSERT_EQ(run(a, "SET queue TO default")["state"], "available");
  EXPECT_EQ(run(a, "SELECT 1 AS one FROM t LIMIT 1")["state"], "available");
}

TEST_F(Kernel, CancelAndStatementTimeoutStopARunningStatement) {
  kernel_core& a = kernel("s-a");
  const char* long_query =
      "SELECT count(*) AS n FROM t a JOIN t b ON a.flag = b.flag JOIN t c ON b.flag = c.flag";
  const int64_t id = a.submit(long_query);
  const int64_t queued = a.submit("SELECT 1 AS one FROM t LIMIT 1");
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (json::parse(*a.statement(id))["state"] != "running" &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(a.busy());
  ASSERT_TRUE(a.cancel(queued).ok());  // waiting: cancelled at once, never runs
  ASSERT_TRUE(a.cancel(id).ok());
  json cancelled;
  while (std::chrono::steady_clock::now() < until) {
    cancelled = json::parse(*a.statement(id));
    if (cancelled["output"].is_object()) break;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(cancelled["state"], "cancelled");
  EXPECT_EQ(json::parse(*a.statement(queued))["state"], "cancelled");
  EXPECT_TRUE(absl::IsFailedPrecondition(a.cancel(id).status()));
  EXPECT_TRUE(absl::IsNotFound(a.cancel(99).status()));
  ASSERT_EQ(run(a, "SET statement_timeout = '300ms'")["state"], "available");
  json timed = run(a, long_query);
  EXPECT_EQ(timed["state"], "error");
  EXPECT_EQ(error_of(timed), "the statement ran past statement_timeout (300ms) and was cancelled");
  ledger_totals l;
  const auto lu = std::chrono::steady_clock::now() + 10s;
  do l = *cluster_->ledger();
  while (l.free_slots != l.registered_slots && std::chrono::steady_clock::now() < lu);
  EXPECT_EQ(l.free_slots, l.registered_slots);
  json history = json::parse(a.history_json());
  ASSERT_FALSE(history["history"].empty());
  EXPECT_EQ(history["history"][0]["code"], long_query);
  EXPECT_EQ(history["history"][0]["runs"], 2);
}

// A REST call to the kernel's endpoint.
struct reply {
  int status = 0;
  json body;
};
reply call(int port, const std::string& token, const std::string& method, const std::string& path,
           const std::string& body = "") {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5);
  httplib::Headers h;
  if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
  auto r = method == "GET"    ? c.Get(path, h)
           : method == "POST" ? c.Post(path, h, body, "application/json")
                              : c.Put(path, h, body, "application/json");
  if (!r) return {};
  return {r->status, json::parse(r->body, nullptr, false)};
}

TEST_F(Kernel, TheEndpointRefusesWrongOtherAndExpiredTokens) {
  kernel_core& a = kernel("s-a");
  const std::string token = new_session_token(), other = new_session_token();
  kernel_http_config hc{"127.0.0.1:0", token_digest(token), unix_ms() + 3'600'000,
                        dir_ + "/notebooks", [] { return std::string("{\"state\":\"idle\"}"); }};
  auto http = kernel_http::start(a, hc);
  ASSERT_TRUE(http.ok()) << http.status();
  const int port = (*http)->port();
  const std::string body = json{{"code", "SELECT 1 AS one FROM t LIMIT 1"}}.dump();
  EXPECT_EQ(call(port, "", "POST", "/api/v1/statements", body).status, 401);
  EXPECT_EQ(call(port, other, "POST", "/api/v1/statements", body).status, 401);
  EXPECT_EQ(a.statements_run(), 0);  // nothing ran
  reply ok = call(port, token, "POST", "/api/v1/statements", body);
  ASSERT_EQ(ok.status, 201) << ok.body.dump();
  EXPECT_EQ(ok.body["id"], 1);
  EXPECT_EQ(call(port, token, "POST", "/api/v1/statements", "{\"code\": 3}").status, 400);
  EXPECT_EQ(call(port, token, "POST", "/api/v1/statements", "not json").status, 400);
  EXPECT_EQ(call(port, token, "GET", "/api/v1/statements/7").status, 404);
  // Notebooks: saved whole in the node's directory, read back, listed.
  const std::string nb =
      R"({"format":"tranche-notebook","version":1,"cells":[{"code":"SELECT 1"}]})";
  EXPECT_EQ(call(port, token, "PUT", "/api/v1/notebooks/first", nb).status, 200);
  EXPECT_EQ(call(port, token, "PUT", "/api/v1/notebooks/..evil", nb).status, 400);
  EXPECT_EQ(call(port, token, "PUT", "/api/v1/notebooks/x", "{\"cells\": 1}").status, 400);
  EXPECT_EQ(call(port, token, "GET", "/api/v1/notebooks/first").body["cells"][0]["code"],
            "SELECT 1");
  EXPECT_EQ(call(port, token, "GET", "/api/v1/notebooks").body["notebooks"], json({"first"}));
  EXPECT_EQ(call(port, token, "GET", "/api/v1/notebooks/none").status, 404);
  http->reset();
  // Past the session's absolute end, its token opens nothing.
  kernel_http_config expired = hc;
  expired.expires_unix_ms = unix_ms() - 1;
  auto late = kernel_http::start(a, expired);
  ASSERT_TRUE(late.ok());
  reply r = call((*late)->port(), token, "POST", "/api/v1/statements", body);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body["error"], "the session's token has expired");
  EXPECT_EQ(a.statements_run(), 1);
}

}  // namespace
}  // namespace tranche::testing
