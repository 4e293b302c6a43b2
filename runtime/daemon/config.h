// The node daemon's configuration: what `tranched` reads from its config file
// (`key = value` lines) and its command line (`--key value`), with the same
// keys in both. tranched's main calls, in order: load_config() for the file
// named by --config, apply_flags() so that flags override the file,
// resolve_defaults() for the defaults that depend on other keys, then
// validate(). Every key is described once, in config.cc's key table, which
// also generates config_reference() (README and `tranched --help`) and the
// "did you mean" suggestions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "daemon/log.h"
#include "tranche/queues.h"

namespace tranche {

enum class daemon_role { unset, head, worker };

[[nodiscard]] std::string_view role_name(daemon_role role);  // "head", "worker", "unset"

// hardware_concurrency(), at least 1: the default for `slots`.
[[nodiscard]] int64_t default_slots();

struct daemon_config {
  daemon_role role = daemon_role::unset;  // required
  std::string listen = "127.0.0.1:7400";  // head: host:port it accepts workers on
  std::string join;                       // worker: the head's host:port (required)
  // The host the head uses to reach this node's executor; empty until
  // resolve_defaults() derives it from `listen`.
  std::string advertise;
  int executor_port = 0;    // 0: ephemeral
  std::string secret_file;  // required
  int64_t slots = default_slots();
  int64_t memory = int64_t{4} << 30;  // bytes
  // Bytes of shuffle blocks kept in memory before they spill to work_dir;
  // 0 until resolve_defaults() makes it half of `memory`.
  int64_t block_memory = 0;
  std::string log_file;               // empty: stderr
  tranche::log_level log_level = tranche::log_level::info;
  int64_t heartbeat_interval_ms = 100;
  int64_t connection_timeout_ms = 500;
  std::string tls_certificate;  // all three TLS files or none
  std::string tls_key;
  std::string tls_ca;
  std::string work_dir;  // empty until resolve_defaults(): /tmp/tranche-<role>
  // Head: the table catalog's SQLite file; empty until resolve_defaults():
  // <work-dir>/catalog.db.
  std::string catalog;
  int64_t drain_timeout_ms = 30000;
  // Head: the capacity policy (sched/policy.h), the broker's queues besides
  // `default` (`queue` may be given several times), and how long a portion
  // asked to give capacity back has before the broker takes it.
  std::string policy = "per-portion";
  std::vector<queue_config> queues;
  int64_t preempt_grace_ms = 30000;
  // Head: supervision of tasks (sched/task_retry.h).
  int task_retries = 3;
  int64_t task_deadline_ms = 0;  // 0: none
  double speculation = 0;        // 0: off; else the multiple of the median (3 for `on`)
  // Limits on what peers and programs may send (actors/frame_guard.h,
  // actors/limits.h): one network message; a submitted program (its SQL text
  // and table bindings, encoded); the result bytes the head sends a client
  // for one program.
  int64_t max_message_size = int64_t{256} << 20;
  int64_t max_program_size = int64_t{1} << 20;
  int64_t max_result_size = int64_t{1} << 30;
  // Head: the history of ended programs (console/program_history.h), an
  // SQLite file; empty until resolve_defaults(): <work-dir>/history.db.
  // "off": none (the console forgets ended programs at a restart).
  std::string history;
  int64_t history_keep = 10'000;
  int64_t history_max_age_ms = int64_t{30} * 24 * 3600'000;  // 0: no age limit
  // Head: the HTTP endpoint (metrics, JSON API, dashboard): host:port, empty
  // for none. Every request needs the admin token, /metrics too unless
  // metrics_public.
  std::string http;
  bool http_metrics_public = false;
  // Head: a file holding the admin token (at least 32 characters): the key to
  // the HTTP API and, instead of the cluster secret, to tranchectl
  // (TRANCHE_ADMIN_TOKEN). Empty: no token; the HTTP endpoint then needs one.
  std::string admin_token_file;
  // Sessions (actors/session_manager.h). Every node: how many sessions it
  // hosts at most (0: none), the kernel binary (empty: tranche-kernel next
  // to tranched), where kernels' endpoints listen (port 0: a free one each)
  // and the host clients reach them at (empty until resolve_defaults(): the
  // host of session-address, or `advertise` if that is a wildcard). Head:
  // the default idle timeout, the absolute lifetime (the token's too), the
  // time a launched kernel has to register, and the rows a statement's
  // output keeps.
  int64_t max_sessions = 4;
  std::string session_kernel;
  std::string session_address = "127.0.0.1:0";
  std::string session_advertise;
  int64_t session_idle_timeout_ms = 3600'000;
  int64_t session_max_lifetime_ms = 24 * 3600'000;
  int64_t session_register_timeout_ms = 30'000;
  int64_t session_max_result_rows = 1000;
};

// A `queue` value: `NAME [weight=W] [min-slots=N] [min-memory=SIZE]
// [cap-slots=N] [cap-memory=SIZE] [max-waiting=N]`, unset fields as in
// queue_config. The error names the field: `cap-slots: expected a count, got "x"`.
[[nodiscard]] absl::StatusOr<queue_config> parse_queue(std::string_view text);

// Reads a config file over the defaults. Errors name the place:
// `PATH:LINE: memory: expected a size like 4GiB, got "4XB"`.
[[nodiscard]] absl::StatusOr<daemon_config> load_config(const std::string& path);

// Applies `--key value` and `--key=value` flags (args without argv[0]).
// `--config PATH` is skipped: the caller reads it first (config_flag()).
[[nodiscard]] absl::Status apply_flags(daemon_config* config, const std::vector<std::string>& args);

// The PATH of `--config PATH` / `--config=PATH` in `args`, or "" if absent.
[[nodiscard]] absl::StatusOr<std::string> config_flag(const std::vector<std::string>& args);

// Fills the defaults that depend on other keys, where still empty: advertise
// (the host of `listen`, or 127.0.0.1 if that is a wildcard), block_memory
// (half of memory), work_dir and, for a head, catalog.
void resolve_defaults(daemon_config* config);

// Cross-field rules; reports every broken rule, separated by "; ".
[[nodiscard]] absl::Status validate(const daemon_config& config);

// One line for the startup log (never the secret itself, only its path).
[[nodiscard]] std::string describe(const daemon_config& config);

// Every key with its default and meaning, as a Markdown table.
[[nodiscard]] std::string config_reference();

// "123" (bytes), "64KiB", "4 GiB", "1TiB", "500MB" (KB/MB/GB/TB are powers of
// 1000); suffixes are case-insensitive. Overflowing int64 is an error.
[[nodiscard]] absl::StatusOr<int64_t> parse_size(std::string_view text);

// "4GiB" where exact, else bytes: the inverse of parse_size for messages.
[[nodiscard]] std::string format_size(int64_t bytes);

// "250ms", "2s", "1m", "1h"; a plain integer is milliseconds.
[[nodiscard]] absl::StatusOr<int64_t> parse_duration_ms(std::string_view text);

// "host:port" or "[v6addr]:port", port 0..65535.
[[nodiscard]] absl::Status check_host_port(std::string_view text);
// Splits a valid "host:port" ("[v6]:port" too) into its parts.
[[nodiscard]] absl::Status split_host_port(std::string_view text, std::string* host,
                                           uint16_t* port);

}  // namespace tranche
