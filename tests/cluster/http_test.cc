// The head's HTTP endpoint on a live head and two workers: /metrics parsed
// as Prometheus text, the JSON API with the console's shapes, the admin
// token on every request, and the dashboard in headless Chromium showing a
// running program's DAG and capacity chart (the screenshot is kept in
// <build>/test-artifacts/dashboard.png).
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "daemon_fixture.h"

namespace {

namespace fs = std::filesystem;
using namespace tranche_test;
using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr char kToken[] = "tok-0123456789abcdef0123456789abcdef";

// What the test's own Prometheus text-format parser (format 0.0.4) reads.
struct exposition {
  std::map<std::string, std::string> types;  // family -> type
  struct sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
  };
  std::vector<sample> samples;
  std::string error;  // the first line that does not parse, with why

  double value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& s : samples)
      if (s.name == name && s.labels == labels) return s.value;
    return -1;
  }
};

exposition parse_prometheus(const std::string& text) {
  exposition e;
  std::istringstream in(text);
  std::string line;
  const std::regex type_re("^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$");
  const std::regex sample_re("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? ([^ ]+)$");
  const std::regex label_re("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"(,|$)");
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::smatch m;
    if (line.empty() || line.rfind("# HELP ", 0) == 0) continue;
    if (std::regex_match(line, m, type_re)) {
      if (e.types.count(m[1]) && e.error.empty())
        e.error = "line " + std::to_string(n) + ": family " + m[1].str() + " typed twice";
      e.types[m[1]] = m[2];
      continue;
    }
    if (!std::regex_match(line, m, sample_re)) {
      if (e.error.empty()) e.error = "line " + std::to_string(n) + " does not parse: " + line;
      continue;
    }
    exposition::sample s;
    s.name = m[1];
    std::string labels = m[3];
    for (std::sregex_iterator it(labels.begin(), labels.end(), label_re), end; it != end; ++it)
      s.labels[(*it)[1]] = (*it)[2];
    const std::string v = m[4];
    s.value = v == "+Inf" ? INFINITY : v == "-Inf" ? -INFINITY : std::stod(v);
    // The family: a histogram's _bucket/_sum/_count belong to it.
    std::string family = s.name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string sfx = suffix;
      if (family.size() > sfx.size() && family.compare(family.size() - sfx.size(), sfx.size(), sfx) == 0 &&
          e.types.count(family.substr(0, family.size() - sfx.size())))
        family = family.substr(0, family.size() - sfx.size());
    }
    if (!e.types.count(family) && e.error.empty())
      e.error = "line " + std::to_string(n) + ": " + s.name + " has no TYPE before it";
    e.samples.push_back(std::move(s));
  }
  return e;
}

class Http : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& extra = {}) {
    ASSERT_EQ(run(bin("tranche") + " gen sample --rows 200000 --files 12 --out " +
                  (c_.dir() / "t").string() + " > /dev/null")
                  .first,
              0);
    write_secret(c_.dir() / "admin.token", kToken);
    std::vector<std::string> flags{"--http", "127.0.0.1:0", "--admin-token-file",
                                   (c_.dir() / "admin.token").string()};
    flags.insert(flags.end(), extra.begin(), extra.end());
    ASSERT_TRUE(c_.start(2, flags)) << slurp(c_.head_log());
    std::smatch m;
    const std::string log = slurp(c_.head_log());
    ASSERT_TRUE(std::regex_search(log, m, std::regex("http on 127\\.0\\.0\\.1:([0-9]+)"))) << log;
    port_ = std::stoi(m[1]);
    auto sdk = tranche::cluster::connect(c_.address(), c_.key());
    ASSERT_TRUE(sdk.ok()) << sdk.status();
    sdk_ = *std::move(sdk);
  }

  httplib::Client client(const std::string& token = kToken) const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(10, 0);
    c.set_read_timeout(30, 0);
    if (!token.empty()) c.set_bearer_token_auth(token.c_str());
    return c;
  }
  json get_json(const std::string& path, int expect = 200) const {
    auto c = client();
    auto r = c.Get(path.c_str());
    EXPECT_TRUE(r) << path;
    if (!r) return json();
    EXPECT_EQ(r->status, expect) << path << ": " << r->body;
    EXPECT_NE(r->get_header_value("Content-Type").find("application/json"), std::string::npos);
    return json::parse(r->body, nullptr, false);
  }
  std::vector<tranche::table_binding> tables() const {
    return {{"t", (c_.dir() / "t").string() + "/*.csv"}};
  }

  daemon_cluster c_{"tranche-http"};
  std::unique_ptr<tranche::cluster> sdk_;
  int port_ = 0;
};

TEST_F(Http, MetricsAreValidPrometheusTextThatFollowTheCluster) {
  start();
  ASSERT_TRUE(sdk_->run_sql("SELECT flag, count(*) AS n FROM t GROUP BY flag", tables()).ok());
  ASSERT_FALSE(sdk_->run_sql("SELECT nosuch FROM t", tables()).ok());
  auto c = client();
  auto r = c.Get("/metrics");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->get_header_value("Content-Type").find("text/plain; version=0.0.4"), std::string::npos);
  const exposition e = parse_prometheus(r->body);
  ASSERT_EQ(e.error, "") << r->body;
  EXPECT_EQ(e.value("tranche_slots"), 3);
  EXPECT_EQ(e.value("tranche_free_slots"), 3);
  EXPECT_EQ(e.value("tranche_leases"), 0);
  EXPECT_EQ(e.value("tranche_nodes", {{"state", "up"}}), 3);
  EXPECT_EQ(e.value("tranche_node_slots", {{"node", "2"}}), 1);
  EXPECT_EQ(e.value("tranche_queue_waiting_programs", {{"queue", "default"}}), 0);
  EXPECT_EQ(e.value("tranche_programs_submitted_total"), 2);
  EXPECT_EQ(e.value("tranche_programs_ended_total", {{"state", "succeeded"}}), 1);
  EXPECT_EQ(e.value("tranche_programs_ended_total", {{"state", "failed"}}), 1);
  EXPECT_EQ(e.value("tranche_tasks_finished_total"), 12 + 3);  // a scan task per file, 3 aggregates
  EXPECT_GT(e.value("tranche_leases_granted_total"), 0);
  EXPECT_GT(e.value("tranche_program_slot_seconds_total"), 0);
  EXPECT_EQ(e.types.at("tranche_grant_latency_seconds"), "histogram");
  EXPECT_EQ(e.types.at("tranche_tasks_finished_total"), "counter");
  // The histogram: buckets by rising le, counts never falling, +Inf == _count.
  double last_le = -1, last_count = 0, inf = -1;
  for (const auto& s : e.samples) {
    if (s.name != "tranche_grant_latency_seconds_bucket") continue;
    const double le = s.labels.at("le") == "+Inf" ? INFINITY : std::stod(s.labels.at("le"));
    EXPECT_GT(le, last_le);
    EXPECT_GE(s.value, last_count);
    last_le = le;
    last_count = s.value;
    if (std::isinf(le)) inf = s.value;
  }
  EXPECT_EQ(inf, e.value("tranche_grant_latency_seconds_count"));
  EXPECT_GT(inf, 0);  // every portion asked and was granted
}

TEST_F(Http, EveryRequestButTheDashboardPageNeedsTheToken) {
  start();
  for (const char* path : {"/metrics", "/api/v1/status", "/api/v1/programs", "/api/v1/nodes"}) {
    for (const std::string& token : {std::string(), std::string("wrong-token-wrong-token-wrong")}) {
      auto c = client(token);
      auto r = c.Get(path);
      ASSERT_TRUE(r) << path;
      EXPECT_EQ(r->status, 401) << path << " with token \"" << token << "\"";
      EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer");
      EXPECT_NE(json::parse(r->body)["error"].get<std::string>().find("admin token"),
                std::string::npos);
    }
  }
  auto c = client("");
  auto r = c.Post("/api/v1/nodes/2/drain", "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(get_json("/api/v1/nodes")[1]["state"], "up");  // nothing happened
  auto page = c.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<title>tranche</title>"), std::string::npos);
  // The admin token also opens tranchectl, instead of the secret.
  auto [rc, out] = run("env TRANCHE_ADMIN_TOKEN=" + std::string(kToken) + " " + bin("tranchectl") +
                       " --cluster " + c_.address() + " nodes -o json");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(json::parse(out, nullptr, false).size(), 3u) << out;
  std::tie(rc, out) = run("env TRANCHE_ADMIN_TOKEN=not-the-token-not-the-token " + bin("tranchectl") +
                          " --cluster " + c_.address() + " nodes 2>&1");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("wrong admin token"), std::string::npos) << out;
}

TEST_F(Http, MetricsCanBePublicWhileTheApiIsNot) {
  start({"--http-metrics-public", "true"});
  auto c = client("");
  auto m = c.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
  EXPECT_EQ(parse_prometheus(m->body).error, "");
  auto s = c.Get("/api/v1/status");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, 401);
}

TEST_F(Http, TheApiAnswersWithTheConsolesShapes) {
  start();
  ASSERT_TRUE(sdk_->run_sql("SELECT flag, count(*) AS n FROM t GROUP BY flag", tables()).ok());
  json status = get_json("/api/v1/status");
  EXPECT_EQ(status["slots"], 3);
  EXPECT_EQ(status["nodes"].size(), 3u);
  EXPECT_EQ(status["running"], json::array());
  json programs = get_json("/api/v1/programs");
  ASSERT_EQ(programs.size(), 1u);
  EXPECT_EQ(programs[0]["state"], "succeeded");
  const std::string id = std::to_string(programs[0]["id"].get<uint64_t>());
  json p = get_json("/api/v1/programs/" + id);
  EXPECT_EQ(p["portions"].size(), 2u);
  EXPECT_FALSE(p["capacity"].empty());
  // The same shapes as tranchectl -o json.
  auto [rc, out] = run(bin("tranchectl") + " --cluster " + c_.address() + " --secret-file " +
                       c_.key() + " program " + id + " -o json");
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(json::parse(out), p);
  EXPECT_EQ(get_json("/api/v1/queues")[0]["name"], "default");
  get_json("/api/v1/programs/999", 404);
  get_json("/api/v1/nope", 404);

  auto c = client();
  auto r = c.Post("/api/v1/nodes/3/drain", "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(get_json("/api/v1/nodes")[2]["state"], "draining");
  r = c.Post("/api/v1/nodes/3/undrain", "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(get_json("/api/v1/nodes")[2]["state"], "up");
  r = c.Post("/api/v1/nodes/42/drain", "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  r = c.Post("/api/v1/programs/" + id + "/cancel", "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404) << "an ended program cannot be cancelled: " << r->body;
}

TEST_F(Http, TheDashboardShowsARunningProgramsPlanAndCapacity) {
  if (!fs::exists("/usr/bin/chromium")) GTEST_SKIP() << "chromium is not installed (tools/setup installs it)";
  start();
  // A join on a 3-valued key: about 1.3e10 rows to count, so it runs, holding
  // its slots, for as long as the test looks at it.
  caf::scoped_actor self{sdk_->system()};
  auto id = sdk_->submit("SELECT count(*) AS n FROM t a JOIN t b ON a.flag = b.flag", tables(),
                         caf::actor_cast<caf::actor>(self));
  ASSERT_TRUE(id.ok()) << id.status();
  const auto until = std::chrono::steady_clock::now() + 30s;
  json p;
  do {
    std::this_thread::sleep_for(100ms);
    p = get_json("/api/v1/programs/" + std::to_string(*id));
  } while (p["slots_held"] == 0 && std::chrono::steady_clock::now() < until);
  ASSERT_GT(p["slots_held"].get<int>(), 0) << p;

  const fs::path artifacts = fs::path(TRANCHE_BIN_DIR).parent_path() / "test-artifacts";
  fs::create_directories(artifacts);
  const std::string url =
      "'http://127.0.0.1:" + std::to_string(port_) + "/#token=" + std::string(kToken) + "'";
  const std::string chromium = "env HOME=" + c_.dir().string() +
                               " chromium --headless --no-sandbox --disable-gpu "
                               "--disable-background-networking --user-data-dir=" +
                               (c_.dir() / "chromium").string() +
                               " --window-size=1400,1100 --virtual-time-budget=5000 ";
  auto [rc, dom] = run(chromium + "--dump-dom " + url + " 2>/dev/null");
  ASSERT_EQ(rc, 0);
  // The program's row, its DAG with a running portion and waiting ones, and
  // a capacity chart drawn from its samples.
  EXPECT_NE(dom.find("data-program=\"" + std::to_string(*id) + "\""), std::string::npos) << dom;
  EXPECT_NE(dom.find("class=\"portion\" data-state=\"running\""), std::string::npos) << dom;
  EXPECT_NE(dom.find("shuffle join"), std::string::npos) << dom;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(dom, m, std::regex("class=\"line\" d=\"[^\"]+\" data-samples=\"([0-9]+)\"")))
      << dom;
  EXPECT_GT(std::stoi(m[1]), 0);
  EXPECT_NE(dom.find("programs running"), std::string::npos);
  EXPECT_EQ(dom.find("admin token is missing"), std::string::npos) << dom;
  EXPECT_EQ(run(chromium + "--screenshot=" + (artifacts / "dashboard.png").string() + " " + url +
                " > /dev/null 2>&1")
                .first,
            0);
  EXPECT_GT(fs::file_size(artifacts / "dashboard.png"), 10'000u);

  ASSERT_TRUE(sdk_->cancel(*id).ok());
  tranche::ledger_totals l;
  EXPECT_TRUE(daemon_cluster::ledger_whole(*sdk_, 20s, &l));
}

}  // namespace
