// A session kernel's HTTP endpoint (see kernel_http.h).
#include "actors/kernel_http.h"

#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "actors/http_json.h"
#include "actors/notebook_page.h"
#include "auth/session_token.h"
#include "console/json.h"
#include "daemon/config.h"
#include "daemon/log.h"

namespace tranche {
namespace {

constexpr size_t kMaxBody = 1 << 20;

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool valid_notebook_name(const std::string& name) {
  static const std::regex re("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}");
  return std::regex_match(name, re);
}

class server final : public kernel_http {
 public:
  server(kernel_core& core, kernel_http_config cfg) : core_(core), cfg_(std::move(cfg)) {}
  ~server() override {
    http_.stop();
    if (thread_.joinable()) thread_.join();
  }

  absl::Status start() {
    std::string host;
    uint16_t port = 0;
    if (auto s = split_host_port(cfg_.listen, &host, &port); !s.ok()) return s;
    routes();
    http_.set_read_timeout(10, 0);
    http_.set_payload_max_length(kMaxBody);
    port_ = port == 0 ? http_.bind_to_any_port(host) : (http_.bind_to_port(host, port) ? port : -1);
    if (port_ <= 0) return absl::UnavailableError(absl::StrCat("cannot listen on ", cfg_.listen));
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    return absl::OkStatus();
  }

  int port() const override { return port_; }

 private:
  // Why the request may not pass, or empty.
  std::string refusal(const httplib::Request& req) const {
    const std::string auth = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.size() <= kBearer.size() || auth.compare(0, kBearer.size(), kBearer) != 0)
      return "this session needs its token: Authorization: Bearer trs_...";
    if (!token_matches(std::string_view(auth).substr(kBearer.size()), cfg_.token_digest))
      return "the token is not this session's";
    if (unix_ms() >= cfg_.expires_unix_ms) return "the session's token has expired";
    return {};
  }

  using handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  httplib::Server::Handler guarded(handler f) {
    return [this, f = std::move(f)](const httplib::Request& req, httplib::Response& res) {
      if (auto why = refusal(req); !why.empty()) {
        res.set_header("WWW-Authenticate", "Bearer");
        return send_error(res, 401, why);
      }
      f(req, res);
    };
  }

  void routes() {
    http_.Get("/", [](const httplib::Request&, httplib::Response& res) {
      send_page(res, kNotebookHtml);
    });
    http_.Get("/api/v1/session", guarded([this](const httplib::Request&, httplib::Response& res) {
                send_json(res, 200, cfg_.session_json ? cfg_.session_json() : "{}");
              }));
    http_.Post(
        "/api/v1/statements", guarded([this](const httplib::Request& req, httplib::Response& res) {
          nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
          if (body.is_discarded() || !body.is_object())
            return send_error(res, 400, "the body must be a JSON object: {\"code\": \"...\"}");
          auto code = body.find("code");
          if (code == body.end() || !code->is_string() ||
              code->get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos)
            return send_error(res, 400, "\"code\" must be a non-empty string");
          const int64_t id = core_.submit(code->get<std::string>());
          json_writer w;
          w.begin_object().key("id").value(id).key("state").value("waiting").end_object();
          send_json(res, 201, w.str());
        }));
    http_.Get("/api/v1/statements",
              guarded([this](const httplib::Request&, httplib::Response& res) {
                send_json(res, 200, core_.statements_json());
              }));
    http_.Get(R"(/api/v1/statements/(\d{1,18}))",
              guarded([this](const httplib::Request& req, httplib::Response& res) {
                int64_t id = 0;
                (void)absl::SimpleAtoi(req.matches[1].str(), &id);
                auto s = core_.statement(id);
                if (!s.ok()) return send_error(res, 404, std::string(s.status().message()));
                send_json(res, 200, *s);
              }));
    http_.Post(R"(/api/v1/statements/(\d{1,18})/cancel)",
               guarded([this](const httplib::Request& req, httplib::Response& res) {
                 int64_t id = 0;
                 (void)absl::SimpleAtoi(req.matches[1].str(), &id);
                 auto s = core_.cancel(id);
                 if (!s.ok())
                   return send_error(res, absl::IsNotFound(s.status()) ? 404 : 409,
                                     std::string(s.status().message()));
                 send_json(res, 200, *s);
               }));
    http_.Get("/api/v1/history", guarded([this](const httplib::Request&, httplib::Response& res) {
                send_json(res, 200, core_.history_json());
              }));
    http_.Get("/api/v1/notebooks", guarded([this](const httplib::Request&, httplib::Response& res) {
                namespace fs = std::filesystem;
                std::vector<std::string> names;
                std::error_code ec;
                for (const auto& e : fs::directory_iterator(cfg_.notebook_dir, ec))
                  if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
                std::sort(names.begin(), names.end());
                json_writer w;
                w.begin_object().key("notebooks").begin_array();
                for (const auto& n : names) w.value(n);
                w.end_array().end_object();
                send_json(res, 200, w.str());
              }));
    http_.Get(R"(/api/v1/notebooks/([^/]+))",
              guarded([this](const httplib::Request& req, httplib::Response& res) {
                const std::string name = req.matches[1].str();
                if (!valid_notebook_name(name))
                  return send_error(res, 400, "a notebook name is 1-64 of A-Z a-z 0-9 _ - .");
                std::ifstream in(cfg_.notebook_dir + "/" + name + ".json", std::ios::binary);
                if (!in) return send_error(res, 404, absl::StrCat("no notebook ", name));
                std::stringstream text;
                text << in.rdbuf();
                res.set_header("Cache-Control", "no-store");
                res.set_content(text.str(), "application/json");
              }));
    http_.Put(R"(/api/v1/notebooks/([^/]+))",
              guarded([this](const httplib::Request& req, httplib::Response& res) {
                const std::string name = req.matches[1].str();
                if (!valid_notebook_name(name))
                  return send_error(res, 400, "a notebook name is 1-64 of A-Z a-z 0-9 _ - .");
                nlohmann::json nb = nlohmann::json::parse(req.body, nullptr, false);
                if (nb.is_discarded() || !nb.is_object() || !nb.contains("cells") ||
                    !nb["cells"].is_array())
                  return send_error(res, 400, "a notebook is a JSON object with a \"cells\" array");
                // Written whole, then renamed: a reader never sees half of it.
                const std::string path = cfg_.notebook_dir + "/" + name + ".json";
                const std::string tmp = path + ".tmp";
                {
                  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
                  out << req.body;
                  if (!out.flush())
                    return send_error(res, 500, absl::StrCat("cannot write ", path));
                }
                std::error_code ec;
                std::filesystem::permissions(
                    tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                    std::filesystem::perm_options::replace, ec);
                std::filesystem::rename(tmp, path, ec);
                if (ec) return send_error(res, 500, absl::StrCat("cannot write ", path));
                json_writer w;
                w.begin_object().key("saved").value(name).end_object();
                send_json(res, 200, w.str());
              }));
    install_json_handlers(http_, "kernel");
  }

  kernel_core& core_;
  kernel_http_config cfg_;
  httplib::Server http_;
  std::thread thread_;
  int port_ = -1;
};

}  // namespace

absl::StatusOr<std::unique_ptr<kernel_http>> kernel_http::start(kernel_core& core,
                                                                kernel_http_config cfg) {
  auto s = std::make_unique<server>(core, std::move(cfg));
  if (auto st = s->start(); !st.ok()) return st;
  return std::unique_ptr<kernel_http>(std::move(s));
}

}  // namespace tranche
