// The client SDK: start an embedded local cluster (N executor nodes in this
// process) or connect to a running one, submit SQL programs, and receive result batches and
// progress events — as actor messages (submit) or through a blocking call (run_sql).
//
// Messages a listener actor receives for a submitted program:
//   (progress_atom, progress_event)                  while it runs
//   (result_atom, uint64_t program, std::vector<char> batch)   result batches,
//        Cap'n Proto encoded (schemas/batch.capnp); decode with decode_result
//   (done_atom, uint64_t program, std::string error)  last; error empty on success
#pragma once

#include <caf/all.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tranche/atoms.h"
#include "tranche/batch.h"
#include "tranche/console.h"
#include "tranche/ids.h"
#include "tranche/queues.h"
#include "tranche/session.h"
#include "tranche/types.h"

namespace tranche {

struct table_binding {
  std::string name;
  std::string glob;  // CSV files, e.g. /data/t/*.csv
  char delimiter = ',';
  bool header = true;
  // The files are tranche columnar files (.tcol, as COPY ... TO ... FORMAT
  // COLUMNAR writes them; a session's temporary table): delimiter and header
  // do not apply, and every file the glob matches must be a .tcol file.
  bool columnar = false;
};

// A temporary view: a name for a query, visible to one program's SQL as a
// table (see submit_options::views).
struct view_binding {
  std::string name;
  std::string sql;  // a query (SELECT or WITH)
};

enum class progress_kind : uint8_t {
  portion_started,    // the portion became runnable and asked for capacity
  capacity_obtained,  // a lease (one slot + memory on a node) reached the portion
  task_finished,
  capacity_yielded,  // the portion gave a lease back (to a successor or the broker)
  portion_finished,
  task_retried,  // a task failed for a transient cause and runs again (`to` says why)
  task_speculated,  // a straggler got a copy on another node (`to` says why)
};

struct progress_event {
  progress_kind kind = progress_kind::portion_started;
  uint64_t program = 0;
  int32_t portion = 0;
  std::string portion_name;
  int32_t tasks_done = 0;
  int32_t tasks_total = 0;
  int32_t slots_held = 0;  // leases the portion holds after this event
  uint64_t lease = 0;      // capacity events
  uint64_t node = 0;       // capacity events: the lease's node
  std::string to;          // capacity_yielded: "portion 1" or "broker"; task_retried: why
  double at = 0;           // seconds since the program was submitted
  // Bytes the portion's finished tasks spilled to disk because their joins,
  // aggregates or sorts outgrew the task's memory lease.
  uint64_t spilled_bytes = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, progress_event& e) {
  return f(caf::meta::type_name("progress_event"), e.kind, e.program, e.portion, e.portion_name,
           e.tasks_done, e.tasks_total, e.slots_held, e.lease, e.node, e.to, e.at,
           e.spilled_bytes);
}

// One line of text for an event: "0.012s portion 0 \"scan t\" obtained lease 3 on node 1 (2 held)".
[[nodiscard]] std::string to_string(const progress_event& e);

struct cluster_options {
  int nodes = 1;           // executor nodes in the embedded cluster
  int slots_per_node = 0;  // 0: the machine's cores (divided among nodes, at least 1)
  int64_t memory_per_node = 4ll << 30;
  int64_t memory_per_task = 256ll << 20;
  uint64_t split_bytes = 32ull << 20;
  // A join side estimated at most this many bytes is broadcast to every task
  // of the other side; larger joins shuffle both sides (0: always shuffle
  // when both sides run as several tasks).
  int64_t broadcast_bytes = 32ll << 20;
  // Capacity policy: "per-portion" (capacity per runnable portion, given back
  // as soon as it is not needed) or "whole-program" (each program reserves
  // its plan's peak for its whole life; the classic static allocation).
  std::string policy = "per-portion";
  // Queues besides `default` (or `default`'s own settings).
  std::vector<queue_config> queues;
  // How long a portion asked to give capacity back has before the broker
  // takes it (the tasks on it are then rerun).
  int64_t preempt_grace_ms = 30'000;
  // The table catalog (CREATE EXTERNAL TABLE, ...): an SQLite file, created
  // with its directory if missing and kept across runs. Empty: a private
  // catalog in memory that ends with the cluster. The CLI's default is
  // $TRANCHE_HOME/catalog.db, else ~/.tranche/catalog.db.
  std::string catalog_path;
  // Where the embedded cluster's executors spill: operators past their share
  // of memory_per_task, and shuffle blocks past half of memory_per_node. A
  // private directory "tranche-<pid>-<n>" is made inside it and removed with
  // the cluster. Empty: the system's temporary directory ($TMPDIR, /tmp).
  std::string spill_root;
  // Supervision: how many more times a task runs after failing for a
  // transient cause (its node died, an input was lost, it passed
  // task_deadline_ms), with a backoff from 100 ms doubling to 5 s, before the
  // program fails; and the deadline (0: none). A deterministic error (bad
  // data, a type error) fails the program at once.
  int task_retries = 3;
  int64_t task_deadline_ms = 0;
  // Speculative execution (0: off): a task running longer than this many
  // times the median of its portion's finished tasks (once half of them
  // finished, and for at least 250 ms) is copied on another node; the first
  // copy to finish wins and the other is stopped. 3 is a good value.
  double speculation = 0;
  // Limits: a longer submitted program (SQL text and table bindings,
  // encoded) is refused; a program whose result grows past max_result_bytes
  // (encoded) fails rather than exhaust the client's memory (COPY ... TO
  // writes results of any size). 0: no limit. A daemon's are its
  // max-program-size and max-result-size keys.
  int64_t max_program_bytes = int64_t{1} << 20;
  int64_t max_result_bytes = int64_t{1} << 30;
};

// Mutual TLS between a client and the head: this client's certificate and
// its private key (PEM, unencrypted, mode 0600) and the cluster CA's
// certificate (PEM) the head's is verified against; the head in turn accepts
// only certificates that CA signed. All three or none (plain TCP).
struct tls_options {
  std::string certificate;
  std::string key;
  std::string ca;

  [[nodiscard]] bool enabled() const { return !certificate.empty() || !key.empty() || !ca.empty(); }
};

// Where a program runs in the broker: its queue (created by the operator in
// the head's config or with set_queue) and its priority (higher first; a
// waiting higher-priority program makes lower-priority ones give capacity
// back at their next task boundary).
struct submit_options {
  std::string queue = kDefaultQueue;
  int32_t priority = 0;
  // The temporary views of the session submitting the program (a session
  // kernel fills it), in the order they were created: each may use the
  // tables and the views before it; a view shadows a table of its name, and
  // a WITH name in the program shadows a view.
  std::vector<view_binding> views;
};

struct query_result {
  schema columns;
  std::vector<batch> batches;
  uint64_t rows = 0;
  std::vector<progress_event> events;
  double seconds = 0;
};

struct ledger_totals {
  int64_t registered_slots = 0, free_slots = 0;
  int64_t registered_memory = 0, free_memory = 0;
  int64_t leases = 0, queued = 0;
};

// Decodes a (result_atom, ...) payload.
[[nodiscard]] absl::StatusOr<batch> decode_result(const std::vector<char>& bytes);

class cluster {
 public:
  // Starts an embedded cluster in this process: a broker, a planner, a job
  // manager and `nodes` executors.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<cluster>> start_local(
      const cluster_options& opts);
  // Connects to a running cluster through its head daemon ("host:port"),
  // proving it holds the cluster secret kept in `secret_file`.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<cluster>> connect(
      const std::string& host_port, const std::string& secret_file);
  // The same over TLS when `tls` is enabled (a head with TLS refuses plain
  // connections, and the other way round). Bad files fail before any
  // connection, naming the file; every wait is bounded.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<cluster>> connect(
      const std::string& host_port, const std::string& secret_file, const tls_options& tls);
  // As an operator holding the head's admin token (its admin-token-file)
  // rather than the cluster secret: what tranchectl does with
  // TRANCHE_ADMIN_TOKEN. The token crosses the connection as it is: use TLS
  // off loopback.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<cluster>> connect_with_token(
      const std::string& host_port, const std::string& token, const tls_options& tls = {});
  virtual ~cluster() = default;

  [[nodiscard]] virtual caf::actor_system& system() = 0;

  // Submits asynchronously; `listener` receives the messages listed above.
  // Returns the program id. A program its queue turns away (unknown queue,
  // full queue) ends with done_atom and the reason.
  virtual absl::StatusOr<uint64_t> submit(const std::string& sql,
                                          const std::vector<table_binding>& tables,
                                          const caf::actor& listener,
                                          const submit_options& options = {}) = 0;

  // Submits and waits for the whole result. `on_event`, if set, sees every
  // progress event as it arrives. Requesting `stop` (from any thread: a
  // Ctrl-C handler, a timeout) cancels the program as cancel() does; run_sql
  // then returns CancelledError("cancelled") once the cluster confirms.
  virtual absl::StatusOr<query_result> run_sql(
      const std::string& sql, const std::vector<table_binding>& tables,
      std::function<void(const progress_event&)> on_event = nullptr,
      const submit_options& options = {}, std::stop_token stop = {}) = 0;

  // Cancels a running program: its listener gets done_atom with the error
  // "cancelled" (run_sql returns it), its running tasks stop, and its
  // capacity and blocks are freed. NotFound if it is not running.
  virtual absl::Status cancel(uint64_t program) = 0;

  // The plan the program would run, rendered as text. Of `options`, only
  // the views matter.
  virtual absl::StatusOr<std::string> explain(const std::string& sql,
                                              const std::vector<table_binding>& tables,
                                              const submit_options& options = {}) = 0;

  // The broker's ledger totals (tests check that no capacity leaked).
  virtual absl::StatusOr<ledger_totals> ledger() = 0;

  // The broker's queues at run time: add a queue or change one (takes effect
  // at once: a lowered cap is enforced by asking for capacity back), remove
  // one that holds and awaits nothing, list them with their usage. Errors
  // name the queue and the field.
  virtual absl::Status set_queue(const queue_config& queue) = 0;
  virtual absl::Status remove_queue(const std::string& name) = 0;
  virtual absl::StatusOr<std::vector<queue_status>> queues() = 0;

  // The console's view (tranche/console.h). The ledger's nodes; draining a
  // node (its leases run on, no new ones) and undraining it (NotFound for an
  // unknown node); the programs the head keeps, running and past, newest
  // first, without their portions; one program with its portions and the
  // capacity it held over time (NotFound if the head keeps no such program).
  virtual absl::StatusOr<std::vector<node_info>> nodes() = 0;
  virtual absl::Status set_draining(uint64_t node, bool draining) = 0;
  virtual absl::StatusOr<std::vector<program_info>> programs() = 0;
  virtual absl::StatusOr<program_info> program(uint64_t id) = 0;

  // Sessions (tranche/session.h), on a cluster of daemons; an embedded
  // cluster has none (FailedPrecondition). create_session returns once the
  // session's kernel registered (within about 30 s), with the token, which
  // is never shown again; a session that failed to start is an error with
  // the reason. session() answers for ended sessions too (their state and
  // reason); NotFound only for an id the head never had or no longer keeps.
  // stop_session: FailedPrecondition if it already ended.
  virtual absl::StatusOr<created_session> create_session(const session_options& options) = 0;
  virtual absl::StatusOr<std::vector<session_info>> sessions() = 0;
  virtual absl::StatusOr<session_info> session(const std::string& id) = 0;
  virtual absl::Status stop_session(const std::string& id) = 0;
};

}  // namespace tranche
