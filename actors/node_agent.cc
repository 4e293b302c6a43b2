// A node's agent (see node_agent.h).
#include "actors/node_agent.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "actors/session_manager.h"
#include "daemon/log.h"
#include "session/session_codec.h"

namespace tranche {
namespace {

constexpr auto kTick = std::chrono::milliseconds(200);

struct kernel_process {
  pid_t pid = 0;
  caf::actor manager;      // who asked for it, told when it ends
  int64_t kill_at_ms = 0;  // > 0: SIGTERM sent; SIGKILL at this time
  std::string dir;
};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// How a reaped child ended, as the session's reason says it.
std::string describe_exit(int status) {
  if (WIFEXITED(status)) {
    const int code = WEXITSTATUS(status);
    return code == 0 ? std::string("the kernel exited")
                     : absl::StrCat("the kernel exited with status ", code);
  }
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);
    return absl::StrCat("the kernel was killed by signal ", sig,
                        name != nullptr ? absl::StrCat(" (SIG", name, ")") : std::string());
  }
  return "the kernel ended";
}

struct node_agent_state {
  node_agent_config cfg;
  std::map<std::string, kernel_process> kernels;  // by session id
  static inline const char* name = "node_agent";

  ~node_agent_state() {
    // The daemon stops: its kernels stop with it.
    for (auto& [id, k] : kernels) ::kill(-k.pid, SIGKILL);
    for (auto& [id, k] : kernels) {
      int status = 0;
      (void)::waitpid(k.pid, &status, 0);
    }
  }
};

using agent_ptr = node_agent_actor::stateful_pointer<node_agent_state>;

// Forks and execs the kernel with `config` on its stdin. Everything the
// child touches is prepared before fork(): the process is multi-threaded.
absl::StatusOr<pid_t> launch(const node_agent_config& cfg, const std::string& dir,
                             const std::vector<char>& config, const std::string& id) {
  const std::string log_path = dir + "/kernel.log";
  const std::string session_arg = id;
  const char* argv[] = {"tranche-kernel", "--session", session_arg.c_str(), nullptr};
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    const int e = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return absl::InternalError(absl::StrCat("cannot open ", log_path, ": ", std::strerror(e)));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    ::close(log_fd);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(e)));
  }
  if (pid == 0) {
    // The child: its own process group (a daemon's Ctrl-C is not its), the
    // configuration pipe as stdin, the log as stdout and stderr.
    ::setpgid(0, 0);
    // A kernel outlives no daemon: its node is gone with it.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    ::dup2(fds[0], 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    if (::chdir(dir.c_str()) != 0) _exit(126);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the daemon blocks SIGTERM for sigwait
    ::execv(cfg.kernel_binary.c_str(), const_cast<char* const*>(argv));
    static const char msg[] = "tranche-kernel: exec failed\n";
    (void)!::write(2, msg, sizeof msg - 1);
    _exit(127);
  }
  ::setpgid(pid, pid);  // also here: no race with a kill(-pid) right after
  ::close(fds[0]);
  ::close(log_fd);
  size_t off = 0;
  while (off < config.size()) {
    const ssize_t n = ::write(fds[1], config.data() + off, config.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the kernel died at once: the reaper reports it
    off += static_cast<size_t>(n);
  }
  ::close(fds[1]);
  return pid;
}

node_agent_actor::behavior_type agent_impl(agent_ptr self, node_agent_config cfg) {
  self->state.cfg = std::move(cfg);
  self->send(self, tick_atom::value);
  return {
      [=](launch_atom, const std::string& id,
          const std::vector<char>& bytes) -> std::tuple<int64_t, std::string> {
        auto& st = self->state;
        auto parsed = decode_kernel_config(bytes.data(), bytes.size(), /*complete=*/false);
        if (!parsed.ok()) return {0, std::string(parsed.status().message())};
        if (parsed->session_id != id || st.kernels.count(id) != 0)
          return {0, absl::StrCat("session ", id, ": bad or repeated launch")};
        kernel_config kc = *std::move(parsed);
        kc.node = st.cfg.node;
        kc.cluster = st.cfg.cluster;
        kc.secret_file = st.cfg.secret_file;
        kc.tls_certificate = st.cfg.tls_certificate;
        kc.tls_key = st.cfg.tls_key;
        kc.tls_ca = st.cfg.tls_ca;
        kc.http_address = st.cfg.http_address;
        kc.advertise_host = st.cfg.advertise_host;
        namespace fs = std::filesystem;
        const std::string dir = absl::StrCat(st.cfg.work_dir, "/sessions/", id);
        kc.work_dir = dir;
        kc.notebook_dir = absl::StrCat(st.cfg.work_dir, "/notebooks");
        std::error_code ec;
        for (const auto& d : {dir, kc.notebook_dir}) {
          fs::create_directories(d, ec);
          if (ec) return {0, absl::StrCat("cannot create ", d, ": ", ec.message())};
          fs::permissions(d, fs::perms::owner_all, fs::perm_options::replace, ec);
        }
        auto pid = launch(st.cfg, dir, encode_kernel_config(kc), id);
        if (!pid.ok()) {
          log_error("agent",
                    absl::StrCat("session ", id, ": ", std::string(pid.status().message())));
          return {0, std::string(pid.status().message())};
        }
        st.kernels[id] =
            kernel_process{*pid, caf::actor_cast<caf::actor>(self->current_sender()), 0, dir};
        log_info("agent",
                 absl::StrCat("session ", id, ": kernel started (pid ", *pid, ") in ", dir));
        return {static_cast<int64_t>(*pid), std::string{}};
      },
      [=](kill_atom, const std::string& id) {
        auto it = self->state.kernels.find(id);
        if (it == self->state.kernels.end() || it->second.kill_at_ms > 0) return;
        ::kill(-it->second.pid, SIGTERM);
        it->second.kill_at_ms = now_ms() + self->state.cfg.kill_grace_ms;
        log_info("agent",
                 absl::StrCat("session ", id, ": stopping its kernel (pid ", it->second.pid, ")"));
      },
      [=](tick_atom) {
        auto& st = self->state;
        for (auto it = st.kernels.begin(); it != st.kernels.end();) {
          kernel_process& k = it->second;
          int status = 0;
          const pid_t r = ::waitpid(k.pid, &status, WNOHANG);
          if (r == k.pid) {
            const std::string how = describe_exit(status);
            log_info("agent", absl::StrCat("session ", it->first, ": ", how));
            std::error_code ec;
            std::filesystem::remove_all(k.dir + "/temp", ec);  // its temporary tables
            self->send(caf::actor_cast<session_manager_actor>(k.manager), exited_atom::value,
                       it->first, how);
            it = st.kernels.erase(it);
            continue;
          }
          if (k.kill_at_ms > 0 && now_ms() >= k.kill_at_ms) {
            ::kill(-k.pid, SIGKILL);
            k.kill_at_ms = now_ms() + 60'000;
          }
          ++it;
        }
        self->delayed_send(self, kTick, tick_atom::value);
      },
  };
}

}  // namespace

node_agent_actor spawn_node_agent(caf::actor_system& sys, node_agent_config cfg) {
  return sys.spawn(agent_impl, std::move(cfg));
}

}  // namespace tranche
