// The executor actor: a running task is stopped by cancel (its lease was
// revoked) and by drop (its program ended), and then keeps no blocks.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "actors/executor.h"
#include "plan/plan_codec.h"

namespace tranche {
namespace {

using namespace std::chrono_literals;

std::vector<char> one_task(uint64_t program) {
  task_spec t = empty_scan_task(program);
  t.portion.id = 2;
  return encode_task(t);
}

struct ExecutorActor : ::testing::Test {
  ExecutorActor() : sys(cfg) {
    executor_config ec;
    ec.slots = 1;
    // A task that takes a while (its work ignores the stop flag; the
    // executor still must not keep its output).
    ec.run = [](const task_spec&, block_source&,
                const std::atomic<bool>&) -> absl::StatusOr<task_output> {
      std::this_thread::sleep_for(300ms);
      task_output out;
      out.partitions.resize(1);
      return out;
    };
    exec = spawn_executor(sys, ec);
  }
  ~ExecutorActor() override { caf::anon_send_exit(exec, caf::exit_reason::user_shutdown); }

  // Runs the task, sends `stop` while it runs, and returns the error text.
  template <class... Stop>
  std::string run_then(Stop... stop) {
    caf::scoped_actor self{sys};
    std::string error = "no reply";
    auto handle = self->request(exec, 10s, run_atom::value, one_task(7), std::vector<uint64_t>{},
                                std::vector<caf::actor>{});
    std::this_thread::sleep_for(50ms);
    caf::anon_send(exec, stop...);
    handle.receive([&](const std::vector<char>&, const std::string& e, int32_t) { error = e; },
                   [&](const caf::error& e) { error = sys.render(e); });
    return error;
  }

  bool has_block() {
    caf::scoped_actor self{sys};
    bool found = false;
    self->request(exec, 10s, fetch_atom::value, uint64_t{7}, uint32_t{2}, uint32_t{0},
                  uint32_t{0}, uint32_t{0}, uint32_t{1})
        .receive([&](const std::vector<std::vector<char>>&, const std::vector<uint64_t>&,
                     const std::string& e) { found = e.empty(); },
                 [&](const caf::error&) {});
    return found;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  executor_actor exec;
};

TEST_F(ExecutorActor, UnstoppedTaskKeepsItsBlock) {
  EXPECT_EQ(run_then(cancel_atom::value, uint64_t{7}, uint32_t{2}, uint32_t{9}), "");  // another task
  EXPECT_TRUE(has_block());
}

TEST_F(ExecutorActor, CancelStopsTheTask) {
  EXPECT_EQ(run_then(cancel_atom::value, uint64_t{7}, uint32_t{2}, uint32_t{0}),
            "the task was cancelled");
  EXPECT_FALSE(has_block());
}

TEST_F(ExecutorActor, DroppingItsProgramStopsTheTask) {
  EXPECT_EQ(run_then(drop_atom::value, uint64_t{7}), "the task was cancelled");
  EXPECT_FALSE(has_block());
}

}  // namespace
}  // namespace tranche
