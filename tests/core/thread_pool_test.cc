// The executor's task pool: runs everything submitted, on at most `size`
// threads at once, and finishes queued work before its destructor returns.
#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace tranche {
namespace {

TEST(ThreadPool, RunsEverythingAndJoinsOnDestruction) {
  std::atomic<int> done{0};
  {
    thread_pool pool(3);
    EXPECT_EQ(pool.size(), 3u);
    for (int i = 0; i < 100; ++i) pool.submit([&] { done.fetch_add(1); });
  }
  EXPECT_EQ(done.load(), 100);
}

TEST(ThreadPool, NeverRunsMoreThanItsThreadsAtOnce) {
  std::atomic<int> running{0}, peak{0};
  {
    thread_pool pool(2);
    for (int i = 0; i < 20; ++i)
      pool.submit([&] {
        int now = running.fetch_add(1) + 1;
        int p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        running.fetch_sub(1);
      });
  }
  EXPECT_LE(peak.load(), 2);
  EXPECT_GE(peak.load(), 1);
}

TEST(ThreadPool, ZeroThreadsMeansOne) {
  std::atomic<int> done{0};
  {
    thread_pool pool(0);
    EXPECT_EQ(pool.size(), 1u);
    pool.submit([&] { done = 1; });
  }
  EXPECT_EQ(done.load(), 1);
}

}  // namespace
}  // namespace tranche
