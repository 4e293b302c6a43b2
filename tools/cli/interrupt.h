// Ctrl-C while `tranche sql` runs a program: the first one cancels the
// program (the cluster stops its tasks, frees its capacity and keeps no
// output) and the CLI exits with 130 once the cluster confirms; a second one
// exits at once (the cluster then sees its client go away, which also ends
// the program).
#pragma once

#include <atomic>
#include <stop_token>
#include <thread>

namespace tranche::cli {

class interrupt_watch {
 public:
  // Blocks SIGINT in the calling thread, and so in every thread it starts
  // afterwards (construct it before the cluster starts CAF's), and waits for
  // it on a thread of its own.
  interrupt_watch();
  ~interrupt_watch();
  interrupt_watch(const interrupt_watch&) = delete;
  interrupt_watch& operator=(const interrupt_watch&) = delete;

  // Requested at the first Ctrl-C.
  [[nodiscard]] std::stop_token token() const { return stop_.get_token(); }

 private:
  std::stop_source stop_;
  std::atomic<bool> done_{false};
  std::thread watcher_;
};

}  // namespace tranche::cli
