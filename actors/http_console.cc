// The head's HTTP endpoint (see http_console.h), on cpp-httplib.
#include "actors/http_console.h"

#include <httplib.h>

#include <chrono>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "actors/cluster_view.h"
#include "actors/http_json.h"
#include "console/console_codec.h"
#include "console/console_json.h"
#include "daemon/config.h"
#include "daemon/log.h"

namespace tranche {
namespace {

constexpr auto kAskTimeout = std::chrono::seconds(10);

// The HTTP status for an SDK error.
int status_of(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kInvalidArgument:
      return 400;
    default:
      return 503;
  }
}

class server final : public http_console {
 public:
  server(caf::actor_system& sys, http_console_config cfg)
      : sys_(sys),
        cfg_(std::move(cfg)),
        view_(attach_cluster(sys, cfg_.job_manager, cfg_.broker, cfg_.session_manager)) {
    if (!cfg_.tls_certificate.empty())
      http_ =
          std::make_unique<httplib::SSLServer>(cfg_.tls_certificate.c_str(), cfg_.tls_key.c_str());
    else
      http_ = std::make_unique<httplib::Server>();
  }
  ~server() override {
    http_->stop();
    if (thread_.joinable()) thread_.join();
  }

  absl::Status start() {
    if (!http_->is_valid())
      return absl::InvalidArgumentError(absl::StrCat("http: cannot serve HTTPS with ",
                                                     cfg_.tls_certificate, " and ", cfg_.tls_key));
    std::string host;
    uint16_t port = 0;
    if (auto s = split_host_port(cfg_.listen, &host, &port); !s.ok()) return s;
    routes();
    http_->set_keep_alive_max_count(100);
    http_->set_read_timeout(10, 0);
    http_->set_payload_max_length(64 << 10);
    if (port == 0) {
      port_ = http_->bind_to_any_port(host);
    } else {
      port_ = http_->bind_to_port(host, port) ? port : -1;
    }
    if (port_ <= 0)
      return absl::UnavailableError(absl::StrCat("http: cannot listen on ", cfg_.listen));
    thread_ = std::thread([this] { http_->listen_after_bind(); });
    return absl::OkStatus();
  }

  int port() const override { return port_; }

 private:
  bool authorized(const httplib::Request& req) const {
    const std::string auth = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.size() <= kBearer.size() || auth.compare(0, kBearer.size(), kBearer) != 0)
      return false;
    return cfg_.token && cfg_.token->matches(std::string_view(auth).substr(kBearer.size()));
  }

  // Wraps a handler: the token first, then the handler.
  httplib::Server::Handler guarded(
      std::function<void(const httplib::Request&, httplib::Response&)> f, bool open = false) {
    return [this, f = std::move(f), open](const httplib::Request& req, httplib::Response& res) {
      if (!open && !authorized(req)) {
        res.set_header("WWW-Authenticate", "Bearer");
        return send_error(res, 401,
                          "the admin token is missing or wrong (Authorization: Bearer TOKEN)");
      }
      f(req, res);
    };
  }

  absl::StatusOr<std::vector<metric_sample>> metrics() {
    caf::scoped_actor self{sys_};
    std::vector<metric_sample> all;
    absl::Status out = absl::OkStatus();
    auto take = [&](const std::vector<char>& b) {
      auto m = decode_metrics(b.data(), b.size());
      if (!m.ok()) {
        out = m.status();
        return;
      }
      all.insert(all.end(), m->begin(), m->end());
    };
    auto failed = [&](const caf::error& e) { out = absl::UnavailableError(sys_.render(e)); };
    self->request(cfg_.broker, kAskTimeout, metrics_atom::value).receive(take, failed);
    if (!out.ok()) return out;
    self->request(cfg_.job_manager, kAskTimeout, metrics_atom::value).receive(take, failed);
    if (!out.ok()) return out;
    if (cfg_.session_manager) {
      self->request(cfg_.session_manager, kAskTimeout, metrics_atom::value).receive(take, failed);
      if (!out.ok()) return out;
    }
    return all;
  }

  void routes() {
    http_->Get("/", [](const httplib::Request&, httplib::Response& res) {
      send_page(res, kDashboardHtml);
    });
    http_->Get("/metrics", guarded(
                               [this](const httplib::Request&, httplib::Response& res) {
                                 auto m = metrics();
                                 if (!m.ok()) return send_error(res, 503, m.status().message());
                                 res.set_content(prometheus_text(*m),
                                                 "text/plain; version=0.0.4; charset=utf-8");
                               },
                               cfg_.metrics_public));
    http_->Get("/api/v1/status", guarded([this](const httplib::Request&, httplib::Response& res) {
                 auto nodes = view_->nodes();
                 auto queues = view_->queues();
                 auto programs = view_->programs();
                 for (const absl::Status& s : {nodes.status(), queues.status(), programs.status()})
                   if (!s.ok()) return send_error(res, status_of(s), s.message());
                 json_writer w;
                 write_status_json(w, *nodes, *queues, *programs);
                 send_json(res, 200, w.str());
               }));
    http_->Get("/api/v1/nodes", guarded([this](const httplib::Request&, httplib::Response& res) {
                 auto nodes = view_->nodes();
                 if (!nodes.ok())
                   return send_error(res, status_of(nodes.status()), nodes.status().message());
                 json_writer w;
                 w.begin_array();
                 for (const auto& n : *nodes) write_json(w, n);
                 w.end_array();
                 send_json(res, 200, w.str());
               }));
    http_->Get("/api/v1/queues", guarded([this](const httplib::Request&, httplib::Response& res) {
                 auto qs = view_->queues();
                 if (!qs.ok())
                   return send_error(res, status_of(qs.status()), qs.status().message());
                 json_writer w;
                 w.begin_array();
                 for (const auto& q : *qs) write_json(w, q);
                 w.end_array();
                 send_json(res, 200, w.str());
               }));
    http_->Get("/api/v1/programs", guarded([this](const httplib::Request&, httplib::Response& res) {
                 auto ps = view_->programs();
                 if (!ps.ok())
                   return send_error(res, status_of(ps.status()), ps.status().message());
                 json_writer w;
                 w.begin_array();
                 for (const auto& p : *ps) write_json(w, p, false);
                 w.end_array();
                 send_json(res, 200, w.str());
               }));
    http_->Get(R"(/api/v1/programs/(\d{1,19}))",
               guarded([this](const httplib::Request& req, httplib::Response& res) {
                 uint64_t id = 0;
                 if (!absl::SimpleAtoi(req.matches[1].str(), &id))
                   return send_error(res, 400, "a program id is a number");
                 auto p = view_->program(id);
                 if (!p.ok()) return send_error(res, status_of(p.status()), p.status().message());
                 json_writer w;
                 write_json(w, *p, true);
                 send_json(res, 200, w.str());
               }));
    http_->Post(R"(/api/v1/programs/(\d{1,19})/cancel)",
                guarded([this](const httplib::Request& req, httplib::Response& res) {
                  uint64_t id = 0;
                  if (!absl::SimpleAtoi(req.matches[1].str(), &id))
                    return send_error(res, 400, "a program id is a number");
                  if (auto s = view_->cancel(id); !s.ok())
                    return send_error(res, status_of(s), s.message());
                  json_writer w;
                  w.begin_object().key("id").value(id).key("state").value("cancelled").end_object();
                  send_json(res, 200, w.str());
                }));
    http_->Post(
        R"(/api/v1/nodes/(\d{1,19})/(drain|undrain))",
        guarded([this](const httplib::Request& req, httplib::Response& res) {
          uint64_t id = 0;
          if (!absl::SimpleAtoi(req.matches[1].str(), &id))
            return send_error(res, 400, "a node id is a number");
          const bool drain = req.matches[2].str() == "drain";
          if (auto s = view_->set_draining(id, drain); !s.ok())
            return send_error(res, status_of(s), s.message());
          json_writer w;
          w.begin_object().key("id").value(id).key("state").value(drain ? "draining" : "up");
          w.end_object();
          send_json(res, 200, w.str());
        }));
    http_->Get("/api/v1/sessions", guarded([this](const httplib::Request&, httplib::Response& res) {
                 auto ss = view_->sessions();
                 if (!ss.ok())
                   return send_error(res, status_of(ss.status()), ss.status().message());
                 json_writer w;
                 w.begin_array();
                 for (const auto& s : *ss) write_json(w, s);
                 w.end_array();
                 send_json(res, 200, w.str());
               }));
    http_->Get(R"(/api/v1/sessions/(s-[0-9a-f]{1,16}))",
               guarded([this](const httplib::Request& req, httplib::Response& res) {
                 auto s = view_->session(req.matches[1].str());
                 if (!s.ok()) return send_error(res, status_of(s.status()), s.status().message());
                 json_writer w;
                 write_json(w, *s);
                 send_json(res, 200, w.str());
               }));
    http_->Post(R"(/api/v1/sessions/(s-[0-9a-f]{1,16})/stop)",
                guarded([this](const httplib::Request& req, httplib::Response& res) {
                  const std::string id = req.matches[1].str();
                  if (auto s = view_->stop_session(id); !s.ok())
                    return send_error(res, status_of(s), s.message());
                  json_writer w;
                  w.begin_object().key("id").value(id).key("state").value("stopping").end_object();
                  send_json(res, 200, w.str());
                }));
    install_json_handlers(*http_, "http");
  }

  caf::actor_system& sys_;
  http_console_config cfg_;
  std::unique_ptr<cluster> view_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = -1;
};

}  // namespace

absl::StatusOr<std::unique_ptr<http_console>> http_console::start(caf::actor_system& sys,
                                                                  http_console_config cfg) {
  auto s = std::make_unique<server>(sys, std::move(cfg));
  if (auto st = s->start(); !st.ok()) return st;
  return std::unique_ptr<http_console>(std::move(s));
}

}  // namespace tranche
