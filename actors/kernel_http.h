// A session kernel's HTTP endpoint (cpp-httplib): the Livy-shaped REST API
// over its kernel_core and the notebook page (actors/notebook_page.h).
//
//   GET  /                              the notebook (no token: the page
//                                       reads it from the URL fragment)
//   GET  /api/v1/session                the session: id, name, state, ...
//   POST /api/v1/statements             {"code": "SELECT ..."} -> 201 {"id", "state"}
//   GET  /api/v1/statements             {"total_statements", "statements": [...]}
//   GET  /api/v1/statements/ID          {"id", "code", "state", "output", ...}
//   POST /api/v1/statements/ID/cancel   {"id", "state": "cancelled"}; 409 once ended
//   GET  /api/v1/history                each distinct statement with its runs
//   GET  /api/v1/notebooks              {"notebooks": [names]}
//   GET  /api/v1/notebooks/NAME         a saved notebook
//   PUT  /api/v1/notebooks/NAME         saves one (JSON, at most 1 MiB)
//
// Every /api path needs `Authorization: Bearer <the session's token>`: the
// presented token's SHA-256 must equal the session's digest (constant-time)
// and the session must not be past its absolute end, else 401 and nothing
// runs. Errors are {"error": "..."}; no message ever holds a token.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "actors/kernel.h"

namespace tranche {

struct kernel_http_config {
  std::string listen;  // host:port; port 0 picks a free one
  std::string token_digest;
  int64_t expires_unix_ms = 0;
  std::string notebook_dir;
  std::function<std::string()> session_json;  // GET /api/v1/session
};

class kernel_http {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<kernel_http>> start(kernel_core& core,
                                                                          kernel_http_config cfg);
  virtual ~kernel_http() = default;
  [[nodiscard]] virtual int port() const = 0;
};

}  // namespace tranche
