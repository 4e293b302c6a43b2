// JSON answers of the HTTP endpoints (see http_json.h).
#include "actors/http_json.h"

#include "absl/strings/str_cat.h"
#include "auth/session_token.h"
#include "console/json.h"
#include "daemon/log.h"

namespace tranche {

void send_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body + "\n", "application/json");
}

void send_error(httplib::Response& res, int status, absl::string_view message) {
  json_writer w;
  w.begin_object()
      .key("error")
      .value(redact_tokens(std::string_view(message.data(), message.size())))
      .end_object();
  send_json(res, status, w.str());
}

void send_page(httplib::Response& res, const char* html) {
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                 "connect-src 'self'; img-src 'self' data:");
  res.set_content(html, "text/html; charset=utf-8");
}

void install_json_handlers(httplib::Server& http, const std::string& component) {
  http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404)
      send_error(res, 404, absl::StrCat("no such resource: ", req.method, " ", req.path));
    else if (res.status == 413)
      send_error(res, 413, "the request body is too large");
    else if (res.status == 400 && req.method == "POST")
      send_error(res, 400, "a POST needs a Content-Length (an empty body is fine: -d '')");
    else
      send_error(res, res.status, absl::StrCat("HTTP ", res.status));
  });
  http.set_exception_handler(
      [component](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        log_warn(component, absl::StrCat(req.method, " ", req.path, ": ", what));
        send_error(res, 500, "internal error");
      });
}

}  // namespace tranche
