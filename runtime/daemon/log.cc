// The daemon's line logger; see log.h for the line format and its guarantees.
#include "daemon/log.h"

#include "auth/session_token.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace tranche {
namespace {

// Debian's Abseil has its own string_view type; convert at the call.
absl::string_view av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string_view padded_name(log_level level) {
  switch (level) {
    case log_level::debug:
      return "DEBUG";
    case log_level::info:
      return "INFO ";
    case log_level::warn:
      return "WARN ";
    case log_level::error:
      return "ERROR";
  }
  return "?????";
}

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
  const int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  // Floor division, so that instants before 1970 still print a valid time.
  int64_t secs = ms / 1000;
  int64_t frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    secs -= 1;
  }
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(frac));
}

// A message may carry text from the network (a peer's error, a file name);
// escaping line breaks keeps one record on one line and lets no one forge
// records.
void append_escaped(std::string* out, absl::string_view text) {
  for (char c : text) {
    if (c == '\n') {
      out->append("\\n");
    } else if (c == '\r') {
      out->append("\\r");
    } else {
      out->push_back(c);
    }
  }
}

}  // namespace

std::string_view log_level_name(log_level level) {
  switch (level) {
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warn:
      return "warn";
    case log_level::error:
      return "error";
  }
  return "?";
}

absl::StatusOr<log_level> parse_log_level(std::string_view text) {
  const std::string lower = absl::AsciiStrToLower(av(text));
  for (log_level l : {log_level::debug, log_level::info, log_level::warn, log_level::error})
    if (lower == log_level_name(l)) return l;
  if (lower == "warning") return log_level::warn;
  return absl::InvalidArgumentError(
      absl::StrCat("expected one of debug, info, warn, error, got \"", av(text), "\""));
}

logger::logger() : fd_(STDERR_FILENO), min_(log_level::info) {}

logger::~logger() {
  if (fd_ != STDERR_FILENO) ::close(fd_);
}

logger& logger::get() {
  // Never destroyed: threads still logging during static destruction stay safe.
  static logger* instance = new logger();
  return *instance;
}

absl::Status logger::open(const std::string& file, log_level min) {
  int fd = STDERR_FILENO;
  if (!file.empty()) {
    // O_APPEND makes each write() land whole at the end, even when several
    // processes share the file.
    fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
      return absl::InvalidArgumentError(
          absl::StrCat("log-file ", file, ": cannot open for appending: ", std::strerror(errno)));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ != STDERR_FILENO) ::close(fd_);
  fd_ = fd;
  min_ = min;
  return absl::OkStatus();
}

void logger::set_clock(clock_fn clock) {
  std::lock_guard<std::mutex> lock(mu_);
  clock_ = std::move(clock);
}

void logger::add_redaction(std::string secret_text) {
  if (secret_text.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  redactions_.push_back(std::move(secret_text));
}

bool logger::enabled(log_level level) const {
  std::lock_guard<std::mutex> lock(mu_);
  return level >= min_;
}

std::string logger::format(log_level level, std::string_view component,
                           std::string_view message) const {
  std::chrono::system_clock::time_point now;
  std::vector<std::pair<absl::string_view, absl::string_view>> replacements;
  std::string body = absl::StrCat(av(component), ": ", av(message));
  {
    std::lock_guard<std::mutex> lock(mu_);
    now = clock_ ? clock_() : std::chrono::system_clock::now();
    // One pass; where secrets overlap the earliest, then longest, match wins,
    // so a secret that contains another is still hidden whole.
    for (const std::string& s : redactions_) replacements.emplace_back(s, "[redacted]");
    if (!replacements.empty()) body = absl::StrReplaceAll(body, replacements);
  }
  // Session tokens are never written, whoever passes one in.
  if (body.find(kSessionTokenPrefix) != std::string::npos) body = redact_tokens(body);
  std::string line = absl::StrCat(iso8601_utc(now), " ", av(padded_name(level)), " ");
  append_escaped(&line, body);
  line.push_back('\n');
  return line;
}

void logger::write(log_level level, std::string_view component, std::string_view message) {
  if (!enabled(level)) return;
  const std::string line = format(level, component, message);
  // Holding the lock across write() keeps open() from closing the descriptor
  // under us, and keeps lines whole even if a pipe takes a partial write.
  std::lock_guard<std::mutex> lock(mu_);
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere left to report a failing log; drop the line
    done += static_cast<size_t>(n);
  }
}

void log_debug(std::string_view component, std::string_view message) {
  logger::get().write(log_level::debug, component, message);
}
void log_info(std::string_view component, std::string_view message) {
  logger::get().write(log_level::info, component, message);
}
void log_warn(std::string_view component, std::string_view message) {
  logger::get().write(log_level::warn, component, message);
}
void log_error(std::string_view component, std::string_view message) {
  logger::get().write(log_level::error, component, message);
}

}  // namespace tranche
