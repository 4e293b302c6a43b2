// tranched, the node daemon. `--role head` runs the head services (broker,
// planner, job manager) plus an executor, and publishes the head actor on
// --listen; `--role worker` runs an executor and joins the head at --join
// after proving it holds the cluster secret. With tls-certificate, tls-key
// and tls-ca every connection is mutual TLS (actors/transport.h). SIGTERM or
// SIGINT stops it and exits 0. Configuration: --config FILE, then flags
// (README: "tranched").
#include <atomic>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>
#include <csignal>
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "actors/broker.h"
#include "actors/executor.h"
#include "actors/frame_guard.h"
#include "actors/head.h"
#include "actors/http_console.h"
#include "actors/job_manager.h"
#include "actors/message_types.h"
#include "actors/node_agent.h"
#include "actors/planner.h"
#include "actors/session_manager.h"
#include "actors/transport.h"
#include "auth/auth.h"
#include "catalog/table_store.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "sched/policy.h"

namespace {

using namespace tranche;

int stop_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

// Where this process's executor keeps blocks beyond block-memory: a directory
// of its own under work-dir (several daemons may share a machine and a
// work-dir), removed at exit.
block_store_options store_options(const daemon_config& cfg) {
  return block_store_options{cfg.block_memory,
                             absl::StrCat(cfg.work_dir, "/blocks-", static_cast<int>(getpid()))};
}

// This node's agent, launching the kernels of sessions placed here and
// attaching them to the head at `cluster`. Paths are absolute: a kernel runs
// in its session's directory.
node_agent_config agent_config(const daemon_config& cfg, std::string cluster, uint64_t node) {
  namespace fs = std::filesystem;
  auto absolute = [](const std::string& p) {
    std::error_code ec;
    return p.empty() ? p : fs::absolute(p, ec).lexically_normal().string();
  };
  node_agent_config a;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  a.kernel_binary = !cfg.session_kernel.empty() ? absolute(cfg.session_kernel)
                                                : (self.parent_path() / "tranche-kernel").string();
  a.cluster = std::move(cluster);
  a.secret_file = absolute(cfg.secret_file);
  a.tls_certificate = absolute(cfg.tls_certificate);
  a.tls_key = absolute(cfg.tls_key);
  a.tls_ca = absolute(cfg.tls_ca);
  a.http_address = cfg.session_address;
  a.advertise_host = cfg.session_advertise;
  a.work_dir = absolute(cfg.work_dir);
  a.node = node;
  return a;
}

int run_head(caf::actor_system& sys, const daemon_config& cfg,
             std::shared_ptr<cluster_secret> secret) {
  // The table catalog first: a head that cannot keep its tables must not start.
  std::error_code dir_error;
  const std::filesystem::path catalog_dir = std::filesystem::path(cfg.catalog).parent_path();
  if (!catalog_dir.empty()) std::filesystem::create_directories(catalog_dir, dir_error);
  auto catalog = table_store::open(cfg.catalog);
  if (!catalog.ok()) {
    log_error("head", std::string(catalog.status().message()));
    return 1;
  }
  std::shared_ptr<table_store> store = *std::move(catalog);
  if (auto tables = store->list(); tables.ok())
    log_info("head", absl::StrCat("catalog ", cfg.catalog, ": ", tables->size(), " table(s)"));
  // The history and the admin token too, before any actor starts.
  std::shared_ptr<program_history> history;
  if (cfg.history != "off") {
    const std::filesystem::path history_dir = std::filesystem::path(cfg.history).parent_path();
    if (!history_dir.empty()) std::filesystem::create_directories(history_dir, dir_error);
    auto history_file = program_history::open(
        {cfg.history, static_cast<size_t>(cfg.history_keep), cfg.history_max_age_ms});
    if (!history_file.ok()) {
      log_error("head", std::string(history_file.status().message()));
      return 1;
    }
    history = *std::move(history_file);
    log_info("head", absl::StrCat("history ", cfg.history, ": keeps ", cfg.history_keep,
                                  " ended programs"));
  }
  std::shared_ptr<const admin_token> admin;
  if (!cfg.admin_token_file.empty()) {
    auto token = admin_token::load(cfg.admin_token_file);
    if (!token.ok()) {
      log_error("head", absl::StrCat("admin-token-file: ", token.status().message()));
      return 1;
    }
    admin = std::make_shared<const admin_token>(*std::move(token));
  }
  auto directory = std::make_shared<executor_directory>();
  broker_options bo;
  bo.queues = cfg.queues;
  bo.preempt = (*make_policy(cfg.policy))->preemptible();  // validated with the config
  bo.preempt_grace_ms = cfg.preempt_grace_ms;
  auto spawned = spawn_broker(sys, bo);
  if (!spawned.ok()) {  // validate() checked the queues: not expected
    log_error("head", std::string(spawned.status().message()));
    return 1;
  }
  auto broker = *spawned;
  executor_config ec;
  ec.node = 1;
  ec.slots = static_cast<int>(cfg.slots);
  ec.store = store_options(cfg);
  ec.directory = directory;
  auto exec = spawn_executor(sys, ec);
  caf::anon_send(broker, register_atom::value, uint64_t{1}, cfg.slots, cfg.memory, exec);
  planner_options po;
  po.parallelism = static_cast<int>(cfg.slots) * 2;
  auto planner = spawn_planner(sys, po, store);
  // Parallelism 0: each program gets as many shuffle partitions as the
  // cluster has slots when it is planned.
  job_manager_config jc{broker, planner, directory, 0, cfg.policy};
  jc.retry.max_retries = cfg.task_retries;
  jc.retry.task_deadline_ms = cfg.task_deadline_ms;
  jc.retry.speculation = cfg.speculation;
  jc.max_program_bytes = cfg.max_program_size;
  jc.max_result_bytes = cfg.max_result_size;
  jc.history = history;
  auto jm = spawn_job_manager(sys, jc);
  session_manager_config smc;
  smc.broker = broker;
  smc.book.default_idle_timeout_ms = cfg.session_idle_timeout_ms;
  smc.book.max_lifetime_ms = cfg.session_max_lifetime_ms;
  smc.book.register_timeout_ms = cfg.session_register_timeout_ms;
  smc.max_result_rows = cfg.session_max_result_rows;
  auto sessions = spawn_session_manager(sys, smc);
  head_config hc;
  hc.broker = broker;
  hc.job_manager = jm;
  hc.session_manager = sessions;
  hc.directory = directory;
  hc.secret = secret;
  hc.first_node_id = 2;
  hc.admin = admin;
  auto head = spawn_head(sys, hc);
  std::unique_ptr<http_console> http;
  bool http_failed = false;
  if (!cfg.http.empty()) {
    http_console_config h;
    h.listen = cfg.http;
    h.token = admin;
    h.metrics_public = cfg.http_metrics_public;
    h.tls_certificate = cfg.tls_certificate;
    h.tls_key = cfg.tls_key;
    h.job_manager = jm;
    h.broker = broker;
    h.session_manager = sessions;
    auto started = http_console::start(sys, std::move(h));
    if (!started.ok()) {
      log_error("head", std::string(started.status().message()));
      http_failed = true;
    } else {
      http = *std::move(started);
    }
  }
  if (http) {
    std::string host;
    uint16_t ignored = 0;
    (void)split_host_port(cfg.http, &host, &ignored);
    log_info("head", absl::StrCat("http on ", host, ":", http->port(),
                                  cfg.tls_certificate.empty() ? "" : " (HTTPS)",
                                  cfg.http_metrics_public ? "; /metrics needs no token" : ""));
  }
  std::string host;
  uint16_t port = 0;
  (void)split_host_port(cfg.listen, &host, &port);  // validate() checked it
  // With TLS only the TLS door is opened: a plaintext peer is dropped in
  // its handshake.
  const bool tls = !cfg.tls_certificate.empty();
  auto bound = http_failed ? caf::expected<uint16_t>(caf::sec::cannot_open_port)
               : tls       ? caf::openssl::publish(head, port, host.c_str(), true)
                           : sys.middleman().publish(head, port, host.c_str(), true);
  int rc = 0;
  node_agent_actor agent;
  if (http_failed) {
    rc = 1;
  } else if (!bound) {
    log_error("head",
              absl::StrCat("cannot listen on ", cfg.listen, ": ", sys.render(bound.error())));
    rc = 1;
  } else {
    std::string queues = "default";
    for (const auto& q : cfg.queues) absl::StrAppend(&queues, ", ", q.name);
    log_info("head", absl::StrCat("listening on ", host, ":", *bound, tls ? " (TLS)" : "", " with ",
                                  cfg.slots, " slots and ", cfg.memory >> 20, " MiB; policy ",
                                  cfg.policy, "; queues ", queues));
    agent = spawn_node_agent(sys, agent_config(cfg, absl::StrCat(cfg.advertise, ":", *bound), 1));
    {
      caf::scoped_actor self{sys};  // a sender of this process, as the manager requires
      self->send(sessions, agent_atom::value, uint64_t{1}, cfg.max_sessions, agent);
    }
    const int sig = stop_signal();
    log_info("head", absl::StrCat("signal ", sig, ": stopping"));
  }
  http.reset();  // no request reaches the actors while they stop
  for (auto a : {caf::actor_cast<caf::actor>(agent), caf::actor_cast<caf::actor>(sessions),
                 caf::actor_cast<caf::actor>(head), caf::actor_cast<caf::actor>(jm),
                 caf::actor_cast<caf::actor>(planner), caf::actor_cast<caf::actor>(broker),
                 caf::actor_cast<caf::actor>(exec)})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  return rc;
}

// Joins once: returns the node id, or 0 with the reason in *error.
uint64_t join_once(caf::actor_system& sys, const head_actor& head, const daemon_config& cfg,
                   const cluster_secret& secret, const executor_actor& exec, std::string* error) {
  caf::scoped_actor self{sys};
  auto hs = authenticate(self, head, secret, "worker");
  if (!hs.ok()) {
    *error = std::string(hs.status().message());
    return 0;
  }
  uint64_t node = 0;
  self->request(head, std::chrono::seconds(10), join_atom::value, hs->challenge, hs->proof,
                cfg.slots, cfg.memory, exec)
      .receive([&](uint64_t n, const std::string& e) { node = n, *error = e; },
               [&](const caf::error& e) { *error = sys.render(e); });
  return node;
}

// SIGTERM on a worker: the head grants no new leases on this node, the tasks
// running here finish (bounded by drain-timeout), then the worker leaves;
// leaving returns its capacity. Blocks it held are lost with it (lineage
// recovery is a later issue).
void drain(caf::actor_system& sys, const head_actor& head, const executor_actor& exec,
           uint64_t node, int64_t timeout_ms) {
  caf::scoped_actor self{sys};
  bool accepted = false;
  self->request(head, std::chrono::seconds(5), drain_atom::value, node)
      .receive([&](bool ok) { accepted = ok; }, [&](const caf::error&) {});
  if (!accepted) log_warn("worker", "the head did not accept the drain; stopping anyway");
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(std::max<int64_t>(0, timeout_ms));
  int64_t running = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    running = -1;
    self->request(exec, std::chrono::seconds(5), drain_atom::value)
        .receive([&](int64_t n) { running = n; }, [&](const caf::error&) {});
    if (running == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (running == 0)
    log_info("worker", absl::StrCat("node ", node, " drained: no task running; leaving"));
  else
    log_warn("worker", absl::StrCat("drain timeout with ", running,
                                    " task(s) still running; leaving (they are rerun elsewhere)"));
}

// A worker joins, serves until the head drops it (it was declared dead, e.g.
// after a SIGSTOP, or the head restarted), then joins again as a new
// incarnation with a fresh executor. A refused join (wrong secret) exits 1.
// `tls` null: plain TCP.
int run_worker(caf::actor_system& sys, const daemon_config& cfg, const cluster_secret& secret,
               const tls_material* tls) {
  static std::atomic<bool> stopping{false};
  std::thread([] {
    const int sig = stop_signal();
    log_info("worker", absl::StrCat("signal ", sig, ": draining, then stopping"));
    stopping = true;
  }).detach();
  // A worker started with its head (or under load) may knock before the head
  // answers: the first join retries a refused or timed-out connection for up
  // to 10 s. Anything else (TLS required, not a tranche head) is final.
  const auto first_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (int incarnation = 1;; ++incarnation) {
    auto head = connect_head(sys, cfg.join, tls);
    if (!head.ok()) {
      log_error("worker", std::string(head.status().message()));
      const bool transient = absl::IsUnavailable(head.status()) ||
                             absl::IsDeadlineExceeded(head.status());
      if (incarnation == 1 && transient && !stopping &&
          std::chrono::steady_clock::now() < first_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        --incarnation;  // still the first
        continue;
      }
      if (incarnation == 1) return 1;
      if (stopping) return 0;
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    executor_config ec;
    ec.node = 0;  // assigned by the head
    ec.slots = static_cast<int>(cfg.slots);
    ec.store = store_options(cfg);
    auto exec = spawn_executor(sys, ec);
    std::string error;
    const uint64_t node = join_once(sys, *head, cfg, secret, exec, &error);
    if (node == 0) {
      caf::anon_send_exit(exec, caf::exit_reason::user_shutdown);
      log_error("worker", absl::StrCat("the head refused this worker: ", error));
      return 1;
    }
    caf::anon_send(exec, node_atom::value, node);
    auto agent = spawn_node_agent(sys, agent_config(cfg, cfg.join, node));
    {
      // Sent by an actor of this process: the head checks it is node `node`'s.
      caf::scoped_actor self{sys};
      self->send(*head, agent_atom::value, node, cfg.max_sessions, agent);
    }
    log_info("worker",
             absl::StrCat("joined ", cfg.join, " as node ", node, " (incarnation ", incarnation,
                          ") with ", cfg.slots, " slots and ", cfg.memory >> 20, " MiB"));
    bool lost = false;
    {
      caf::scoped_actor self{sys};
      self->monitor(*head);
      while (!stopping && !lost)
        self->receive([&](const caf::down_msg&) { lost = true; },
                      caf::after(std::chrono::milliseconds(100)) >> [] {});
    }
    caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);  // its kernels stop with it
    if (!lost) {
      drain(sys, *head, exec, node, cfg.drain_timeout_ms);
      caf::anon_send_exit(exec, caf::exit_reason::user_shutdown);
      return 0;
    }
    caf::anon_send_exit(exec, caf::exit_reason::user_shutdown);
    log_warn("worker", absl::StrCat("lost the head as node ", node,
                                    " (declared dead, or the head stopped); joining again"));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::cout << "usage: tranched --role head|worker [--config FILE] [--key value ...]\n\n"
                << config_reference();
      return 0;
    }
  daemon_config cfg;
  auto file = config_flag(args);
  if (!file.ok()) {
    std::cerr << "tranched: " << file.status().message() << "\n";
    return 2;
  }
  if (!file->empty()) {
    auto loaded = load_config(*file);
    if (!loaded.ok()) {
      std::cerr << "tranched: " << loaded.status().message() << "\n";
      return 2;
    }
    cfg = *loaded;
  }
  if (auto s = apply_flags(&cfg, args); !s.ok()) {
    std::cerr << "tranched: " << s.message() << "\n";
    return 2;
  }
  resolve_defaults(&cfg);
  if (auto s = validate(cfg); !s.ok()) {
    std::cerr << "tranched: " << s.message() << "\n";
    return 2;
  }
  if (auto s = logger::get().open(cfg.log_file, cfg.log_level); !s.ok()) {
    std::cerr << "tranched: " << s.message() << "\n";
    return 2;
  }
  auto secret = cluster_secret::load(cfg.secret_file);
  if (!secret.ok()) {
    log_error("daemon", std::string(secret.status().message()));
    return 1;
  }
  // Like the secret: read before anything listens or connects. CAF would
  // read the files only at each connection, and a bad one throws there.
  auto loaded = load_tls({cfg.tls_certificate, cfg.tls_key, cfg.tls_ca},
                         cfg.role == daemon_role::head ? tls_role::server : tls_role::client);
  if (!loaded.ok()) {
    log_error("daemon", std::string(loaded.status().message()));
    return 1;
  }
  const tls_material* tls = loaded->get();  // null: plain TCP
  // Signals go to the thread that waits for them, never to CAF's threads.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  caf::actor_system_config acfg;
  add_message_types(acfg);
  set_max_message_bytes(static_cast<uint64_t>(cfg.max_message_size));
  on_refused_message([](const std::string& what) { log_warn("net", what); });
  acfg.load<caf::io::middleman, guarded_multiplexer>();
  acfg.set("scheduler.policy", caf::atom("sharing"));
  acfg.set("logger.verbosity", caf::atom("quiet"));
  acfg.set("middleman.heartbeat-interval",
           caf::timespan{std::chrono::milliseconds(cfg.heartbeat_interval_ms)});
  acfg.set("middleman.connection-timeout",
           caf::timespan{std::chrono::milliseconds(cfg.connection_timeout_ms)});
  if (tls != nullptr) configure_tls(acfg, *tls);
  int rc = 0;
  {
    caf::actor_system sys{acfg};
    log_info("daemon", describe(cfg));
    if (tls != nullptr)
      log_info("daemon",
               absl::StrCat("TLS on: certificate ", cfg.tls_certificate, ", key ", cfg.tls_key,
                            "; peers must present a certificate signed by ", cfg.tls_ca));
    else
      log_info("daemon", "TLS off: connections to and from this node are not encrypted");
    if (cfg.role == daemon_role::head)
      rc = run_head(sys, cfg, std::make_shared<cluster_secret>(*std::move(secret)));
    else
      rc = run_worker(sys, cfg, *secret, tls);
    // CAF 0.17's TLS module never closes a connection whose peer stays
    // silent in the handshake (a port scanner, a hung peer), and the actor
    // system's destructor waits for it: bound the wait rather than hang on
    // SIGTERM. _Exit skips OpenSSL's atexit cleanup, which CAF's threads
    // could still be inside.
    if (tls != nullptr)
      std::thread([rc] {
        std::this_thread::sleep_for(std::chrono::seconds(5));
        log_warn("daemon", "stopping took over 5 s (a TLS peer stuck in its handshake?); exiting");
        std::_Exit(rc);
      }).detach();
  }
  std::error_code ec;  // spilled blocks of programs that were still running
  std::filesystem::remove_all(store_options(cfg).spill_dir, ec);
  return rc;
}
