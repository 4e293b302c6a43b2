// tranche-kernel: one session's kernel. A node's agent (actors/node_agent.h)
// starts it with its configuration on stdin (schemas/session.capnp
// KernelConfig, then EOF): the session, the one-time launch secret, the
// token's digest and the cluster to attach to. It connects to the cluster,
// opens its HTTP endpoint (actors/kernel_http.h), registers with the head's
// session manager proving the launch secret, then runs the session's
// statements (actors/kernel.h) until the manager stops it, SIGTERM, the
// session's absolute end, or the loss of the head. Not meant to be run by
// hand. Exit codes: 0 stopped, 1 could not start or register, 2 usage.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <caf/all.hpp>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "actors/cluster_view.h"
#include "actors/kernel.h"
#include "actors/kernel_http.h"
#include "actors/session_manager.h"
#include "console/json.h"
#include "daemon/log.h"
#include "session/session_codec.h"

namespace {

using namespace tranche;

std::mutex stop_mu;
std::condition_variable stop_cv;
std::string stop_reason;  // non-empty: stop

void request_stop(const std::string& why) {
  std::lock_guard<std::mutex> lock(stop_mu);
  if (stop_reason.empty()) stop_reason = why;
  stop_cv.notify_all();
}

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::StatusOr<kernel_config> read_config() {
  std::vector<char> bytes;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::InternalError("cannot read the configuration from stdin");
    if (n == 0) break;
    bytes.insert(bytes.end(), buf, buf + n);
    if (bytes.size() > (1u << 20))
      return absl::InvalidArgumentError("the configuration on stdin is larger than 1 MiB");
  }
  ::close(0);
  return decode_kernel_config(bytes.data(), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::string(argv[1]) != "--session") {
    std::cerr << "usage: tranche-kernel --session ID (started by tranched, configuration on "
                 "stdin)\n";
    return 2;
  }
  // Signals go to the waiting thread below, never to a random one.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto cfg = read_config();
  if (!cfg.ok()) {
    log_error("kernel", std::string(cfg.status().message()));
    return 1;
  }
  if (cfg->session_id != argv[2]) {
    log_error("kernel", "the configuration is for another session");
    return 1;
  }
  const std::string id = cfg->session_id;
  log_info("kernel", absl::StrCat("session ", id, ": attaching to ", cfg->cluster));
  tls_options tls{cfg->tls_certificate, cfg->tls_key, cfg->tls_ca};
  auto cl = cluster::connect(cfg->cluster, cfg->secret_file, tls);
  if (!cl.ok()) {
    log_error("kernel", absl::StrCat("cannot attach to the cluster: ", cl.status().message()));
    return 1;
  }
  const session_manager_actor manager = session_manager_of(**cl);
  if (!manager) {
    log_error("kernel", "the head has no session manager");
    return 1;
  }
  caf::actor_system& sys = (*cl)->system();
  std::thread([&set] {
    int sig = 0;
    sigwait(&set, &sig);
    request_stop(absl::StrCat("signal ", sig));
  }).detach();

  std::string endpoint;
  std::atomic<bool> stopping{false};
  // The actor the manager knows this kernel by: it reports busy and idle
  // (the manager takes them only from the registered kernel), is told to
  // stop, and watches the manager (a kernel without its head has no cluster).
  auto self_actor = sys.spawn([manager](caf::event_based_actor* self) -> caf::behavior {
    self->monitor(manager);
    self->set_down_handler([](const caf::down_msg&) { request_stop("lost the head"); });
    return {
        [](stop_atom, const std::string& reason) { request_stop(reason); },
        [=](busy_atom, const std::string& id, bool busy, int64_t statements) {
          self->send(manager, busy_atom::value, id, busy, statements);
        },
    };
  });
  kernel_core core(**cl, *cfg, [&](bool busy, int64_t statements) {
    caf::anon_send(self_actor, busy_atom::value, id, busy, statements);
  });
  kernel_http_config hc;
  hc.listen = cfg->http_address;
  hc.token_digest = cfg->token_digest;
  hc.expires_unix_ms = cfg->expires_unix_ms;
  hc.notebook_dir = cfg->notebook_dir;
  hc.session_json = [&] {
    json_writer w;
    w.begin_object();
    w.key("id").value(id);
    w.key("name").value(cfg->name);
    w.key("state").value(stopping ? "stopping" : core.busy() ? "busy" : "idle");
    w.key("node").value(cfg->node);
    w.key("endpoint").value(endpoint);
    w.key("requester").value(cfg->requester);
    w.key("idle_timeout_s").value(cfg->idle_timeout_ms / 1000);
    w.key("expires_unix_ms").value(cfg->expires_unix_ms);
    w.key("statements").value(core.statements_run());
    w.end_object();
    return w.str();
  };
  auto http = kernel_http::start(core, hc);
  if (!http.ok()) {
    log_error("kernel", std::string(http.status().message()));
    return 1;
  }
  endpoint = absl::StrCat(cfg->advertise_host, ":", (*http)->port());

  std::string error = "the session manager did not answer";
  {
    caf::scoped_actor self{sys};
    self->request(manager, std::chrono::seconds(10), register_atom::value, id, cfg->launch_secret,
                  endpoint, self_actor)
        .receive([&](const std::string& e) { error = e; },
                 [&](const caf::error& e) { error = sys.render(e); });
  }
  cfg->launch_secret.assign(cfg->launch_secret.size(), '0');  // spent
  if (!error.empty()) {
    log_error("kernel", absl::StrCat("session ", id, ": registering failed: ", error));
    caf::anon_send_exit(self_actor, caf::exit_reason::user_shutdown);
    return 1;
  }
  log_info("kernel", absl::StrCat("session ", id, ": idle at ", endpoint));
  {
    std::unique_lock<std::mutex> lock(stop_mu);
    while (stop_reason.empty()) {
      // 2 s after the end the head stops it (so the session ends "stopped"
      // with the head's reason): this is only the kernel's own backstop.
      const int64_t left = cfg->expires_unix_ms + 2000 - unix_ms();
      if (left <= 0) {
        stop_reason = "reached the maximum session lifetime";
        break;
      }
      stop_cv.wait_for(lock, std::chrono::milliseconds(std::min<int64_t>(left, 1000)));
    }
  }
  stopping = true;
  log_info("kernel", absl::StrCat("session ", id, ": stopping (", stop_reason, ")"));
  core.shutdown();  // cancels a running statement on the cluster
  http->reset();
  caf::anon_send_exit(self_actor, caf::exit_reason::user_shutdown);
  return 0;
}
