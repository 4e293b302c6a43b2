// The progress display of `tranche sql`: once a program has run for 1 s, a
// few lines on stderr — when stderr is a terminal — redrawn in place a few
// times a second: per portion its tasks done / total and the slots it holds.
// Erased when the program ends, so the result prints as if it never was.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tranche/client.h"

namespace tranche::cli {

class progress_display {
 public:
  // Draws on `fd` if it is a terminal; otherwise (or with fd < 0) does nothing.
  explicit progress_display(int fd, std::chrono::milliseconds delay = std::chrono::seconds(1));
  ~progress_display();
  progress_display(const progress_display&) = delete;
  progress_display& operator=(const progress_display&) = delete;

  // Thread-safe: called from the SDK's delivery of progress events.
  void on_event(const progress_event& e);
  // Erases the display and stops drawing (idempotent).
  void finish();

  // The lines the display would draw for these portions, at most `width`
  // characters each (exposed for tests).
  struct portion_line {
    std::string name;
    int32_t done = 0, total = 0, held = 0;
    bool finished = false;
  };
  [[nodiscard]] static std::vector<std::string> render(uint64_t program, double seconds,
                                                       const std::map<int32_t, portion_line>& ps,
                                                       size_t width);

 private:
  void run();
  void erase_locked();

  int fd_ = -1;
  std::chrono::milliseconds delay_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  uint64_t program_ = 0;
  std::map<int32_t, portion_line> portions_;
  size_t drawn_ = 0;  // lines on screen now
  std::thread thread_;
};

}  // namespace tranche::cli
