// interrupt_watch (see interrupt.h).
#include "cli/interrupt.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace tranche::cli {
namespace {

void say(const char* text) {
  // write(2): the main thread may be writing to std::cerr meanwhile.
  for (const char* p = text; *p != '\0';) {
    const ssize_t n = write(STDERR_FILENO, p, std::strlen(p));
    if (n <= 0) return;
    p += n;
  }
}

}  // namespace

interrupt_watch::interrupt_watch() {
  // Started with SIGINT ignored (a background job of a non-interactive
  // shell): keep it so.
  struct sigaction current {};
  if (sigaction(SIGINT, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) return;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  watcher_ = std::thread([this, set] {
    const timespec slice{1, 0};  // a bound; the destructor wakes it at once
    while (!done_.load()) {
      siginfo_t info;
      if (sigtimedwait(&set, &info, &slice) != SIGINT || done_.load()) continue;
      if (stop_.stop_requested()) {
        say("tranche: interrupted again: exiting without waiting\n");
        std::_Exit(130);
      }
      say("tranche: cancelling the program (Ctrl-C again to exit at once)\n");
      stop_.request_stop();
    }
  });
}

interrupt_watch::~interrupt_watch() {
  if (!watcher_.joinable()) return;
  done_.store(true);
  pthread_kill(watcher_.native_handle(), SIGINT);  // wakes it now, not at the slice's end
  watcher_.join();
}

}  // namespace tranche::cli
