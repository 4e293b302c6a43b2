// What the terminal tests share: a private tmux server to run a command in
// (send-keys, capture-pane), and a bounded wait. Used by
// tests/cluster/console_test.cc (tranchectl top, the CLI's progress) and
// tests/cli/shell_terminal_test.cc (tranche shell).
#pragma once

#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "process_util.h"

namespace tranche_test {

// Polls `cond` every 50 ms for up to `bound`.
inline bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds bound) {
  const auto until = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cond();
}

// A tmux server of our own (its socket named after this process), killed at
// the end with everything it runs.
class terminal {
 public:
  explicit terminal(const std::string& command)
      : socket_("tranche-test-" + std::to_string(getpid())) {
    ok_ = run(tmux("new-session -d -x 200 -y 50 '" + command + "'")).first == 0;
  }
  ~terminal() { (void)run(tmux("kill-server") + " 2>/dev/null"); }
  terminal(const terminal&) = delete;
  terminal& operator=(const terminal&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] std::string screen() const { return run(tmux("capture-pane -p")).second; }
  // tmux send-keys arguments: key names, or quoted text (a trailing ; in it
  // must be written \; or tmux takes it for its command separator).
  void keys(const std::string& k) const { (void)run(tmux("send-keys " + k)); }
  // Whether the command has ended (its window, and so the session, is gone).
  [[nodiscard]] bool ended() const { return run(tmux("has-session") + " 2>/dev/null").first != 0; }
  // Waits up to `bound` for `text` on the screen; last() is the screen seen.
  [[nodiscard]] bool shows(const std::string& text,
                           std::chrono::milliseconds bound = std::chrono::seconds(15)) {
    return eventually([&] { return (last_ = screen()).find(text) != std::string::npos; }, bound);
  }
  [[nodiscard]] const std::string& last() const { return last_; }

 private:
  [[nodiscard]] std::string tmux(const std::string& args) const {
    return "tmux -L " + socket_ + " -f /dev/null " + args;
  }
  std::string socket_;
  bool ok_ = false;
  std::string last_;
};

}  // namespace tranche_test
