// The clusters behind tranche/client.h: the embedded local cluster (a broker,
// a planner, a job manager and N executor nodes in this process) and a remote
// cluster reached through a head daemon (over plain TCP or mutual TLS) after
// authentication. Both share the SDK's calls, built on the job manager and
// broker handles.
#include <caf/io/all.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include <pwd.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "actors/broker.h"
#include "actors/cluster_view.h"
#include "actors/executor.h"
#include "actors/frame_guard.h"
#include "actors/head.h"
#include "actors/job_manager.h"
#include "actors/message_types.h"
#include "actors/planner.h"
#include "actors/session_manager.h"
#include "actors/transport.h"
#include "catalog/table_store.h"
#include "console/console_codec.h"
#include "daemon/config.h"
#include "io/batch_codec.h"
#include "plan/program_codec.h"
#include "session/session_codec.h"
#include "sched/policy.h"
#include "sched/queues.h"
#include "sql/statement.h"
#include "tranche/client.h"

namespace tranche {

std::string to_string(const progress_event& e) {
  std::string head = absl::StrFormat("%7.3fs portion %d \"%s\"", e.at, e.portion, e.portion_name);
  switch (e.kind) {
    case progress_kind::portion_started:
      return absl::StrCat(head, " runnable: asks for up to ", e.tasks_total, " slot(s)");
    case progress_kind::capacity_obtained:
      return absl::StrCat(head, " obtained lease ", e.lease, " on node ", e.node, " (",
                          e.slots_held, " held)");
    case progress_kind::task_finished:
      return absl::StrCat(head, " task done (", e.tasks_done, "/", e.tasks_total, ")",
                          e.spilled_bytes > 0
                              ? absl::StrFormat(", spilled %.1f MiB so far",
                                                static_cast<double>(e.spilled_bytes) / (1 << 20))
                              : "");
    case progress_kind::capacity_yielded:
      return absl::StrCat(head, " yielded lease ", e.lease, " on node ", e.node, " to ", e.to, " (",
                          e.slots_held, " held)");
    case progress_kind::portion_finished:
      return absl::StrCat(head, " finished ", e.tasks_total, " task(s)");
    case progress_kind::task_retried:
      return absl::StrCat(head, " task failed on node ", e.node, ": ", e.to);
    case progress_kind::task_speculated:
      return absl::StrCat(head, " straggler on node ", e.node, ": ", e.to);
  }
  return head;
}

absl::StatusOr<batch> decode_result(const std::vector<char>& bytes) {
  return decode_batch(bytes.data(), bytes.size());
}

namespace {

// Who submits, as the console shows it: user@host.
std::string submitter() {
  std::string user;
  if (const char* u = std::getenv("USER"); u != nullptr && *u != '\0') {
    user = u;
  } else if (const passwd* pw = getpwuid(geteuid()); pw != nullptr) {
    user = pw->pw_name;
  } else {
    user = std::to_string(geteuid());
  }
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return user;
  return absl::StrCat(user, "@", host);
}

// Bounds each wait of the blocking calls: a silent head for this long fails the call.
constexpr auto kQuietTimeout = std::chrono::seconds(1800);

caf::actor_system_config& configure(caf::actor_system_config& cfg) {
  add_message_types(cfg);
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("logger.verbosity", caf::atom("quiet"));
  return cfg;
}

caf::actor_system_config& configure_remote(caf::actor_system_config& cfg, const tls_material* tls) {
  configure(cfg);
  cfg.load<caf::io::middleman, guarded_multiplexer>();
  // Heads close connections that stay silent past their connection-timeout
  // (500 ms by default), and a client waiting for a long program says
  // nothing: heartbeats keep it connected. In turn a head silent for 3 s
  // (crashed, hung, unplugged) ends the client's calls with an error.
  cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::milliseconds(100)});
  cfg.set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(3)});
  if (tls != nullptr) configure_tls(cfg, *tls);
  return cfg;
}

// The SDK's calls over a job manager and a broker, local or remote.
class actor_cluster : public cluster {
 public:
  explicit actor_cluster(caf::actor_system& sys) : sys_(sys) {}

  caf::actor_system& system() override { return sys_; }

  absl::StatusOr<uint64_t> submit(const std::string& sql, const std::vector<table_binding>& tables,
                                  const caf::actor& listener,
                                  const submit_options& options) override {
    program_request program{sql, tables, options, submitter()};
    if (auto s = check_program(program); !s.ok()) return s;
    // A local actor makes the request and watches the job manager: a request
    // to a remote actor whose connection drops meanwhile (the head refused an
    // oversized message, or died) gets no reply at all, only the monitor's
    // down message.
    auto relay = sys_.spawn([jm = job_manager_](caf::event_based_actor* r) -> caf::behavior {
      r->monitor(jm);
      return {
          [=](submit_atom, std::vector<char>& bytes, caf::actor& listener) {
            auto rp = std::make_shared<caf::typed_response_promise<uint64_t>>(
                r->make_response_promise<uint64_t>());
            r->set_down_handler([=](const caf::down_msg& dm) {
              rp->deliver(dm.reason ? dm.reason : caf::make_error(caf::sec::request_receiver_down));
              r->quit();
            });
            r->request(jm, kQuietTimeout, submit_atom::value, std::move(bytes), std::move(listener))
                .then(
                    [=](uint64_t id) {
                      rp->deliver(id);
                      r->quit();
                    },
                    [=](caf::error& err) {
                      rp->deliver(std::move(err));
                      r->quit();
                    });
            return *rp;
          },
      };
    });
    caf::scoped_actor self{sys_};
    absl::StatusOr<uint64_t> id = absl::UnavailableError("no reply from the job manager");
    self->request(relay, caf::infinite, submit_atom::value, encode_program(program), listener)
        .receive([&](uint64_t program) { id = program; },
                 [&](const caf::error& err) {
                   id = absl::UnavailableError(
                       absl::StrCat("submitting the program: ", sys_.render(err)));
                 });
    return id;
  }

  absl::StatusOr<query_result> run_sql(
      const std::string& sql, const std::vector<table_binding>& tables,
      std::function<void(const progress_event&)> on_event,
      const submit_options& options, std::stop_token stop) override {
    const auto t0 = std::chrono::steady_clock::now();
    caf::scoped_actor self{sys_};
    // A remote job manager goes down with the connection to its head.
    self->monitor(job_manager_);
    auto id = submit(sql, tables, caf::actor_cast<caf::actor>(self), options);
    if (!id.ok()) return id.status();
    // A stop request becomes a message to this loop, from whichever thread asks.
    std::stop_callback on_stop(stop, [me = caf::actor_cast<caf::actor>(self)] {
      caf::anon_send(me, cancel_atom::value);
    });
    query_result out;
    absl::Status status = absl::OkStatus();
    bool done = false;
    bool cancelling = false;
    while (!done) {
      self->receive(
          [&](cancel_atom) {
            if (cancelling) return;
            cancelling = true;
            // NotFound: it ended meanwhile, and its done message is on the way.
            if (auto s = cancel(*id); !s.ok() && !absl::IsNotFound(s)) {
              done = true;
              status = s;
            }
          },
          [&](progress_atom, const progress_event& e) {
            if (on_event) on_event(e);
            out.events.push_back(e);
          },
          [&](result_atom, uint64_t, const std::vector<char>& bytes) {
            auto b = decode_result(bytes);
            if (!b.ok()) {
              status = b.status();
              return;
            }
            if (out.batches.empty() && out.rows == 0 && out.columns.fields.empty())
              out.columns = b->schema;
            if (b->rows == 0) return;
            out.rows += b->rows;
            out.batches.push_back(*std::move(b));
          },
          [&](done_atom, uint64_t, const std::string& error) {
            done = true;
            if (error == "cancelled")
              status = absl::CancelledError(error);
            else if (!error.empty())
              status = absl::InvalidArgumentError(error);
          },
          [&](const caf::down_msg& dm) {
            done = true;
            status = absl::UnavailableError(absl::StrCat(
                "lost the connection to the head while program ", *id,
                " ran: ", sys_.render(dm.reason)));
          },
          caf::after(kQuietTimeout) >>
              [&] {
                done = true;
                status = absl::DeadlineExceededError("the cluster sent nothing for 30 minutes");
              });
    }
    if (!status.ok()) return status;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
  }

  absl::Status cancel(uint64_t program) override {
    caf::scoped_actor self{sys_};
    absl::Status out = absl::UnavailableError("no reply from the job manager");
    self->request(job_manager_, std::chrono::seconds(30), cancel_atom::value, program)
        .receive(
            [&](bool running) {
              out = running ? absl::OkStatus()
                            : absl::NotFoundError(
                                  absl::StrCat("program ", program, " is not running"));
            },
            [&](const caf::error& err) { out = absl::UnavailableError(sys_.render(err)); });
    return out;
  }

  absl::StatusOr<std::string> explain(const std::string& sql,
                                      const std::vector<table_binding>& tables,
                                      const submit_options& options) override {
    // The planner executes catalog statements: explaining one would run it.
    if (auto stmt = sql::parse_statement(sql); stmt.ok() && sql::is_ddl(*stmt))
      return absl::InvalidArgumentError(
          "EXPLAIN shows the plan of a query; CREATE, DROP, SHOW and DESCRIBE have none");
    const program_request program{sql, tables, options, {}};
    if (auto s = check_program(program); !s.ok()) return s;
    caf::scoped_actor self{sys_};
    absl::StatusOr<std::string> out = absl::UnavailableError("no reply from the job manager");
    self->request(job_manager_, kQuietTimeout, explain_atom::value, encode_program(program))
        .receive(
            [&](const std::string& text, const std::string& error) {
              if (error.empty())
                out = text;
              else
                out = absl::InvalidArgumentError(error);
            },
            [&](const caf::error& err) { out = absl::UnavailableError(sys_.render(err)); });
    return out;
  }

  absl::StatusOr<ledger_totals> ledger() override {
    caf::scoped_actor self{sys_};
    absl::StatusOr<ledger_totals> out = absl::UnavailableError("no reply from the broker");
    self->request(broker_, std::chrono::seconds(30), ledger_atom::value)
        .receive(
            [&](const std::vector<int64_t>& v) {
              out = ledger_totals{v[0], v[1], v[2], v[3], v[4], v[5]};
            },
            [&](const caf::error& err) { out = absl::UnavailableError(sys_.render(err)); });
    return out;
  }

  absl::Status set_queue(const queue_config& queue) override {
    return queue_change(set_queue_atom::value, queue);
  }

  absl::Status remove_queue(const std::string& name) override {
    return queue_change(drop_queue_atom::value, name);
  }

  absl::StatusOr<std::vector<queue_status>> queues() override {
    caf::scoped_actor self{sys_};
    absl::StatusOr<std::vector<queue_status>> out =
        absl::UnavailableError("no reply from the broker");
    self->request(broker_, std::chrono::seconds(30), queues_atom::value)
        .receive([&](std::vector<queue_status>& v) { out = std::move(v); },
                 [&](const caf::error& err) { out = absl::UnavailableError(sys_.render(err)); });
    return out;
  }

  absl::StatusOr<std::vector<node_info>> nodes() override {
    caf::scoped_actor self{sys_};
    absl::StatusOr<std::vector<node_info>> out = absl::UnavailableError("no reply from the broker");
    self->request(broker_, std::chrono::seconds(30), nodes_atom::value)
        .receive([&](const std::vector<char>& b) { out = decode_node_list(b.data(), b.size()); },
                 [&](const caf::error& err) { out = absl::UnavailableError(sys_.render(err)); });
    return out;
  }

  absl::Status set_draining(uint64_t node, bool draining) override {
    caf::scoped_actor self{sys_};
    absl::Status out = absl::UnavailableError("no reply from the broker");
    self->request(broker_, std::chrono::seconds(30), drain_atom::value, node, draining)
        .receive(
            [&](const std::string& error) {
              out = error.empty() ? absl::OkStatus() : absl::NotFoundError(error);
            },
            [&](const caf::error& err) { out = absl::UnavailableError(sys_.render(err)); });
    return out;
  }

  absl::StatusOr<std::vector<program_info>> programs() override {
    caf::scoped_actor self{sys_};
    absl::StatusOr<std::vector<program_info>> out =
        absl::UnavailableError("no reply from the job manager");
    self->request(job_manager_, std::chrono::seconds(30), programs_atom::value)
        .receive(
            [&](const std::vector<char>& b) { out = decode_program_list(b.data(), b.size()); },
            [&](const caf::error& err) { out = absl::UnavailableError(sys_.render(err)); });
    return out;
  }

  absl::StatusOr<program_info> program(uint64_t id) override {
    caf::scoped_actor self{sys_};
    absl::StatusOr<program_info> out = absl::UnavailableError("no reply from the job manager");
    self->request(job_manager_, std::chrono::seconds(30), program_atom::value, id)
        .receive(
            [&](const std::vector<char>& b, const std::string& error) {
              if (!error.empty())
                out = absl::NotFoundError(error);
              else
                out = decode_program_info(b.data(), b.size());
            },
            [&](const caf::error& err) { out = absl::UnavailableError(sys_.render(err)); });
    return out;
  }

  absl::StatusOr<created_session> create_session(const session_options& options) override {
    if (!session_manager_) return no_sessions();
    caf::scoped_actor self{sys_};
    absl::StatusOr<created_session> out = absl::UnavailableError("no reply from the head");
    // Placement, launch and the kernel's registration (bounded at 30 s).
    self->request(session_manager_, std::chrono::seconds(60), session_create_atom::value,
                  encode_session_request(session_request{options, submitter()}))
        .receive(
            [&](const std::vector<char>& b, const std::string& token, const std::string& error) {
              if (!error.empty()) {
                out = session_error(error);
                return;
              }
              auto info = decode_session_info(b.data(), b.size());
              if (!info.ok()) {
                out = info.status();
                return;
              }
              out = created_session{*std::move(info), token};
            },
            [&](const caf::error& err) { out = absl::UnavailableError(sys_.render(err)); });
    return out;
  }

  absl::StatusOr<std::vector<session_info>> sessions() override {
    if (!session_manager_) return no_sessions();
    caf::scoped_actor self{sys_};
    absl::StatusOr<std::vector<session_info>> out = absl::UnavailableError("no reply from the head");
    self->request(session_manager_, std::chrono::seconds(30), sessions_atom::value)
        .receive(
            [&](const std::vector<char>& b) { out = decode_session_list(b.data(), b.size()); },
            [&](const caf::error& err) { out = absl::UnavailableError(sys_.render(err)); });
    return out;
  }

  absl::StatusOr<session_info> session(const std::string& id) override {
    if (!session_manager_) return no_sessions();
    caf::scoped_actor self{sys_};
    absl::StatusOr<session_info> out = absl::UnavailableError("no reply from the head");
    self->request(session_manager_, std::chrono::seconds(30), session_atom::value, id)
        .receive(
            [&](const std::vector<char>& b, const std::string& error) {
              if (!error.empty())
                out = absl::NotFoundError(error);
              else
                out = decode_session_info(b.data(), b.size());
            },
            [&](const caf::error& err) { out = absl::UnavailableError(sys_.render(err)); });
    return out;
  }

  absl::Status stop_session(const std::string& id) override {
    if (!session_manager_) return no_sessions();
    caf::scoped_actor self{sys_};
    absl::Status out = absl::UnavailableError("no reply from the head");
    self->request(session_manager_, std::chrono::seconds(30), stop_atom::value, id)
        .receive([&](const std::string& error) { out = session_error(error); },
                 [&](const caf::error& err) { out = absl::UnavailableError(sys_.render(err)); });
    return out;
  }

  [[nodiscard]] const session_manager_actor& session_manager() const { return session_manager_; }

 protected:
  static absl::Status no_sessions() {
    return absl::FailedPreconditionError(
        "sessions run on a cluster of daemons (tranched), not on an embedded cluster");
  }
  // The manager's error text as a status: "no session ..." is NotFound,
  // "... has already ended ..." FailedPrecondition, "... no room ..." and
  // "... taken ..." ResourceExhausted, anything else Unavailable.
  static absl::Status session_error(const std::string& error) {
    if (error.empty()) return absl::OkStatus();
    if (error.rfind("no session ", 0) == 0 || error.rfind("no node ", 0) == 0)
      return absl::NotFoundError(error);
    if (error.find("has already ended") != std::string::npos ||
        error.find("draining") != std::string::npos ||
        error.find("hosts no sessions") != std::string::npos)
      return absl::FailedPreconditionError(error);
    if (error.find("no room") != std::string::npos || error.find("taken") != std::string::npos ||
        error.find("can host") != std::string::npos)
      return absl::ResourceExhaustedError(error);
    if (error.find("failed: ") != std::string::npos) return absl::AbortedError(error);
    return absl::InvalidArgumentError(error);
  }

  template <class Atom, class Arg>
  absl::Status queue_change(Atom atom, const Arg& arg) {
    caf::scoped_actor self{sys_};
    absl::Status out = absl::UnavailableError("no reply from the broker");
    self->request(broker_, std::chrono::seconds(30), atom, arg)
        .receive(
            [&](const std::string& error) {
              out = error.empty() ? absl::OkStatus() : absl::InvalidArgumentError(error);
            },
            [&](const caf::error& err) { out = absl::UnavailableError(sys_.render(err)); });
    return out;
  }

  caf::actor_system& sys_;
  broker_actor broker_;
  job_manager_actor job_manager_;
  session_manager_actor session_manager_;  // null on an embedded cluster
};

class local_cluster final : public actor_cluster {
 public:
  local_cluster(const cluster_options& opts, std::shared_ptr<table_store> catalog)
      : actor_cluster(own_sys_), own_sys_(configure(cfg_)), opts_(opts) {
    directory_ = std::make_shared<executor_directory>();
    broker_options bo;
    bo.queues = opts.queues;
    bo.preempt_grace_ms = opts.preempt_grace_ms;
    bo.preempt = (*make_policy(opts.policy))->preemptible();  // start_local checked the name
    broker_ = *spawn_broker(sys_, bo);  // start_local checked the options
    int slots = opts.slots_per_node;
    if (slots <= 0) {
      int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
      slots = std::max(1, cores / std::max(1, opts.nodes));
    }
    spill_dir_.path = private_spill_dir(opts.spill_root);
    for (int n = 1; n <= std::max(1, opts.nodes); ++n) {
      executor_config ec;
      ec.node = static_cast<uint64_t>(n);
      ec.slots = slots;
      ec.store.memory_budget = std::max<int64_t>(1, opts.memory_per_node / 2);
      ec.store.spill_dir = spill_dir_.path;
      ec.directory = directory_;
      auto e = spawn_executor(sys_, ec);
      executors_.push_back(e);
      caf::anon_send(broker_, register_atom::value, ec.node, static_cast<int64_t>(slots),
                     opts.memory_per_node, e);
    }
    planner_options po;
    po.parallelism = slots * std::max(1, opts.nodes);
    po.memory_per_task = opts.memory_per_task;
    po.split_bytes = opts.split_bytes;
    po.broadcast_bytes = opts.broadcast_bytes;
    planner_ = spawn_planner(sys_, po, std::move(catalog));
    job_manager_config jc{broker_, planner_, directory_, po.parallelism, opts.policy};
    jc.retry.max_retries = opts.task_retries;
    jc.retry.task_deadline_ms = opts.task_deadline_ms;
    jc.retry.speculation = opts.speculation;
    jc.max_program_bytes = opts.max_program_bytes;
    jc.max_result_bytes = opts.max_result_bytes;
    job_manager_ = spawn_job_manager(sys_, jc);
  }

  ~local_cluster() override {
    caf::anon_send_exit(job_manager_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(planner_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(broker_, caf::exit_reason::user_shutdown);
    for (auto& e : executors_) caf::anon_send_exit(e, caf::exit_reason::user_shutdown);
  }

 private:
  // "<root>/tranche-<pid>-<n>": unique per embedded cluster in this process.
  static std::string private_spill_dir(const std::string& root) {
    static std::atomic<int> counter{0};
    std::error_code ec;
    std::filesystem::path base =
        root.empty() ? std::filesystem::temp_directory_path(ec) : std::filesystem::path(root);
    if (base.empty()) base = "/tmp";
    return (base / absl::StrCat("tranche-", static_cast<int>(::getpid()), "-", counter++)).string();
  }

  // Removes the spill directory after own_sys_ (declared later, so destroyed
  // first) has stopped every executor and its pool.
  struct removed_at_end {
    std::string path;
    ~removed_at_end() {
      std::error_code ec;
      if (!path.empty()) std::filesystem::remove_all(path, ec);
    }
  };

  removed_at_end spill_dir_;
  caf::actor_system_config cfg_;
  caf::actor_system own_sys_;
  cluster_options opts_;
  std::shared_ptr<executor_directory> directory_;
  planner_actor planner_;
  std::vector<executor_actor> executors_;
};

// The SDK's calls on a head's own actors, in the head's process (its HTTP
// endpoint): nothing to own, nothing to connect.
class attached_cluster final : public actor_cluster {
 public:
  attached_cluster(caf::actor_system& sys, job_manager_actor jm, broker_actor broker,
                   session_manager_actor sessions)
      : actor_cluster(sys) {
    job_manager_ = std::move(jm);
    broker_ = std::move(broker);
    session_manager_ = std::move(sessions);
  }
};

class remote_cluster final : public actor_cluster {
 public:
  // `tls` null: plain TCP.
  explicit remote_cluster(std::unique_ptr<tls_material> tls)
      : actor_cluster(own_sys_),
        tls_(std::move(tls)),
        own_sys_(configure_remote(cfg_, tls_.get())) {}

  // With the cluster secret (`secret`), or else with the admin token.
  absl::Status connect(const std::string& host_port, const cluster_secret* secret,
                       const std::string& token = {}) {
    auto head = connect_head(sys_, host_port, tls_.get());
    if (!head.ok()) return head.status();
    caf::scoped_actor self{sys_};
    absl::Status out = absl::UnavailableError("the head did not answer");
    auto accepted = [&](job_manager_actor jm, broker_actor b, session_manager_actor sm,
                        const std::string& error) {
      if (!error.empty()) {
        out = absl::PermissionDeniedError(error);
        return;
      }
      job_manager_ = std::move(jm);
      broker_ = std::move(b);
      session_manager_ = std::move(sm);
      out = absl::OkStatus();
    };
    auto failed = [&](const caf::error& err) { out = absl::UnavailableError(sys_.render(err)); };
    if (secret == nullptr) {
      self->request(*head, std::chrono::seconds(10), admin_atom::value, token)
          .receive(accepted, failed);
      return out;
    }
    auto hs = authenticate(self, *head, *secret, "client");
    if (!hs.ok()) return hs.status();
    self->request(*head, std::chrono::seconds(10), connect_atom::value, hs->challenge, hs->proof)
        .receive(accepted, failed);
    return out;
  }

 private:
  std::unique_ptr<tls_material> tls_;  // outlives own_sys_, which reads its copies
  caf::actor_system_config cfg_;
  caf::actor_system own_sys_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<cluster>> cluster::connect(const std::string& host_port,
                                                          const std::string& secret_file) {
  return connect(host_port, secret_file, tls_options{});
}

namespace {

// A remote cluster through the head at `host_port`, proving the secret
// (`secret`) or else presenting the admin token.
absl::StatusOr<std::unique_ptr<cluster>> connect_remote(const std::string& host_port,
                                                        const tls_options& tls,
                                                        const cluster_secret* secret,
                                                        const std::string& token) {
  // Before CAF sees the files: it would read them only when connecting, and
  // a bad one throws inside its middleman actor, leaving the connect hanging.
  auto material = load_tls(tls, tls_role::client);
  if (!material.ok()) return material.status();
  auto rc = std::make_unique<remote_cluster>(*std::move(material));
  if (auto s = rc->connect(host_port, secret, token); !s.ok()) return s;
  return std::unique_ptr<cluster>(std::move(rc));
}

absl::Status check_address(const std::string& host_port) {
  std::string host;
  uint16_t port = 0;
  if (!split_host_port(host_port, &host, &port).ok() || port == 0)
    return absl::InvalidArgumentError(
        absl::StrCat("--cluster needs HOST:PORT, got \"", host_port, "\""));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<cluster>> cluster::connect(const std::string& host_port,
                                                          const std::string& secret_file,
                                                          const tls_options& tls) {
  if (auto s = check_address(host_port); !s.ok()) return s;
  if (secret_file.empty())
    return absl::InvalidArgumentError(
        "connecting to a cluster needs its secret: --secret-file F or TRANCHE_SECRET_FILE");
  auto secret = cluster_secret::load(secret_file);
  if (!secret.ok()) return secret.status();
  return connect_remote(host_port, tls, &*secret, {});
}

absl::StatusOr<std::unique_ptr<cluster>> cluster::connect_with_token(const std::string& host_port,
                                                                     const std::string& token,
                                                                     const tls_options& tls) {
  if (auto s = check_address(host_port); !s.ok()) return s;
  if (token.empty()) return absl::InvalidArgumentError("the admin token is empty");
  return connect_remote(host_port, tls, nullptr, token);
}

session_manager_actor session_manager_of(cluster& c) {
  auto* a = dynamic_cast<actor_cluster*>(&c);
  return a != nullptr ? a->session_manager() : session_manager_actor{};
}

std::unique_ptr<cluster> attach_cluster(caf::actor_system& sys, job_manager_actor jm,
                                        broker_actor broker, session_manager_actor sessions) {
  return std::make_unique<attached_cluster>(sys, std::move(jm), std::move(broker),
                                            std::move(sessions));
}

absl::StatusOr<std::unique_ptr<cluster>> cluster::start_local(const cluster_options& opts) {
  if (opts.nodes < 1) return absl::InvalidArgumentError("a local cluster needs at least 1 node");
  if (auto p = make_policy(opts.policy); !p.ok()) return p.status();
  if (auto s = validate_queues(opts.queues); !s.ok()) return s;
  std::string path = opts.catalog_path.empty() ? std::string(":memory:") : opts.catalog_path;
  if (!opts.catalog_path.empty()) {
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec)
      return absl::PermissionDeniedError(absl::StrCat("catalog ", path, ": cannot create ",
                                                      dir.string(), ": ", ec.message()));
  }
  auto catalog = table_store::open(path);
  if (!catalog.ok()) return catalog.status();
  return std::unique_ptr<cluster>(
      new local_cluster(opts, std::shared_ptr<table_store>(*std::move(catalog))));
}

}  // namespace tranche
