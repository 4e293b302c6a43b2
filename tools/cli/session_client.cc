// Implementation of the session API client, the session records and the
// token loader (see session_client.h). The kernel's replies are untrusted
// bytes: JSON is parsed here, and nlohmann's exceptions stop at this file.
#include "cli/session_client.h"

#include <fcntl.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tranche::cli {
namespace {

using json = nlohmann::json;

// The value of a row cell as the CLI prints it (see to_string(value)).
std::optional<std::string> cell_text(const json& v) {
  if (v.is_null()) return std::nullopt;
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return v.dump();
  if (v.is_number_float()) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v.get<double>());
    return std::string(buf, r.ptr);
  }
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string string_or_empty(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// Throws nlohmann's exceptions on a wrong shape; the callers catch them.
statement_info to_statement(const json& j) {
  statement_info s;
  s.id.value = j.at("id").get<int64_t>();
  s.code = string_or_empty(j, "code");
  s.state = j.at("state").get<std::string>();
  if (auto it = j.find("started"); it != j.end() && it->is_number()) s.started = it->get<double>();
  if (auto it = j.find("completed"); it != j.end() && it->is_number())
    s.completed = it->get<double>();
  auto out = j.find("output");
  if (out == j.end() || out->is_null()) return s;
  statement_output o;
  o.status = out->at("status").get<std::string>();
  if (auto it = out->find("columns"); it != out->end() && it->is_array())
    o.columns = it->get<std::vector<std::string>>();
  if (auto it = out->find("types"); it != out->end() && it->is_array())
    o.types = it->get<std::vector<std::string>>();
  if (auto it = out->find("rows"); it != out->end() && it->is_array())
    for (const auto& row : *it) {
      std::vector<std::optional<std::string>> r;
      for (const auto& v : row) r.push_back(cell_text(v));
      o.rows.push_back(std::move(r));
    }
  o.row_count = out->value("row_count", static_cast<int64_t>(o.rows.size()));
  o.truncated = out->value("truncated", false);
  o.error = string_or_empty(*out, "error");
  s.output = std::move(o);
  return s;
}

// Splits HOST:PORT (the host may be a bracketed IPv6 address).
bool split_endpoint(const std::string& endpoint, std::string* host, int* port) {
  const auto colon = endpoint.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = endpoint.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  const std::string p = endpoint.substr(colon + 1);
  auto r = std::from_chars(p.data(), p.data() + p.size(), *port);
  return r.ec == std::errc() && r.ptr == p.data() + p.size() && *port > 0 && *port < 65536;
}

bool valid_session_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

std::string octal_mode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

}  // namespace

bool statement_info::ended() const {
  return state == "available" || state == "error" || state == "cancelled";
}

struct session_client::reply {
  int status = 0;
  json body;
};

session_client::session_client(std::string endpoint, std::string token)
    : endpoint_(std::move(endpoint)), token_(std::move(token)) {
  std::string host;
  int port = 0;
  if (!split_endpoint(endpoint_, &host, &port)) return;
  http_ = std::make_unique<httplib::Client>(host, port);
  http_->set_connection_timeout(5);
  http_->set_read_timeout(30);
  http_->set_write_timeout(30);
  http_->set_bearer_token_auth(token_);
}

session_client::~session_client() = default;

absl::StatusOr<session_client::reply> session_client::call(const std::string& method,
                                                           const std::string& path,
                                                           const std::string& body) {
  if (!http_)
    return absl::InvalidArgumentError("session endpoint \"" + endpoint_ + "\" is not HOST:PORT");
  httplib::Result r =
      method == "GET" ? http_->Get(path) : http_->Post(path, body, "application/json");
  const std::string where = "the session at " + endpoint_;
  if (!r) {
    const auto err = r.error();
    if (err == httplib::Error::Connection || err == httplib::Error::ConnectionTimeout)
      return absl::UnavailableError("cannot connect to " + where +
                                    " (connection refused or timed out): is the session running?");
    return absl::UnavailableError(where + " did not answer " + method + " " + path + ": " +
                                  httplib::to_string(err));
  }
  reply out;
  out.status = r->status;
  out.body = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  if (out.status >= 200 && out.status < 300) {
    if (out.body.is_discarded() || !out.body.is_object())
      return absl::DataLossError(where + " answered " + method + " " + path +
                                 " with something that is not a JSON object");
    return out;
  }
  std::string msg = out.body.is_object() ? string_or_empty(out.body, "error") : "";
  if (msg.empty()) msg = "HTTP " + std::to_string(out.status);
  switch (out.status) {
    case 401:
      return absl::PermissionDeniedError("the session refused the token (401): " + msg);
    case 404:
      return absl::NotFoundError(where + ": " + msg);
    case 409:
      return absl::FailedPreconditionError(where + ": " + msg);
    case 400:
    case 413:
      return absl::InvalidArgumentError(where + ": " + msg);
    default:
      return absl::UnavailableError(where + " answered HTTP " + std::to_string(out.status) + ": " +
                                    msg);
  }
}

absl::StatusOr<session_status> session_client::session() {
  auto r = call("GET", "/api/v1/session", "");
  if (!r.ok()) return r.status();
  try {
    const json& j = r->body;
    session_status s;
    s.id = j.at("id").get<std::string>();
    s.name = string_or_empty(j, "name");
    s.state = j.at("state").get<std::string>();
    s.reason = string_or_empty(j, "reason");
    s.node = j.value("node", int64_t{0});
    s.endpoint = string_or_empty(j, "endpoint");
    s.idle_timeout_s = j.value("idle_timeout_s", int64_t{0});
    s.statements = j.value("statements", int64_t{0});
    return s;
  } catch (const json::exception& e) {
    return absl::DataLossError("the session at " + endpoint_ +
                               " sent a malformed session: " + e.what());
  }
}

absl::StatusOr<statement_id> session_client::submit(const std::string& code) {
  auto r = call("POST", "/api/v1/statements", json{{"code", code}}.dump());
  if (!r.ok()) return r.status();
  auto it = r->body.find("id");
  if (it == r->body.end() || !it->is_number_integer())
    return absl::DataLossError("the session at " + endpoint_ +
                               " accepted a statement but sent no id");
  return statement_id{it->get<int64_t>()};
}

absl::StatusOr<statement_info> session_client::statement(statement_id id) {
  auto r = call("GET", "/api/v1/statements/" + std::to_string(id.value), "");
  if (!r.ok()) return r.status();
  try {
    return to_statement(r->body);
  } catch (const json::exception& e) {
    return absl::DataLossError("the session at " + endpoint_ + " sent a malformed statement " +
                               std::to_string(id.value) + ": " + e.what());
  }
}

absl::StatusOr<statement_list> session_client::statements() {
  auto r = call("GET", "/api/v1/statements", "");
  if (!r.ok()) return r.status();
  try {
    statement_list l;
    for (const auto& s : r->body.at("statements")) l.statements.push_back(to_statement(s));
    l.total_statements =
        r->body.value("total_statements", static_cast<int64_t>(l.statements.size()));
    return l;
  } catch (const json::exception& e) {
    return absl::DataLossError("the session at " + endpoint_ +
                               " sent a malformed statement list: " + e.what());
  }
}

absl::Status session_client::cancel(statement_id id) {
  auto r = call("POST", "/api/v1/statements/" + std::to_string(id.value) + "/cancel", "");
  return r.status();
}

absl::StatusOr<std::filesystem::path> sessions_dir() {
  if (std::string home = env("TRANCHE_HOME"); !home.empty())
    return std::filesystem::path(home) / "sessions";
  if (std::string home = env("HOME"); !home.empty())
    return std::filesystem::path(home) / ".tranche" / "sessions";
  return absl::FailedPreconditionError(
      "neither TRANCHE_HOME nor HOME is set: no place for session records");
}

absl::StatusOr<std::filesystem::path> write_session_record(const session_record& r) {
  if (!valid_session_id(r.id))
    return absl::InvalidArgumentError("session id \"" + r.id +
                                      "\" is not 1-64 letters, digits, - or _");
  auto dir = sessions_dir();
  if (!dir.ok()) return dir.status();
  std::error_code ec;
  std::filesystem::create_directories(*dir, ec);
  if (ec) return absl::UnavailableError(dir->string() + ": cannot create: " + ec.message());
  if (chmod(dir->c_str(), 0700) != 0)
    return absl::UnavailableError(dir->string() + ": cannot chmod 700: " + std::strerror(errno));
  const auto path = *dir / (r.id + ".json");
  const auto tmp = *dir / ("." + r.id + ".json." + std::to_string(getpid()));
  const std::string text =
      json{{"id", r.id}, {"endpoint", r.endpoint}, {"node", r.node}, {"name", r.name}}.dump(2) +
      "\n";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return absl::UnavailableError(tmp.string() + ": cannot create: " + std::strerror(errno));
  const bool written = fchmod(fd, 0600) == 0 &&
                       write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool closed = close(fd) == 0;
  if (!written || !closed || rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    unlink(tmp.c_str());
    return absl::UnavailableError(path.string() + ": cannot write: " + why);
  }
  return path;
}

absl::StatusOr<session_record> read_session_record(const std::string& id) {
  if (!valid_session_id(id))
    return absl::InvalidArgumentError("session id \"" + id +
                                      "\" is not 1-64 letters, digits, - or _");
  auto dir = sessions_dir();
  if (!dir.ok()) return dir.status();
  const auto path = *dir / (id + ".json");
  std::ifstream in(path);
  if (!in)
    return absl::NotFoundError("no record of session " + id + " (" + path.string() +
                               "): create it with `tranche session create` or pass --endpoint");
  std::stringstream ss;
  ss << in.rdbuf();
  const json j = json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  const std::string bad = path.string() + ": not a session record";
  if (j.is_discarded() || !j.is_object()) return absl::DataLossError(bad + ": not a JSON object");
  session_record r;
  r.id = string_or_empty(j, "id");
  r.endpoint = string_or_empty(j, "endpoint");
  r.name = string_or_empty(j, "name");
  if (auto it = j.find("node"); it != j.end() && it->is_number_integer())
    r.node = it->get<int64_t>();
  if (r.id != id) return absl::DataLossError(bad + ": its id is \"" + r.id + "\"");
  if (r.endpoint.empty()) return absl::DataLossError(bad + ": it has no endpoint");
  return r;
}

absl::StatusOr<std::string> load_token(const std::string& token_file) {
  std::string token, from;
  if (!token_file.empty()) {
    from = "token file " + token_file;
    struct stat st {};
    if (stat(token_file.c_str(), &st) != 0)
      return absl::NotFoundError(token_file +
                                 ": cannot read the token file: " + std::strerror(errno));
    if (st.st_mode & 0044)
      return absl::PermissionDeniedError("token file " + token_file +
                                         " is readable by others (mode " + octal_mode(st.st_mode) +
                                         "): chmod 600 " + token_file);
    if (st.st_mode & 0022)
      return absl::PermissionDeniedError("token file " + token_file +
                                         " is writable by others (mode " + octal_mode(st.st_mode) +
                                         "): chmod 600 " + token_file);
    std::ifstream in(token_file);
    if (!in) return absl::NotFoundError(token_file + ": cannot read the token file");
    std::stringstream ss;
    ss << in.rdbuf();
    token = ss.str();
  } else {
    from = "TRANCHE_TOKEN";
    token = env("TRANCHE_TOKEN");
    if (token.empty())
      return absl::FailedPreconditionError(
          "no session token: set TRANCHE_TOKEN or pass --token-file F");
  }
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.rfind("trs_", 0) != 0)
    return absl::InvalidArgumentError("the token in " + from +
                                      " is not a session token (those start with trs_)");
  for (char c : token)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return absl::InvalidArgumentError("the token in " + from +
                                        " holds characters other than letters, digits and _");
  return token;
}

}  // namespace tranche::cli
