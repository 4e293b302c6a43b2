// `tranchectl`, the admin console: reads and steers a running cluster
// through its head daemon, with the cluster secret.
// Exit codes: 0 success, 1 the cluster said no or could not be reached (one
// message on stderr), 2 bad usage (the usage follows on stderr).
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "console/console_json.h"
#include "ctl/render.h"
#include "tranche/client.h"

namespace {

using tranche::ctl::cluster_view;

constexpr const char* kUsage = R"(usage: tranchectl [options] COMMAND [ARGS]

commands:
  status                     nodes, capacity used and free, queues, running programs
  nodes                      every node: state, slots, memory, leases
  node drain ID              node ID takes no new leases (what runs there finishes)
  node undrain ID            node ID takes new leases again
  programs                   running and past programs: state, queue, submitter,
                             wall time, slot-seconds
  program ID                 one program: its portions with their state, tasks done,
                             capacity held over time, and its error
  cancel ID                  cancel a running program
  queues                     the broker's queues and their usage
  queue set NAME [--weight W] [--min S] [--max S|none] [--max-waiting N|none]
                             add a queue or change one (slots); takes effect at once
  top                        a live view refreshed every second; q quits
  sessions                   every session kept: state, node, endpoint, requester, age,
                             statements, and why it ended
  session ID                 one session in full
  session stop ID            stop a session (its running statement is cancelled)

options:
  --cluster HOST:PORT  the head daemon (or TRANCHE_CLUSTER)
  --secret-file F      the cluster secret (or TRANCHE_SECRET_FILE); without one, the
                       head's admin token in TRANCHE_ADMIN_TOKEN
  --tls-certificate F  this client's certificate, signed by the cluster CA
                       (or TRANCHE_TLS_CERTIFICATE)
  --tls-key F          its private key (or TRANCHE_TLS_KEY)
  --tls-ca F           the cluster CA's certificate (or TRANCHE_TLS_CA)
  -o json              read commands print JSON (one object or array) instead of text
)";

int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int usage_error(const std::string& msg) {
  std::cerr << "tranchectl: " << msg << "\n" << kUsage;
  return 2;
}

int fail(const absl::Status& s) {
  std::cerr << "tranchectl: error: " << s.message() << "\n";
  return 1;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return std::string(v ? v : "");
}

bool parse_id(const std::string& s, uint64_t* out) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos &&
         absl::SimpleAtoi(s, out);
}

absl::StatusOr<cluster_view> read_view(tranche::cluster& c) {
  cluster_view v;
  auto nodes = c.nodes();
  if (!nodes.ok()) return nodes.status();
  auto queues = c.queues();
  if (!queues.ok()) return queues.status();
  auto programs = c.programs();
  if (!programs.ok()) return programs.status();
  v.nodes = *std::move(nodes);
  v.queues = *std::move(queues);
  v.programs = *std::move(programs);
  return v;
}

// --- top ------------------------------------------------------------------

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

// The terminal in the state `top` needs (no echo, a key at a time, the
// alternate screen, no cursor), put back on every way out.
class screen {
 public:
  screen() {
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_) == 0) {
      termios raw = saved_;
      raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
      raw.c_cc[VMIN] = 0;
      raw.c_cc[VTIME] = 0;
      restore_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    std::cout << "\x1b[?1049h\x1b[?25l" << std::flush;
  }
  ~screen() {
    std::cout << "\x1b[?25h\x1b[?1049l" << std::flush;
    if (restore_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  screen(const screen&) = delete;
  screen& operator=(const screen&) = delete;

  static std::pair<size_t, size_t> size() {
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0)
      return {ws.ws_col, ws.ws_row};
    return {100, 40};
  }

 private:
  termios saved_{};
  bool restore_ = false;
};

int cmd_top(tranche::cluster& c) {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  screen scr;
  absl::Status last = absl::OkStatus();
  while (!g_stop) {
    auto [cols, rows] = screen::size();
    std::string frame;
    auto v = read_view(c);
    if (v.ok()) {
      frame = tranche::ctl::render_status(*v, cols);
    } else {
      frame = absl::StrCat("cannot read the cluster: ", v.status().message(), "\n");
      last = v.status();
    }
    // At most the terminal's rows, the last one for the help line.
    size_t lines = 0, pos = 0;
    while (pos < frame.size() && lines + 1 < rows) {
      pos = frame.find('\n', pos);
      if (pos == std::string::npos) {
        pos = frame.size();
        break;
      }
      ++pos;
      ++lines;
    }
    frame.resize(pos);
    std::cout << "\x1b[H\x1b[2J" << frame << "\x1b[" << rows << ";1Hq quits; refreshed every 1s"
              << std::flush;
    // A second, or a key.
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (poll(&p, 1, 1000) > 0) {
      char key = 0;
      const ssize_t n = read(STDIN_FILENO, &key, 1);
      if (n == 0 || key == 'q' || key == 'Q') break;  // q, or the input closed
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string remote = env("TRANCHE_CLUSTER"), secret_file = env("TRANCHE_SECRET_FILE");
  tranche::tls_options tls{env("TRANCHE_TLS_CERTIFICATE"), env("TRANCHE_TLS_KEY"),
                           env("TRANCHE_TLS_CA")};
  bool json = false;
  std::optional<double> weight;
  std::optional<int64_t> min_slots, max_slots, max_waiting;
  std::vector<std::string> words;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* v) {
      if (i + 1 >= args.size()) return false;
      *v = args[++i];
      return true;
    };
    // A count, or "none" for no limit.
    auto count = [&](std::optional<int64_t>* out, bool none_ok) {
      std::string v;
      int64_t n = 0;
      if (!value(&v)) return false;
      if (none_ok && (v == "none" || v == "unlimited")) {
        *out = tranche::kUnlimited;
        return true;
      }
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos ||
          !absl::SimpleAtoi(v, &n))
        return false;
      *out = n;
      return true;
    };
    std::string v;
    if (a == "--cluster") {
      if (!value(&remote) || remote.empty()) return usage_error("--cluster needs HOST:PORT");
    } else if (a == "--secret-file") {
      if (!value(&secret_file) || secret_file.empty())
        return usage_error("--secret-file needs a file");
    } else if (a == "--tls-certificate" || a == "--tls-key" || a == "--tls-ca") {
      std::string* field = a == "--tls-certificate" ? &tls.certificate
                           : a == "--tls-key"       ? &tls.key
                                                    : &tls.ca;
      if (!value(field) || field->empty()) return usage_error(a + " needs a file");
    } else if (a == "-o" || a == "--output") {
      if (!value(&v) || (v != "json" && v != "text"))
        return usage_error(a + " takes json or text");
      json = v == "json";
    } else if (a == "-o=json" || a == "--output=json" || a == "-ojson") {
      json = true;
    } else if (a == "--weight") {
      double w = 0;
      if (!value(&v) || !absl::SimpleAtod(v, &w) || !(w > 0) || w > 1e6)
        return usage_error("--weight needs a number in (0, 1000000]");
      weight = w;
    } else if (a == "--min") {
      if (!count(&min_slots, false)) return usage_error("--min needs a slot count");
    } else if (a == "--max") {
      if (!count(&max_slots, true)) return usage_error("--max needs a slot count or none");
    } else if (a == "--max-waiting") {
      if (!count(&max_waiting, true))
        return usage_error("--max-waiting needs a program count or none");
    } else if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("unknown option " + a);
    } else {
      words.push_back(a);
    }
  }
  if (words.empty()) return usage_error("a command is needed");
  const std::string cmd = words[0];
  // The shape of each command, checked before any connection.
  const bool queue_flags = weight || min_slots || max_slots || max_waiting;
  const bool is_queue_set = cmd == "queue" && words.size() >= 2 && words[1] == "set";
  if (queue_flags && !is_queue_set)
    return usage_error("--weight, --min, --max and --max-waiting go with queue set");
  uint64_t id = 0;
  if (cmd == "status" || cmd == "nodes" || cmd == "programs" || cmd == "queues" || cmd == "top") {
    if (words.size() != 1) return usage_error(cmd + " takes no arguments");
    if (cmd == "top" && json) return usage_error("top has no JSON output");
  } else if (cmd == "node") {
    if (words.size() != 3 || (words[1] != "drain" && words[1] != "undrain"))
      return usage_error("node needs drain ID or undrain ID");
    if (!parse_id(words[2], &id)) return usage_error("node " + words[1] + " needs a node id");
  } else if (cmd == "program" || cmd == "cancel") {
    if (words.size() != 2 || !parse_id(words[1], &id))
      return usage_error(cmd + " needs a program id");
  } else if (cmd == "sessions") {
    if (words.size() != 1) return usage_error("sessions takes no arguments");
  } else if (cmd == "session") {
    const bool stop = words.size() == 3 && words[1] == "stop";
    if (!stop && words.size() != 2) return usage_error("session needs ID or stop ID");
    if (stop && json) return usage_error("session stop has no JSON output");
  } else if (cmd == "queue") {
    if (!is_queue_set || words.size() != 3) return usage_error("queue needs set NAME [flags]");
  } else {
    return usage_error("unknown command " + cmd);
  }
  if (remote.empty()) return usage_error("--cluster HOST:PORT (or TRANCHE_CLUSTER) is needed");
  const std::string token = env("TRANCHE_ADMIN_TOKEN");
  if (secret_file.empty() && token.empty())
    return usage_error(
        "--secret-file F (or TRANCHE_SECRET_FILE), or TRANCHE_ADMIN_TOKEN, is needed");

  // The secret when given, else the admin token.
  auto conn = secret_file.empty() ? tranche::cluster::connect_with_token(remote, token, tls)
                                  : tranche::cluster::connect(remote, secret_file, tls);
  if (!conn.ok()) return fail(conn.status());
  tranche::cluster& c = **conn;
  auto print_json = [](const std::string& s) { std::cout << s << "\n"; };

  if (cmd == "status") {
    auto v = read_view(c);
    if (!v.ok()) return fail(v.status());
    if (json)
      print_json(tranche::ctl::status_json(*v));
    else
      std::cout << tranche::ctl::render_status(*v);
  } else if (cmd == "nodes") {
    auto nodes = c.nodes();
    if (!nodes.ok()) return fail(nodes.status());
    if (json) {
      tranche::json_writer w;
      w.begin_array();
      for (const auto& n : *nodes) write_json(w, n);
      w.end_array();
      print_json(w.str());
    } else {
      std::cout << tranche::ctl::render_nodes(*nodes);
    }
  } else if (cmd == "node") {
    const bool drain = words[1] == "drain";
    if (auto s = c.set_draining(id, drain); !s.ok()) return fail(s);
    std::cout << "node " << id << (drain ? " is draining: it takes no new leases\n"
                                         : " takes new leases again\n");
  } else if (cmd == "programs") {
    auto ps = c.programs();
    if (!ps.ok()) return fail(ps.status());
    if (json) {
      tranche::json_writer w;
      w.begin_array();
      for (const auto& p : *ps) write_json(w, p, false);
      w.end_array();
      print_json(w.str());
    } else {
      std::cout << tranche::ctl::render_programs(*ps);
    }
  } else if (cmd == "program") {
    auto p = c.program(id);
    if (!p.ok()) return fail(p.status());
    if (json) {
      tranche::json_writer w;
      write_json(w, *p, true);
      print_json(w.str());
    } else {
      std::cout << tranche::ctl::render_program(*p);
    }
  } else if (cmd == "sessions") {
    auto ss = c.sessions();
    if (!ss.ok()) return fail(ss.status());
    std::cout << (json ? tranche::ctl::sessions_json(*ss)
                       : tranche::ctl::render_sessions(*ss, now_unix_ms()));
  } else if (cmd == "session" && words.size() == 3) {
    if (auto s = c.stop_session(words[2]); !s.ok()) return fail(s);
    std::cout << "session " << words[2] << " stopping\n";
  } else if (cmd == "session") {
    auto s = c.session(words[1]);
    if (!s.ok()) return fail(s.status());
    std::cout << (json ? tranche::ctl::session_json(*s)
                       : tranche::ctl::render_session(*s, now_unix_ms()));
  } else if (cmd == "cancel") {
    if (auto s = c.cancel(id); !s.ok()) return fail(s);
    std::cout << "program " << id << " cancelled\n";
  } else if (cmd == "queues") {
    auto qs = c.queues();
    if (!qs.ok()) return fail(qs.status());
    if (json) {
      tranche::json_writer w;
      w.begin_array();
      for (const auto& q : *qs) write_json(w, q);
      w.end_array();
      print_json(w.str());
    } else {
      std::cout << tranche::ctl::render_queues(*qs);
    }
  } else if (cmd == "queue") {
    auto qs = c.queues();
    if (!qs.ok()) return fail(qs.status());
    tranche::queue_config q;
    q.name = words[2];
    bool exists = false;
    for (const auto& s : *qs)
      if (s.config.name == q.name) {
        q = s.config;
        exists = true;
      }
    if (weight) q.weight = *weight;
    if (min_slots) q.minimum.slots = *min_slots;
    if (max_slots) q.cap.slots = *max_slots;
    if (max_waiting) q.max_waiting = *max_waiting;
    if (auto s = c.set_queue(q); !s.ok()) return fail(s);
    std::cout << "queue " << q.name << (exists ? " changed\n" : " added\n");
  } else if (cmd == "top") {
    return cmd_top(c);
  }
  return 0;
}
