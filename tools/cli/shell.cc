// Implementation of `tranche shell` (see shell.h). Line editing uses
// libedit's readline-compatible callback interface so that one poll() waits
// for both a key and Ctrl-C (a SIGINT handler writes to a pipe): Ctrl-C at
// the prompt discards the input, during a statement it cancels it on the
// kernel. A statement is submitted, then polled (20 ms, backing off to
// 200 ms) until it ends.
#include "cli/shell.h"

#include <editline/readline.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/output.h"
#include "cli/session_client.h"
#include "cli/shell_text.h"

namespace tranche::cli {
namespace {

constexpr const char* kShellUsage =
    R"(usage: tranche shell (--session ID | --endpoint HOST:PORT) [--token-file F]
  --session ID         the session's endpoint from its record ($TRANCHE_HOME/sessions/ID.json)
  --endpoint HOST:PORT the session kernel's endpoint
  --token-file F       the session token (mode 0600); else the environment's TRANCHE_TOKEN
)";

constexpr const char* kHelp = R"(Statements end with ; and may span lines.
  \h           this help
  \history     the session's statements: execution count, state, first line
  \session     the session's state
  \q           quit (also quit, exit, Ctrl-D)
Ctrl-C cancels a running statement, or discards the input at the prompt.
)";

constexpr const char* kPrompt = "tranche> ";
constexpr const char* kContinuation = "     -> ";

// Ctrl-C: the handler only sets the flag and wakes poll() through the pipe.
volatile sig_atomic_t g_interrupted = 0;
int g_wake[2] = {-1, -1};

void on_sigint(int) {
  g_interrupted = 1;
  const int saved = errno;
  (void)!write(g_wake[1], "i", 1);
  errno = saved;
}

// Clears a pending Ctrl-C; whether there was one.
bool take_interrupt() {
  char buf[64];
  while (read(g_wake[0], buf, sizeof buf) > 0) {
  }
  const bool was = g_interrupted != 0;
  g_interrupted = 0;
  return was;
}

// Waits up to `ms` for Ctrl-C; whether it came.
bool interrupted_within(int ms) {
  pollfd p{g_wake[0], POLLIN, 0};
  if (g_interrupted == 0) (void)poll(&p, 1, ms);
  return take_interrupt();
}

int usage_error(const std::string& msg) {
  std::cerr << "tranche shell: " << msg << "\n" << kShellUsage;
  return 2;
}

int fail(const std::string& msg) {
  std::cerr << "tranche shell: error: " << msg << "\n";
  return 1;
}

std::string first_line(const std::string& s) {
  const auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl) + " ...";
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

class shell {
 public:
  explicit shell(session_client& client) : client_(client) {}

  // Submits one statement and waits for its end, printing its result.
  // Returns whether it succeeded.
  bool run(const std::string& code) {
    auto id = client_.submit(code);
    if (!id.ok()) return error(id.status());
    int delay_ms = 20;
    for (;;) {
      if (interrupted_within(delay_ms)) {
        const absl::Status c = client_.cancel(*id);
        if (c.ok()) {
          // The terminal echoed ^C: start a line of our own.
          std::cout << (isatty(STDIN_FILENO) ? "\n" : "") << "cancelled" << std::endl;
          return false;
        }
        if (!absl::IsFailedPrecondition(c)) return error(c);
        // It ended before the cancel reached it: show how.
      }
      auto s = client_.statement(*id);
      if (!s.ok()) return error(s.status());
      if (s->ended()) {
        const bool ok = print_statement_result(*s, std::cout, std::cerr);
        std::cout.flush();
        return ok;
      }
      delay_ms = std::min(delay_ms * 2, 200);
    }
  }

  // Runs a meta command (a line starting with \, or quit/exit) when `line`
  // is one; sets *quit for \q. Returns whether it was one.
  bool meta(const std::string& line, bool* quit, bool* ok) {
    const std::string cmd = trim(line);
    if (cmd == "\\q" || cmd == "quit" || cmd == "exit") {
      *quit = true;
      return true;
    }
    if (cmd.empty() || cmd[0] != '\\') return false;
    if (cmd == "\\h" || cmd == "\\?" || cmd == "\\help") {
      std::cout << kHelp;
    } else if (cmd == "\\history") {
      auto l = client_.statements();
      if (!l.ok()) {
        *ok = error(l.status());
        return true;
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& s : l->statements)
        rows.push_back({std::to_string(s.id.value), s.state, first_line(s.code)});
      print_text_table({"#", "state", "statement"}, {true, false, false}, rows, std::cout);
      std::cout << "(" << l->total_statements << " statement"
                << (l->total_statements == 1 ? "" : "s") << ")\n";
    } else if (cmd == "\\session") {
      auto s = client_.session();
      if (!s.ok()) {
        *ok = error(s.status());
        return true;
      }
      std::cout << "session    " << s->id << (s->name.empty() ? "" : " (" + s->name + ")") << "\n"
                << "state      " << s->state << (s->reason.empty() ? "" : ": " + s->reason) << "\n"
                << "node       " << s->node << "\n"
                << "endpoint   " << s->endpoint << "\n"
                << "idle after " << s->idle_timeout_s << " s\n"
                << "statements " << s->statements << "\n";
    } else {
      std::cerr << "error: unknown command " << cmd << " (\\h lists them)\n";
      *ok = false;
    }
    return true;
  }

 private:
  static bool error(const absl::Status& s) {
    std::cerr << "error: " << s.message() << std::endl;
    return false;
  }

  session_client& client_;
};

// Reads statements from a pipe or file: no prompts, no line editing.
int run_batch(shell& sh) {
  statement_splitter split;
  bool all_ok = true, quit = false;
  std::string line;
  while (!quit && !g_interrupted && std::getline(std::cin, line)) {
    if (!split.pending() && sh.meta(line, &quit, &all_ok)) continue;
    for (const auto& stmt : split.feed(line)) {
      all_ok = sh.run(stmt) && all_ok;
      if (g_interrupted) break;
    }
  }
  if (g_interrupted) return 1;
  if (auto last = split.finish(); last && !quit) all_ok = sh.run(*last) && all_ok;
  return all_ok ? 0 : 1;
}

// $TRANCHE_HOME/shell_history, else ~/.tranche/shell_history; empty when
// neither is set (no history kept).
std::string history_path() {
  std::filesystem::path dir;
  if (const char* h = std::getenv("TRANCHE_HOME"); h != nullptr && *h != '\0')
    dir = h;
  else if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0')
    dir = std::filesystem::path(h) / ".tranche";
  else
    return "";
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (!ec) chmod(dir.c_str(), 0700);
  }
  return (dir / "shell_history").string();
}

void save_history(const std::string& path) {
  if (path.empty()) return;
  // Created 0600 before libedit writes it: statements may hold secrets.
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) {
    (void)fchmod(fd, 0600);
    close(fd);
  }
  (void)write_history(path.c_str());
}

// The line libedit hands over (nullptr at Ctrl-D), kept until the loop reads it.
struct pending_line {
  bool ready = false;
  std::optional<std::string> text;
} g_line;

void on_line(char* line) {
  g_line.ready = true;
  if (line == nullptr) {
    g_line.text.reset();
    return;
  }
  g_line.text = line;
  free(line);
}

int run_interactive(shell& sh) {
  const std::string history = history_path();
  rl_readline_name = const_cast<char*>("tranche");
  rl_catch_signals = 0;  // SIGINT is ours (on_sigint)
  using_history();
  stifle_history(2000);
  if (!history.empty()) (void)read_history(history.c_str());
  std::cout << "type \\h for help, \\q to quit" << std::endl;

  statement_splitter split;
  std::string typed;  // the lines of the statement being typed, for the history
  rl_callback_handler_install(kPrompt, on_line);
  for (bool quit = false; !quit;) {
    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {g_wake[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (take_interrupt()) {
      // Ctrl-C at the prompt: drop what was typed and start afresh.
      rl_callback_handler_remove();
      std::cout << "^C" << std::endl;
      split.reset();
      typed.clear();
      rl_callback_handler_install(kPrompt, on_line);
      continue;
    }
    if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    rl_callback_read_char();
    if (!g_line.ready) continue;
    g_line.ready = false;
    rl_callback_handler_remove();  // the terminal back in cooked mode while we print
    if (!g_line.text) {
      std::cout << std::endl;
      break;
    }
    const std::string line = *g_line.text;
    bool ok = true;
    if (!split.pending() && sh.meta(line, &quit, &ok)) {
      if (!trim(line).empty()) add_history(trim(line).c_str());
    } else {
      typed += (typed.empty() ? "" : " ") + trim(line);
      for (const auto& stmt : split.feed(line)) {
        if (!typed.empty()) {
          add_history(typed.c_str());
          save_history(history);
          typed.clear();
        }
        (void)sh.run(stmt);
      }
      if (!split.pending()) typed.clear();
    }
    if (!quit) rl_callback_handler_install(split.pending() ? kContinuation : kPrompt, on_line);
  }
  save_history(history);
  return 0;
}

}  // namespace

int run_shell(int argc, char** argv) {
  std::string session_id, endpoint, token_file;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string* v) {
      if (i + 1 >= argc) return false;
      *v = argv[++i];
      return !v->empty();
    };
    if (a == "--session") {
      if (!value(&session_id)) return usage_error("--session needs a session id");
    } else if (a == "--endpoint") {
      if (!value(&endpoint)) return usage_error("--endpoint needs HOST:PORT");
    } else if (a == "--token-file") {
      if (!value(&token_file)) return usage_error("--token-file needs a file");
    } else if (a == "-h" || a == "--help") {
      std::cout << kShellUsage;
      return 0;
    } else {
      return usage_error("unknown option " + a);
    }
  }
  if (session_id.empty() == endpoint.empty())
    return usage_error("give one of --session ID and --endpoint HOST:PORT");
  auto token = load_token(token_file);
  if (!token.ok()) return fail(std::string(token.status().message()));
  if (!session_id.empty()) {
    auto rec = read_session_record(session_id);
    if (!rec.ok()) return fail(std::string(rec.status().message()));
    endpoint = rec->endpoint;
  }
  session_client client(endpoint, *token);
  auto status = client.session();
  if (!status.ok()) return fail(std::string(status.status().message()));

  if (pipe2(g_wake, O_CLOEXEC | O_NONBLOCK) != 0) return fail("cannot create a pipe");
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);  // no SA_RESTART: a blocked read returns

  const bool interactive = isatty(STDIN_FILENO) != 0;
  (interactive ? std::cout : std::cerr) << "connected to session " << status->id << " ("
                                        << status->state << ") at " << endpoint << std::endl;
  shell sh(client);
  return interactive ? run_interactive(sh) : run_batch(sh);
}

}  // namespace tranche::cli
