// What the HTTP endpoints (the head's, actors/http_console.h, and each
// session kernel's, actors/kernel_http.h) share: JSON answers, JSON errors
// ({"error": "..."}, with session tokens redacted), and the error and
// exception handlers that keep every answer JSON.
#pragma once

#include <httplib.h>

#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace tranche {

void send_json(httplib::Response& res, int status, const std::string& body);
void send_error(httplib::Response& res, int status, absl::string_view message);
// A page embedded in the binary: it holds no data, is framed by no one,
// runs only its own inline script and talks only to its own origin.
void send_page(httplib::Response& res, const char* html);
// 404 names the path, 413 the body limit, a body-less POST its fix; an
// exception is logged under `component` and answered 500.
void install_json_handlers(httplib::Server& http, const std::string& component);

}  // namespace tranche
