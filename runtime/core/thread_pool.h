// A fixed pool of worker threads with a FIFO queue: the executor runs tasks
// on it, one thread per slot, so that compute and file I/O never block the
// actor scheduler's threads.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tranche {

class thread_pool {
 public:
  explicit thread_pool(size_t threads);
  ~thread_pool();  // finishes queued work, then joins
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;

  void submit(std::function<void()> fn);
  [[nodiscard]] size_t size() const { return threads_.size(); }

 private:
  void loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tranche
