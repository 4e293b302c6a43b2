// A small blocking client for an interactive session's REST API (the kernel
// process that runs SQL statements for one user; see `tranche shell`), and
// the local files the CLI keeps about sessions: the record that maps a
// session id to its endpoint ($TRANCHE_HOME/sessions/<id>.json, written by
// `tranche session create`) and the bearer token (TRANCHE_TOKEN or a token
// file only its owner can read). Called by tools/cli/shell.cc and the
// `session` subcommand; tested against a fake kernel in tests/cli/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace httplib {
class Client;
}

namespace tranche::cli {

// A statement's execution count within its session (1, 2, 3 ... like
// Jupyter's In [n]).
struct statement_id {
  int64_t value = 0;
  friend bool operator==(const statement_id&, const statement_id&) = default;
};

// GET /api/v1/session
struct session_status {
  std::string id;        // "s-4f2a"
  std::string name;      // "explore"
  std::string state;     // starting|idle|busy|stopping|stopped|failed|culled
  std::string reason;    // why it stopped or failed; may be empty
  int64_t node = 0;      // the node the kernel runs on
  std::string endpoint;  // HOST:PORT
  int64_t idle_timeout_s = 0;
  int64_t statements = 0;  // how many statements it has been given
};

// A finished statement's output. Values are rendered as text the way the
// CLI prints them (numbers, true/false, strings, dates 'YYYY-MM-DD');
// nullopt is SQL NULL.
struct statement_output {
  std::string status;  // ok|error|cancelled
  std::vector<std::string> columns;
  std::vector<std::string> types;  // BIGINT, DOUBLE, BOOLEAN, VARCHAR, DATE
  std::vector<std::vector<std::optional<std::string>>> rows;
  int64_t row_count = 0;   // all rows, even when only the first are in `rows`
  bool truncated = false;  // the kernel kept only the first rows
  std::string error;       // empty unless status is error
};

// GET /api/v1/statements/ID
struct statement_info {
  statement_id id;
  std::string code;
  std::string state;   // waiting|running|available|error|cancelled
  double started = 0;  // unix seconds
  std::optional<double> completed;
  std::optional<statement_output> output;  // set once the statement ended

  // Whether the state is final (available, error or cancelled).
  [[nodiscard]] bool ended() const;
};

// GET /api/v1/statements
struct statement_list {
  int64_t total_statements = 0;
  std::vector<statement_info> statements;  // oldest first
};

// One session's API at HOST:PORT over plain HTTP. Every call blocks for at
// most the connect (5 s) and read (30 s) timeouts. Errors: a 401 is
// PermissionDenied, an unreachable endpoint Unavailable, 404 NotFound, 409
// FailedPrecondition, 400/413 InvalidArgument; each names the endpoint and
// carries the kernel's {"error": ...} text.
class session_client {
 public:
  session_client(std::string endpoint /* host:port */, std::string token);
  ~session_client();
  session_client(const session_client&) = delete;
  session_client& operator=(const session_client&) = delete;

  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }
  [[nodiscard]] absl::StatusOr<session_status> session();
  [[nodiscard]] absl::StatusOr<statement_id> submit(const std::string& code);
  [[nodiscard]] absl::StatusOr<statement_info> statement(statement_id id);
  [[nodiscard]] absl::StatusOr<statement_list> statements();
  [[nodiscard]] absl::Status cancel(statement_id id);

 private:
  struct reply;
  [[nodiscard]] absl::StatusOr<reply> call(const std::string& method, const std::string& path,
                                           const std::string& body);

  std::string endpoint_;
  std::string token_;
  std::unique_ptr<httplib::Client> http_;  // null when the endpoint is not HOST:PORT
};

// What `tranche session create` records about a session, so that
// `tranche shell --session ID` finds its endpoint.
struct session_record {
  std::string id;
  std::string endpoint;  // HOST:PORT
  int64_t node = 0;
  std::string name;
};

// $TRANCHE_HOME/sessions, else $HOME/.tranche/sessions; an error when
// neither variable is set.
[[nodiscard]] absl::StatusOr<std::filesystem::path> sessions_dir();
// Writes <sessions_dir>/<id>.json (mode 0600; the directory 0700), replacing
// an earlier record of that id atomically. Returns the file's path.
[[nodiscard]] absl::StatusOr<std::filesystem::path> write_session_record(const session_record& r);
// Reads the record of session `id`; NotFound names the file looked for.
[[nodiscard]] absl::StatusOr<session_record> read_session_record(const std::string& id);

// The bearer token: from `token_file` when it is not empty, else from the
// environment variable TRANCHE_TOKEN. A file readable or writable by group
// or others is refused, a trailing newline is stripped, and a token that
// does not start with trs_ is refused. Messages never contain the token.
[[nodiscard]] absl::StatusOr<std::string> load_token(const std::string& token_file);

}  // namespace tranche::cli
