// tranched's configuration: the key table, the config-file and flag parsers
// built on it, and the cross-field rules; see config.h for the call order.
#include "daemon/config.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "daemon/config_values.h"
#include "sched/policy.h"
#include "sched/queues.h"

namespace tranche {
namespace {

using namespace config_detail;

// One config key, as spelled in the file and as a flag. `set` parses the
// value; its error names neither key nor place, the callers prefix both.
struct key_spec {
  std::string_view name;
  std::string_view default_text;
  std::string_view meaning;
  absl::Status (*set)(daemon_config*, std::string_view);
  bool repeatable = false;  // may be given more than once (each adds)
};

absl::Status set_host_port(std::string* field, std::string_view v) {
  if (absl::Status s = check_host_port(v); !s.ok()) return s;
  *field = std::string(v);
  return absl::OkStatus();
}

absl::Status set_duration(int64_t* field, std::string_view v) {
  absl::StatusOr<int64_t> ms = parse_duration_ms(v);
  if (!ms.ok()) return ms.status();
  *field = *ms;
  return absl::OkStatus();
}

// An integer in lo..hi.
absl::Status set_count(int64_t* field, std::string_view v, int64_t lo, int64_t hi) {
  int64_t n = 0;
  if (parse_digits(v, &n) != number_result::ok || n < lo || n > hi)
    return absl::InvalidArgumentError(
        absl::StrCat("expected an integer in ", lo, "..", hi, ", got ", quoted(v)));
  *field = n;
  return absl::OkStatus();
}

// A size of at least `least` bytes.
absl::Status set_limit(int64_t* field, std::string_view v, int64_t least) {
  absl::StatusOr<int64_t> bytes = parse_size(v);
  if (!bytes.ok()) return bytes.status();
  if (*bytes < least)
    return absl::InvalidArgumentError(
        absl::StrCat("expected at least ", least, " bytes, got ", quoted(v)));
  *field = *bytes;
  return absl::OkStatus();
}

const std::vector<key_spec>& keys() {
  static const std::vector<key_spec> table = {
      {"role", "(required)", "`head` (accepts workers, plans and schedules) or `worker`",
       [](daemon_config* c, std::string_view v) {
         if (v == "head") {
           c->role = daemon_role::head;
         } else if (v == "worker") {
           c->role = daemon_role::worker;
         } else {
           return absl::InvalidArgumentError(
               absl::StrCat("expected head or worker, got ", quoted(v)));
         }
         return absl::OkStatus();
       }},
      {"listen", "127.0.0.1:7400",
       "head: host:port workers and clients connect to (port 0: ephemeral)",
       [](daemon_config* c, std::string_view v) { return set_host_port(&c->listen, v); }},
      {"join", "(required for a worker)", "worker: the head's host:port",
       [](daemon_config* c, std::string_view v) { return set_host_port(&c->join, v); }},
      {"advertise", "host of `listen`, or 127.0.0.1",
       "host the head uses to reach this node's executor",
       [](daemon_config* c, std::string_view v) {
         if (v.empty() || has_space(v))
           return absl::InvalidArgumentError(
               absl::StrCat("expected a host name or address, got ", quoted(v)));
         c->advertise = std::string(v);
         return absl::OkStatus();
       }},
      {"executor-port", "0", "port of this node's executor (0: ephemeral)",
       [](daemon_config* c, std::string_view v) {
         if (!is_port(v))
           return absl::InvalidArgumentError(
               absl::StrCat("expected a port 0..65535, got ", quoted(v)));
         int64_t port = 0;
         parse_digits(v, &port);
         c->executor_port = static_cast<int>(port);
         return absl::OkStatus();
       }},
      {"secret-file", "(required)", "file holding the cluster's shared secret",
       [](daemon_config* c, std::string_view v) {
         c->secret_file = std::string(v);
         return absl::OkStatus();
       }},
      {"slots", "number of hardware cores", "tasks this node runs at once",
       [](daemon_config* c, std::string_view v) {
         int64_t n = 0;
         if (parse_digits(v, &n) != number_result::ok || n < 1)
           return absl::InvalidArgumentError(
               absl::StrCat("expected a positive integer, got ", quoted(v)));
         c->slots = n;
         return absl::OkStatus();
       }},
      {"memory", "4GiB", "memory this node offers to tasks (at least 64MiB)",
       [](daemon_config* c, std::string_view v) {
         absl::StatusOr<int64_t> bytes = parse_size(v);
         if (!bytes.ok()) return bytes.status();
         c->memory = *bytes;
         return absl::OkStatus();
       }},
      {"block-memory", "half of memory",
       "shuffle blocks this node keeps in memory; beyond it they spill to work-dir",
       [](daemon_config* c, std::string_view v) {
         absl::StatusOr<int64_t> bytes = parse_size(v);
         if (!bytes.ok()) return bytes.status();
         c->block_memory = *bytes;
         return absl::OkStatus();
       }},
      {"log-file", "(stderr)", "file the log is appended to",
       [](daemon_config* c, std::string_view v) {
         c->log_file = std::string(v);
         return absl::OkStatus();
       }},
      {"log-level", "info", "least severe level logged: debug, info, warn or error",
       [](daemon_config* c, std::string_view v) {
         absl::StatusOr<tranche::log_level> level = parse_log_level(v);
         if (!level.ok()) return level.status();
         c->log_level = *level;
         return absl::OkStatus();
       }},
      {"heartbeat-interval", "100ms", "how often a worker tells the head it is alive",
       [](daemon_config* c, std::string_view v) {
         return set_duration(&c->heartbeat_interval_ms, v);
       }},
      {"connection-timeout", "500ms",
       "silence after which a peer counts as gone (above heartbeat-interval)",
       [](daemon_config* c, std::string_view v) {
         return set_duration(&c->connection_timeout_ms, v);
       }},
      {"tls-certificate", "(none)",
       "this node's certificate (PEM), signed by the cluster CA; TLS needs all three tls- keys",
       [](daemon_config* c, std::string_view v) {
         c->tls_certificate = std::string(v);
         return absl::OkStatus();
       }},
      {"tls-key", "(none)", "the certificate's private key (PEM, unencrypted, mode 0600)",
       [](daemon_config* c, std::string_view v) {
         c->tls_key = std::string(v);
         return absl::OkStatus();
       }},
      {"tls-ca", "(none)",
       "the cluster CA's certificate (PEM): peers must present a certificate it signed",
       [](daemon_config* c, std::string_view v) {
         c->tls_ca = std::string(v);
         return absl::OkStatus();
       }},
      {"work-dir", "/tmp/tranche-<role>", "directory for spilled blocks and scratch files",
       [](daemon_config* c, std::string_view v) {
         c->work_dir = std::string(v);
         return absl::OkStatus();
       }},
      {"catalog", "<work-dir>/catalog.db",
       "head: the table catalog (CREATE EXTERNAL TABLE, DROP TABLE), an SQLite file kept across "
       "restarts",
       [](daemon_config* c, std::string_view v) {
         c->catalog = std::string(v);
         return absl::OkStatus();
       }},
      {"drain-timeout", "30s", "on SIGTERM, how long running tasks may take to finish",
       [](daemon_config* c, std::string_view v) { return set_duration(&c->drain_timeout_ms, v); }},
      {"policy", "per-portion",
       "head: capacity policy, `per-portion` (capacity per runnable portion, given back as soon "
       "as it is not needed) or `whole-program` (each program reserves its plan's peak for its "
       "whole life)",
       [](daemon_config* c, std::string_view v) {
         if (auto p = make_policy(v); !p.ok()) return p.status();
         c->policy = std::string(v);
         return absl::OkStatus();
       }},
      {"queue", "(only `default`)",
       "head: a broker queue, `NAME weight=W min-slots=N min-memory=SIZE cap-slots=N "
       "cap-memory=SIZE max-waiting=N` (all but NAME optional); give it once per queue",
       [](daemon_config* c, std::string_view v) {
         auto q = parse_queue(v);
         if (!q.ok()) return q.status();
         for (const queue_config& other : c->queues)
           if (other.name == q->name)
             return absl::InvalidArgumentError(
                 absl::StrCat("queue ", quoted(q->name), " is defined twice"));
         c->queues.push_back(*std::move(q));
         return absl::OkStatus();
       },
       true},
      {"preempt-grace", "30s",
       "head: how long a portion asked to give capacity back (to a higher priority or an "
       "under-share queue) has before the broker takes it and its tasks are rerun",
       [](daemon_config* c, std::string_view v) { return set_duration(&c->preempt_grace_ms, v); }},
      {"task-retries", "3",
       "head: how many more times a task runs after failing for a transient cause (its node "
       "died, an input block was lost, it passed task-deadline) before its program fails",
       [](daemon_config* c, std::string_view v) {
         int64_t n = 0;
         if (parse_digits(v, &n) != number_result::ok || n > 100)
           return absl::InvalidArgumentError(
               absl::StrCat("expected an integer in 0..100, got ", quoted(v)));
         c->task_retries = static_cast<int>(n);
         return absl::OkStatus();
       }},
      {"task-deadline", "0 (none)",
       "head: a task running longer is stopped and run again elsewhere (a straggler or a hung "
       "node); counts as a transient failure",
       [](daemon_config* c, std::string_view v) { return set_duration(&c->task_deadline_ms, v); }},
      {"speculation", "off",
       "head: `on` (3) or a multiple like 2.5: a task running that many times longer than the "
       "median of its portion's finished tasks gets a copy on another node; the first to "
       "finish wins",
       [](daemon_config* c, std::string_view v) {
         if (v == "off") {
           c->speculation = 0;
           return absl::OkStatus();
         }
         if (v == "on") {
           c->speculation = 3;
           return absl::OkStatus();
         }
         double x = 0;
         if (!absl::SimpleAtod(av(v), &x) || !(x >= 1.5 && x <= 100))
           return absl::InvalidArgumentError(
               absl::StrCat("expected off, on or a multiple in 1.5..100, got ", quoted(v)));
         c->speculation = x;
         return absl::OkStatus();
       }},
      {"max-message-size", "256MiB",
       "longest message a peer may send this node (at least 64KiB); a longer one closes its "
       "connection before anything is allocated for it",
       [](daemon_config* c, std::string_view v) {
         return set_limit(&c->max_message_size, v, int64_t{64} << 10);
       }},
      {"max-program-size", "1MiB",
       "head: longest program a client may submit (SQL text and table bindings); a longer one "
       "fails with an error naming the limit",
       [](daemon_config* c, std::string_view v) { return set_limit(&c->max_program_size, v, 1); }},
      {"max-result-size", "1GiB",
       "head: most result bytes one program may send its client; past it the program fails "
       "(write large results with COPY ... TO)",
       [](daemon_config* c, std::string_view v) { return set_limit(&c->max_result_size, v, 1); }},
      {"history", "<work-dir>/history.db",
       "head: where ended programs are kept (an SQLite file) for `tranchectl programs` across "
       "restarts; `off` keeps them in memory only",
       [](daemon_config* c, std::string_view v) {
         c->history = std::string(v);
         return absl::OkStatus();
       }},
      {"history-keep", "10000", "head: how many ended programs the history keeps (newest first)",
       [](daemon_config* c, std::string_view v) {
         return set_count(&c->history_keep, v, 1, 10'000'000);
       }},
      {"history-max-age", "30d",
       "head: ended programs older than this leave the history (0: kept until history-keep "
       "pushes them out)",
       [](daemon_config* c, std::string_view v) {
         return set_duration(&c->history_max_age_ms, v);
       }},
      {"http", "(none)",
       "head: host:port of the HTTP endpoint (/metrics, /api/v1, the dashboard at /); keep it on "
       "loopback or behind TLS, every request but /metrics needs the admin token",
       [](daemon_config* c, std::string_view v) {
         c->http = std::string(v);
         return absl::OkStatus();
       }},
      {"http-metrics-public", "false",
       "head: serve /metrics without the admin token (for a Prometheus scraper)",
       [](daemon_config* c, std::string_view v) {
         if (v != "true" && v != "false")
           return absl::InvalidArgumentError(
               absl::StrCat("expected true or false, got ", quoted(v)));
         c->http_metrics_public = v == "true";
         return absl::OkStatus();
       }},
      {"admin-token-file", "(none)",
       "head: a file (mode 0600) holding the admin token: the HTTP API's bearer token, and what "
       "tranchectl can present instead of the cluster secret (TRANCHE_ADMIN_TOKEN)",
       [](daemon_config* c, std::string_view v) {
         c->admin_token_file = std::string(v);
         return absl::OkStatus();
       }},
      {"max-sessions", "4", "how many sessions (kernel processes) this node hosts at most; 0: none",
       [](daemon_config* c, std::string_view v) {
         return set_count(&c->max_sessions, v, 0, 10'000);
       }},
      {"session-kernel", "(tranche-kernel next to tranched)",
       "the session kernel binary this node launches",
       [](daemon_config* c, std::string_view v) {
         c->session_kernel = std::string(v);
         return absl::OkStatus();
       }},
      {"session-address", "127.0.0.1:0",
       "host:port the kernels' HTTP endpoints (REST API, notebook) listen on; port 0: a free one "
       "per session",
       [](daemon_config* c, std::string_view v) {
         if (auto s = check_host_port(v); !s.ok()) return s;
         c->session_address = std::string(v);
         return absl::OkStatus();
       }},
      {"session-advertise", "(the host of session-address)",
       "the host clients reach this node's session endpoints at",
       [](daemon_config* c, std::string_view v) {
         c->session_advertise = std::string(v);
         return absl::OkStatus();
       }},
      {"session-idle-timeout", "1h",
       "head: a session idle this long is culled (a running statement keeps it busy, never idle); "
       "`tranche session create --idle-timeout` overrides it",
       [](daemon_config* c, std::string_view v) {
         return set_duration(&c->session_idle_timeout_ms, v);
       }},
      {"session-max-lifetime", "24h",
       "head: the absolute end of every session and its token, busy or not",
       [](daemon_config* c, std::string_view v) {
         return set_duration(&c->session_max_lifetime_ms, v);
       }},
      {"session-register-timeout", "30s",
       "head: a launched kernel that has not registered by then is killed and its session fails",
       [](daemon_config* c, std::string_view v) {
         return set_duration(&c->session_register_timeout_ms, v);
       }},
      {"session-max-result-rows", "1000",
       "head: rows of a statement's result a session keeps and shows (the row count is always "
       "whole)",
       [](daemon_config* c, std::string_view v) {
         return set_count(&c->session_max_result_rows, v, 1, 10'000'000);
       }},
  };
  return table;
}

const key_spec* find_key(std::string_view name) {
  for (const key_spec& k : keys())
    if (k.name == name) return &k;
  return nullptr;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// The closest key, if close enough to be a typo rather than a different word.
std::string_view suggest(std::string_view name) {
  std::string_view best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const key_spec& k : keys()) {
    const size_t d = edit_distance(name, k.name);
    if (d < best_distance) {
      best = k.name;
      best_distance = d;
    }
  }
  return best_distance <= std::max<size_t>(2, name.size() / 3) ? best : std::string_view();
}

// The value right of '=': optionally "double-quoted" (with \" and \\), then
// an optional comment. Unquoted, '#' starts a comment only at the start or
// after a space, so that `work-dir = /data/run#3` keeps its '#'.
absl::StatusOr<std::string> parse_value(std::string_view raw) {
  raw = trim(raw);
  if (!absl::StartsWith(av(raw), "\"")) {
    for (size_t i = 0; i < raw.size(); ++i)
      if (raw[i] == '#' && (i == 0 || absl::ascii_isspace(static_cast<unsigned char>(raw[i - 1]))))
        return std::string(trim(raw.substr(0, i)));
    return std::string(raw);
  }
  std::string out;
  for (size_t i = 1; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\\' && i + 1 < raw.size() && (raw[i + 1] == '"' || raw[i + 1] == '\\')) {
      out.push_back(raw[++i]);
    } else if (c == '"') {
      const std::string_view rest = trim(raw.substr(i + 1));
      if (!rest.empty() && rest.front() != '#')
        return absl::InvalidArgumentError(
            absl::StrCat("unexpected ", quoted(rest), " after the closing quote"));
      return out;
    } else {
      out.push_back(c);
    }
  }
  return absl::InvalidArgumentError(absl::StrCat("unterminated quote in ", quoted(raw)));
}

}  // namespace

std::string_view role_name(daemon_role role) {
  switch (role) {
    case daemon_role::head:
      return "head";
    case daemon_role::worker:
      return "worker";
    case daemon_role::unset:
      break;
  }
  return "unset";
}

int64_t default_slots() {
  return std::max<int64_t>(1, static_cast<int64_t>(std::thread::hardware_concurrency()));
}

absl::StatusOr<daemon_config> load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  daemon_config config;
  std::map<std::string_view, int> seen;  // key -> line it was set on
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    auto fail = [&](std::string_view message) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", number, ": ", av(message)));
    };
    std::string_view text = trim(line);  // also drops a CRLF file's '\r'
    if (text.empty() || text.front() == '#') continue;
    const size_t eq = text.find('=');
    const std::string_view name = eq == std::string_view::npos ? "" : trim(text.substr(0, eq));
    if (name.empty()) return fail(absl::StrCat("expected \"key = value\", got ", quoted(text)));
    const key_spec* key = find_key(name);
    if (key == nullptr) {
      std::string message = absl::StrCat("unknown key ", quoted(name));
      if (std::string_view s = suggest(name); !s.empty())
        absl::StrAppend(&message, " (did you mean ", quoted(s), "?)");
      return fail(message);
    }
    if (auto [it, fresh] = seen.emplace(key->name, number); !fresh && !key->repeatable)
      return fail(absl::StrCat(av(key->name), ": set again (first set on line ", it->second, ")"));
    absl::StatusOr<std::string> value = parse_value(text.substr(eq + 1));
    if (!value.ok()) return fail(absl::StrCat(av(key->name), ": ", value.status().message()));
    if (absl::Status s = key->set(&config, *value); !s.ok())
      return fail(absl::StrCat(av(key->name), ": ", s.message()));
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read failed"));
  return config;
}

absl::StatusOr<std::string> config_flag(const std::vector<std::string>& args) {
  std::string path;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config") {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError("--config: missing value");
      path = args[++i];
    } else if (absl::StartsWith(args[i], "--config=")) {
      path = args[i].substr(9);
    }
  }
  return path;
}

absl::Status apply_flags(daemon_config* config, const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!absl::StartsWith(arg, "--") || arg.size() == 2)
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument ", quoted(arg)));
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const key_spec* key = find_key(name);
    if (key == nullptr && name != "config") {
      std::string message = absl::StrCat("unknown flag --", name);
      if (std::string_view s = suggest(name); !s.empty())
        absl::StrAppend(&message, " (did you mean --", av(s), "?)");
      return absl::InvalidArgumentError(message);
    }
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": missing value"));
    }
    if (key == nullptr) continue;  // --config: read by the caller, via config_flag()
    if (absl::Status s = key->set(config, value); !s.ok())
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": ", s.message()));
  }
  return absl::OkStatus();
}

void resolve_defaults(daemon_config* config) {
  if (config->advertise.empty()) {
    // A wildcard listen address says where to accept, not where to be reached.
    const std::string_view host = host_of(config->listen);
    const bool wildcard = host.empty() || host == "0.0.0.0" || host == "::";
    config->advertise = wildcard ? "127.0.0.1" : std::string(host);
  }
  if (config->block_memory == 0) config->block_memory = config->memory / 2;
  if (config->work_dir.empty() && config->role != daemon_role::unset)
    config->work_dir = absl::StrCat("/tmp/tranche-", av(role_name(config->role)));
  if (config->catalog.empty() && config->role == daemon_role::head)
    config->catalog = absl::StrCat(config->work_dir, "/catalog.db");
  if (config->history.empty() && config->role == daemon_role::head)
    config->history = absl::StrCat(config->work_dir, "/history.db");
  if (config->session_advertise.empty()) {
    const std::string_view host = host_of(config->session_address);
    const bool wildcard = host.empty() || host == "0.0.0.0" || host == "::";
    config->session_advertise = wildcard ? config->advertise : std::string(host);
  }
}

absl::Status validate(const daemon_config& c) {
  std::vector<std::string> errors;
  if (c.role == daemon_role::unset) errors.push_back("role: required (head or worker)");
  if (c.session_register_timeout_ms < 1000)
    errors.push_back("session-register-timeout: at least 1s (a kernel needs time to start)");
  if (c.session_max_lifetime_ms < 1000) errors.push_back("session-max-lifetime: at least 1s");
  if (c.role == daemon_role::worker && c.join.empty())
    errors.push_back("join: required for a worker (the head's host:port)");
  if (c.secret_file.empty()) errors.push_back("secret-file: required");
  if (absl::Status s = check_host_port(c.listen); !s.ok())
    errors.push_back(absl::StrCat("listen: ", s.message()));
  if (!c.join.empty())
    if (absl::Status s = check_host_port(c.join); !s.ok())
      errors.push_back(absl::StrCat("join: ", s.message()));
  if (has_space(c.advertise))
    errors.push_back(
        absl::StrCat("advertise: expected a host name or address, got ", quoted(c.advertise)));
  if (c.executor_port < 0 || c.executor_port > 65535)
    errors.push_back(absl::StrCat("executor-port: expected 0..65535, got ", c.executor_port));
  const int tls_set = !c.tls_certificate.empty() + !c.tls_key.empty() + !c.tls_ca.empty();
  if (tls_set != 0 && tls_set != 3) {
    std::vector<std::string> missing;
    if (c.tls_certificate.empty()) missing.push_back("tls-certificate");
    if (c.tls_key.empty()) missing.push_back("tls-key");
    if (c.tls_ca.empty()) missing.push_back("tls-ca");
    errors.push_back(
        absl::StrCat("tls: set all of tls-certificate, tls-key, tls-ca or none (missing ",
                     absl::StrJoin(missing, ", "), ")"));
  }
  if (!c.http.empty()) {
    if (c.role != daemon_role::head)
      errors.push_back("http: only a head serves HTTP");
    else if (absl::Status s = check_host_port(c.http); !s.ok())
      errors.push_back(absl::StrCat("http: ", s.message()));
    if (c.admin_token_file.empty())
      errors.push_back("http: needs admin-token-file (every request but /metrics presents it)");
  }
  if (c.slots < 1) errors.push_back(absl::StrCat("slots: must be at least 1, got ", c.slots));
  constexpr int64_t min_memory = int64_t{64} << 20;
  if (c.memory < min_memory)
    errors.push_back(absl::StrCat("memory: must be at least 64MiB, got ", format_size(c.memory)));
  if (c.heartbeat_interval_ms < 1)
    errors.push_back(absl::StrCat("heartbeat-interval: must be at least 1ms, got ",
                                  c.heartbeat_interval_ms, "ms"));
  // A timeout at or below the heartbeat interval declares healthy peers dead.
  if (c.connection_timeout_ms <= c.heartbeat_interval_ms)
    errors.push_back(absl::StrCat("connection-timeout: must exceed heartbeat-interval (",
                                  c.heartbeat_interval_ms, "ms), got ", c.connection_timeout_ms,
                                  "ms"));
  if (absl::Status s = validate_queues(c.queues); !s.ok())
    errors.push_back(std::string(s.message()));
  if (c.drain_timeout_ms < 0)
    errors.push_back(
        absl::StrCat("drain-timeout: must not be negative, got ", c.drain_timeout_ms, "ms"));
  if (errors.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
}

std::string describe(const daemon_config& config) {
  daemon_config c = config;
  resolve_defaults(&c);
  std::string out(role_name(c.role));
  if (c.role == daemon_role::worker) {
    absl::StrAppend(&out, " join=", c.join);
  } else {
    absl::StrAppend(&out, " listen=", c.listen);
  }
  absl::StrAppend(
      &out, " advertise=", c.advertise, " executor-port=",
      c.executor_port == 0 ? std::string("ephemeral") : absl::StrCat(c.executor_port),
      " slots=", c.slots, " memory=", format_size(c.memory),
      " block-memory=", format_size(c.block_memory), " work-dir=", c.work_dir,
      " log=", c.log_file.empty() ? std::string("stderr") : c.log_file, "@",
      av(log_level_name(c.log_level)), " heartbeat-interval=", c.heartbeat_interval_ms,
      "ms connection-timeout=", c.connection_timeout_ms, "ms drain-timeout=", c.drain_timeout_ms,
      "ms tls=", c.tls_certificate.empty() ? "off" : "on", " secret-file=", c.secret_file);
  return out;
}

absl::StatusOr<queue_config> parse_queue(std::string_view text) {
  std::vector<std::string_view> words;
  for (absl::string_view w : absl::StrSplit(av(text), ' ', absl::SkipWhitespace()))
    words.emplace_back(w.data(), w.size());
  if (words.empty()) return absl::InvalidArgumentError("expected a queue name and its settings");
  queue_config q;
  q.name = std::string(words[0]);
  if (q.name.find('=') != std::string::npos)
    return absl::InvalidArgumentError(
        absl::StrCat("expected the queue's name first, got ", quoted(words[0])));
  for (size_t i = 1; i < words.size(); ++i) {
    const size_t eq = words[i].find('=');
    const std::string_view field = words[i].substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? "" : words[i].substr(eq + 1);
    auto count = [&](int64_t* out) -> absl::Status {
      if (!absl::SimpleAtoi(av(value), out))
        return absl::InvalidArgumentError(
            absl::StrCat(av(field), ": expected a count, got ", quoted(value)));
      return absl::OkStatus();
    };
    auto size = [&](int64_t* out) -> absl::Status {
      auto v = parse_size(value);
      if (!v.ok())
        return absl::InvalidArgumentError(absl::StrCat(av(field), ": ", v.status().message()));
      *out = *v;
      return absl::OkStatus();
    };
    absl::Status s;
    if (field == "weight") {
      if (!absl::SimpleAtod(av(value), &q.weight))
        s = absl::InvalidArgumentError(
            absl::StrCat("weight: expected a number, got ", quoted(value)));
    } else if (field == "min-slots") {
      s = count(&q.minimum.slots);
    } else if (field == "min-memory") {
      s = size(&q.minimum.memory);
    } else if (field == "cap-slots") {
      s = count(&q.cap.slots);
    } else if (field == "cap-memory") {
      s = size(&q.cap.memory);
    } else if (field == "max-waiting") {
      s = count(&q.max_waiting);
    } else {
      s = absl::InvalidArgumentError(absl::StrCat(
          "unknown queue setting ", quoted(words[i]),
          " (expected weight, min-slots, min-memory, cap-slots, cap-memory or max-waiting)"));
    }
    if (!s.ok()) return s;
  }
  if (auto s = validate_queue(q); !s.ok()) return s;
  return q;
}

std::string config_reference() {
  std::string out = "| Key | Default | Meaning |\n|---|---|---|\n";
  for (const key_spec& k : keys())
    absl::StrAppend(&out, "| `", av(k.name), "` | ", av(k.default_text), " | ", av(k.meaning),
                    " |\n");
  return out;
}

}  // namespace tranche
