// Implementation of the progress display (see progress.h).
#include "cli/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace tranche::cli {
namespace {

void write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

size_t terminal_width(int fd) {
  winsize ws{};
  if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace

progress_display::progress_display(int fd, std::chrono::milliseconds delay)
    : fd_(fd >= 0 && isatty(fd) ? fd : -1), delay_(delay) {
  if (fd_ >= 0) thread_ = std::thread([this] { run(); });
}

progress_display::~progress_display() { finish(); }

void progress_display::on_event(const progress_event& e) {
  if (fd_ < 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  program_ = e.program;
  portion_line& p = portions_[e.portion];
  p.name = e.portion_name;
  p.done = std::max(p.done, e.tasks_done);
  if (e.tasks_total > 0) p.total = e.tasks_total;
  p.held = e.slots_held;
  if (e.kind == progress_kind::portion_finished) p.finished = true;
}

void progress_display::finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
    erase_locked();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void progress_display::erase_locked() {
  if (drawn_ == 0) return;
  // Up to the first line drawn, then clear to the end of the screen.
  write_all(fd_, absl::StrCat("\r\x1b[", drawn_, "A\x1b[J"));
  drawn_ = 0;
}

std::vector<std::string> progress_display::render(uint64_t program, double seconds,
                                                  const std::map<int32_t, portion_line>& ps,
                                                  size_t width) {
  int32_t held = 0;
  for (const auto& [id, p] : ps) held += p.held;
  std::vector<std::string> lines;
  lines.push_back(absl::StrFormat("program %d: %.1fs, %d slots held", program, seconds, held));
  for (const auto& [id, p] : ps) {
    constexpr int kBar = 20;
    const int fill = p.total > 0 ? std::min(kBar, p.done * kBar / p.total) : 0;
    std::string bar = std::string(fill, '#') + std::string(kBar - fill, '-');
    lines.push_back(absl::StrFormat("  portion %d [%s] %d/%d tasks  %d slots  %s%s", id, bar,
                                    p.done, p.total, p.held, p.name,
                                    p.finished ? "  (done)" : ""));
  }
  for (auto& l : lines)
    if (l.size() > width && width > 0) l.resize(width);
  return lines;
}

void progress_display::run() {
  std::unique_lock<std::mutex> lock(mu_);
  if (cv_.wait_until(lock, start_ + delay_, [&] { return stop_; })) return;
  while (!stop_) {
    if (!portions_.empty()) {
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      auto lines = render(program_, secs, portions_, terminal_width(fd_) - 1);
      std::string out = drawn_ > 0 ? absl::StrCat("\r\x1b[", drawn_, "A") : "\r";
      for (const auto& l : lines) absl::StrAppend(&out, "\x1b[2K", l, "\n");
      absl::StrAppend(&out, "\x1b[J");
      write_all(fd_, out);
      drawn_ = lines.size();
    }
    cv_.wait_for(lock, std::chrono::milliseconds(250), [&] { return stop_; });
  }
}

}  // namespace tranche::cli
