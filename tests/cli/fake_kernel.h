// A session kernel in memory for the CLI and notebook tests: an
// httplib::Server on 127.0.0.1 (an ephemeral port) in a thread of the test,
// serving the session REST API (see tools/cli/session_client.h) and the
// notebook page. Statements end `delay` after they are submitted; code
// holding 1/0 ends in an error, code holding SLEEP runs until cancelled,
// code holding BIG returns the first 3 of 1000 rows; anything else returns
// three rows of BIGINT, VARCHAR and DOUBLE, one holding "<b>x</b>" and
// NULLs. Also: a temporary directory and an environment variable set for a
// scope.
#pragma once

#include <httplib.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "../cluster/terminal_util.h"
#include "actors/notebook_page.h"

namespace tranche_test {

using namespace std::chrono_literals;

inline const std::string kToken = "trs_" + std::string(64, 'a');

class fake_kernel {
 public:
  explicit fake_kernel(std::chrono::milliseconds delay = 60ms) : delay_(delay) {
    routes();
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op before the accept loop runs; wait for it (at most 5 s).
    for (int i = 0; i < 500 && port_ > 0 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(10ms);
  }
  ~fake_kernel() {
    server_.stop();
    thread_.join();
  }
  fake_kernel(const fake_kernel&) = delete;
  fake_kernel& operator=(const fake_kernel&) = delete;

  [[nodiscard]] bool ok() const { return port_ > 0; }
  [[nodiscard]] std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] int cancels() {
    std::lock_guard<std::mutex> l(mu_);
    return cancels_;
  }
  [[nodiscard]] std::vector<std::string> codes() {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<std::string> out;
    for (const auto& s : statements_) out.push_back(s.code);
    return out;
  }

 private:
  using json = nlohmann::json;
  using clock = std::chrono::system_clock;

  struct statement {
    int64_t id = 0;
    std::string code;
    clock::time_point started;
    std::optional<clock::time_point> completed;
    std::string state = "waiting";
    json output;  // null until it ended
  };

  static double unix_s(clock::time_point t) {
    return std::chrono::duration<double>(t.time_since_epoch()).count();
  }

  static void send(httplib::Response& res, int status, const json& j) {
    res.status = status;
    res.set_content(j.dump(), "application/json");
  }

  // Moves a statement along its timeline (called with mu_ held).
  void advance(statement& s) {
    if (s.completed) return;
    const auto now = clock::now();
    if (now - s.started >= delay_ / 2) s.state = "running";
    if (s.code.find("SLEEP") != std::string::npos || now - s.started < delay_) return;
    s.completed = now;
    if (s.code.find("1/0") != std::string::npos) {
      s.state = "error";
      s.output = {{"status", "error"},
                  {"columns", json::array()},
                  {"types", json::array()},
                  {"rows", json::array()},
                  {"row_count", 0},
                  {"truncated", false},
                  {"error", "line 1, column 8: division by zero"}};
    } else if (s.code.find("BIG") != std::string::npos) {
      s.state = "available";
      s.output = {{"status", "ok"},          {"columns", {"n"}},  {"types", {"BIGINT"}},
                  {"rows", {{1}, {2}, {3}}}, {"row_count", 1000}, {"truncated", true},
                  {"error", nullptr}};
    } else {
      s.state = "available";
      s.output = {{"status", "ok"},
                  {"columns", {"a", "b", "c"}},
                  {"types", {"BIGINT", "VARCHAR", "DOUBLE"}},
                  {"rows", {{1, "x", 1.5}, {nullptr, "<b>x</b>", nullptr}, {42, "héllo", -2.25}}},
                  {"row_count", 3},
                  {"truncated", false},
                  {"error", nullptr}};
    }
  }

  json to_json(const statement& s) const {
    return {{"id", s.id},
            {"code", s.code},
            {"state", s.state},
            {"started", unix_s(s.started)},
            {"completed", s.completed ? json(unix_s(*s.completed)) : json(nullptr)},
            {"output", s.output}};
  }

  statement* find(const httplib::Request& req) {
    const int64_t id = std::stoll(req.matches[1]);
    if (id < 1 || id > static_cast<int64_t>(statements_.size())) return nullptr;
    statement& s = statements_[id - 1];
    advance(s);
    return &s;
  }

  void routes() {
    server_.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      if (req.path.rfind("/api/", 0) != 0) return httplib::Server::HandlerResponse::Unhandled;
      if (req.get_header_value("Authorization") == "Bearer " + kToken)
        return httplib::Server::HandlerResponse::Unhandled;
      send(res, 401, {{"error", "missing or wrong session token"}});
      return httplib::Server::HandlerResponse::Handled;
    });
    server_.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(tranche::kNotebookHtml, "text/html; charset=utf-8");
    });
    server_.Get("/api/v1/session", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard<std::mutex> l(mu_);
      bool busy = false;
      for (auto& s : statements_) {
        advance(s);
        busy = busy || !s.completed;
      }
      send(res, 200,
           {{"id", "s-4f2a"},
            {"name", "explore"},
            {"state", busy ? "busy" : "idle"},
            {"reason", ""},
            {"node", 2},
            {"endpoint", endpoint()},
            {"idle_timeout_s", 1200},
            {"statements", statements_.size()}});
    });
    server_.Post("/api/v1/statements", [this](const httplib::Request& req, httplib::Response& res) {
      const json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.contains("code") || !body["code"].is_string())
        return send(res, 400, {{"error", "the body must be {\"code\": \"...\"}"}});
      std::lock_guard<std::mutex> l(mu_);
      statement s;
      s.id = static_cast<int64_t>(statements_.size()) + 1;
      s.code = body["code"];
      s.started = clock::now();
      statements_.push_back(s);
      send(res, 201, {{"id", s.id}, {"state", "waiting"}});
    });
    server_.Get("/api/v1/statements", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard<std::mutex> l(mu_);
      json list = json::array();
      for (auto& s : statements_) {
        advance(s);
        list.push_back(to_json(s));
      }
      send(res, 200, {{"total_statements", statements_.size()}, {"statements", list}});
    });
    server_.Get(R"(/api/v1/statements/(\d+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard<std::mutex> l(mu_);
                  statement* s = find(req);
                  if (s == nullptr) return send(res, 404, {{"error", "no such statement"}});
                  send(res, 200, to_json(*s));
                });
    server_.Post(R"(/api/v1/statements/(\d+)/cancel)", [this](const httplib::Request& req,
                                                              httplib::Response& res) {
      std::lock_guard<std::mutex> l(mu_);
      statement* s = find(req);
      if (s == nullptr) return send(res, 404, {{"error", "no such statement"}});
      if (s->completed)
        return send(res, 409,
                    {{"error",
                      "statement " + std::to_string(s->id) + " already ended (" + s->state + ")"}});
      ++cancels_;
      s->completed = clock::now();
      s->state = "cancelled";
      s->output = {{"status", "cancelled"}, {"columns", json::array()}, {"types", json::array()},
                   {"rows", json::array()}, {"row_count", 0},           {"truncated", false},
                   {"error", nullptr}};
      send(res, 200, {{"id", s->id}, {"state", "cancelled"}});
    });
    server_.Get("/api/v1/notebooks", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard<std::mutex> l(mu_);
      json names = json::array();
      for (const auto& [name, nb] : notebooks_) names.push_back(name);
      send(res, 200, {{"notebooks", names}});
    });
    server_.Get(R"(/api/v1/notebooks/([^/]+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard<std::mutex> l(mu_);
                  auto it = notebooks_.find(req.matches[1]);
                  if (it == notebooks_.end()) return send(res, 404, {{"error", "no notebook"}});
                  send(res, 200, it->second);
                });
    server_.Put(R"(/api/v1/notebooks/([^/]+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  const std::string name = req.matches[1];
                  if (!std::regex_match(name, std::regex("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}")))
                    return send(res, 400, {{"error", "bad notebook name"}});
                  json nb = json::parse(req.body, nullptr, false);
                  if (nb.is_discarded()) return send(res, 400, {{"error", "not JSON"}});
                  std::lock_guard<std::mutex> l(mu_);
                  notebooks_[name] = nb;
                  send(res, 200, {{"saved", name}});
                });
  }

  std::chrono::milliseconds delay_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  std::mutex mu_;
  std::vector<statement> statements_;
  std::map<std::string, json> notebooks_;
  int cancels_ = 0;
};

// A fresh directory, removed with everything in it at the end.
class temp_dir {
 public:
  temp_dir() {
    std::string t = (std::filesystem::temp_directory_path() / "tranche-cli-XXXXXX").string();
    path_ = mkdtemp(t.data()) != nullptr ? std::filesystem::path(t) : std::filesystem::path();
  }
  ~temp_dir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Sets (or, with nullopt, unsets) an environment variable for a scope.
class scoped_env {
 public:
  scoped_env(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      setenv(name, value->c_str(), 1);
    else
      unsetenv(name);
  }
  ~scoped_env() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace tranche_test
