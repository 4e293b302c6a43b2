// The node daemon's logger: one line per record, `2026-11-27T05:30:01.123Z
// INFO  head: worker n2 joined`, written to stderr or appended to a file. The
// daemon's head and worker code log through `log_info(...)` and friends, which
// go to `logger::get()`; tests build their own `logger` with a fixed clock.
// Each line leaves in a single write() on an O_APPEND descriptor, so lines of
// concurrent threads (and of several processes sharing one file) never
// interleave. Registered secrets (tokens, keys) are replaced by "[redacted]"
// before a line is written, so a careless message cannot leak them.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tranche {

enum class log_level { debug, info, warn, error };

// "debug", "info", "warn", "error" (as in the config file and --log-level).
[[nodiscard]] std::string_view log_level_name(log_level level);
[[nodiscard]] absl::StatusOr<log_level> parse_log_level(std::string_view text);

class logger {
 public:
  using clock_fn = std::function<std::chrono::system_clock::time_point()>;

  // Writes to stderr at level info until open() says otherwise.
  logger();
  ~logger();
  logger(const logger&) = delete;
  logger& operator=(const logger&) = delete;

  // The process-wide logger behind log_info() and friends.
  static logger& get();

  // Sends further lines to `file` (appended, created 0640) or, if empty, to
  // stderr, dropping those below `min`. May be called again, e.g. to reopen a
  // rotated file; the previous file is closed.
  [[nodiscard]] absl::Status open(const std::string& file, log_level min);

  // nullptr restores the system clock.
  void set_clock(clock_fn clock);

  // Every later occurrence of `secret_text` in a line becomes "[redacted]".
  // Empty text is ignored (it would match everywhere).
  void add_redaction(std::string secret_text);

  // Lets a caller skip building an expensive message that would be dropped.
  [[nodiscard]] bool enabled(log_level level) const;

  void write(log_level level, std::string_view component, std::string_view message);

  // The line write() would emit, newline included (exposed for tests).
  [[nodiscard]] std::string format(log_level level, std::string_view component,
                                   std::string_view message) const;

 private:
  mutable std::mutex mu_;
  int fd_;  // 2 (stderr) or a descriptor this logger owns
  log_level min_;
  clock_fn clock_;  // empty means the system clock
  std::vector<std::string> redactions_;
};

void log_debug(std::string_view component, std::string_view message);
void log_info(std::string_view component, std::string_view message);
void log_warn(std::string_view component, std::string_view message);
void log_error(std::string_view component, std::string_view message);

}  // namespace tranche
