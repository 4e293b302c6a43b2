// The head's HTTP endpoint (`http = HOST:PORT`): Prometheus metrics at
// /metrics, the console's JSON at /api/v1/... (the shapes of tranchectl -o
// json), and the dashboard, one page embedded in the binary, at /. Every
// request but the dashboard page itself (which holds no data) presents the
// admin token as `Authorization: Bearer TOKEN`; /metrics too unless
// metrics_public. HTTPS with the head's TLS certificate when it has one.
//
//   GET  /api/v1/status                 GET  /api/v1/nodes
//   GET  /api/v1/programs               GET  /api/v1/programs/ID
//   GET  /api/v1/queues                 POST /api/v1/programs/ID/cancel
//   POST /api/v1/nodes/ID/drain         POST /api/v1/nodes/ID/undrain
//
// Errors are JSON, {"error": "..."}, with 400, 401, 404 or 503.
#pragma once

#include <caf/all.hpp>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "actors/broker.h"
#include "actors/job_manager.h"
#include "actors/session_manager.h"
#include "auth/auth.h"

namespace tranche {

struct http_console_config {
  std::string listen;  // host:port; port 0 picks one
  std::shared_ptr<const admin_token> token;
  bool metrics_public = false;
  std::string tls_certificate, tls_key;  // both or neither
  job_manager_actor job_manager;
  broker_actor broker;
  session_manager_actor session_manager;
};

class http_console {
 public:
  // Binds and starts serving on threads of its own; fails naming the address.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<http_console>> start(
      caf::actor_system& sys, http_console_config cfg);
  virtual ~http_console() = default;
  [[nodiscard]] virtual int port() const = 0;
};

// The dashboard page (actors/dashboard.cc).
extern const char* const kDashboardHtml;

}  // namespace tranche
