// Preemption through the real actors (broker, job manager, jobs, portions,
// executors) with tasks that are long sleeps: a higher-priority program
// arrives while a lower-priority one holds every slot on tasks that do not
// end soon. The low one is asked to give leases back; it cannot (no task
// boundary comes), so after the grace period the broker revokes a lease, the
// executor stops the task on it, and the portion runs that task again later.
// Both programs finish, and the ledger ends whole.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>

#include "actors/broker.h"
#include "actors/executor.h"
#include "actors/job_manager.h"
#include "actors/planner.h"
#include "plan/plan_codec.h"
#include "plan/program_codec.h"
#include "actor_test_util.h"

namespace tranche {
namespace {

using namespace std::chrono_literals;


TEST(PreemptionActors, ARevokedLeaseStopsItsTaskWhichRunsAgainLater) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  broker_options bo;
  bo.preempt_grace_ms = 50;
  auto broker = spawn_broker(sys, bo);
  ASSERT_TRUE(broker.ok());
  auto directory = std::make_shared<executor_directory>();
  executor_config ec;
  ec.slots = 2;
  ec.directory = directory;
  // Program 1's tasks take 2 s unless stopped; program 2's are quick.
  ec.run = [](const task_spec& t, block_source&,
              const std::atomic<bool>& stop) -> absl::StatusOr<task_output> {
    const auto until = std::chrono::steady_clock::now() + (t.program == 1 ? 2s : 10ms);
    while (!stop.load() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(5ms);
    task_output out;
    out.partitions.resize(1);
    return out;
  };
  auto exec = spawn_executor(sys, ec);
  caf::anon_send(*broker, register_atom::value, uint64_t{1}, int64_t{2}, int64_t{1} << 30, exec);
  auto planner = testing::fake_planner(sys);
  auto jm = spawn_job_manager(sys, job_manager_config{*broker, planner, directory, 1});

  caf::scoped_actor self{sys};
  auto submit = [&](const std::string& tasks, int32_t priority) {
    uint64_t id = 0;
    program_request req{tasks, {}, {kDefaultQueue, priority, {}}, {}};
    self->request(jm, 10s, submit_atom::value, encode_program(req), caf::actor_cast<caf::actor>(self))
        .receive([&](uint64_t p) { id = p; }, [](const caf::error&) {});
    return id;
  };
  ASSERT_EQ(submit("2", 0), 1u);  // both slots, for 2 s each
  // Once the low program holds both slots...
  int obtained = 0;
  while (obtained < 2)
    self->receive(
        [&](progress_atom, const progress_event& e) {
          obtained += e.kind == progress_kind::capacity_obtained;
        },
        [](result_atom, uint64_t, const std::vector<char>&) {},
        [](done_atom, uint64_t, const std::string&) {}, caf::after(10s) >> [&] { obtained = 99; });
  ASSERT_EQ(obtained, 2);
  ASSERT_EQ(submit("1", 5), 2u);

  std::map<uint64_t, std::string> done;
  std::vector<uint64_t> order;
  int revoked = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (done.size() < 2 && std::chrono::steady_clock::now() < deadline)
    self->receive(
        [&](progress_atom, const progress_event& e) {
          revoked += e.kind == progress_kind::capacity_yielded &&
                     e.to == "broker (revoked after the preemption grace period)";
        },
        [](result_atom, uint64_t, const std::vector<char>&) {},
        [&](done_atom, uint64_t p, const std::string& error) {
          done[p] = error;
          order.push_back(p);
        },
        caf::after(5s) >> [] {});
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[1], "");
  EXPECT_EQ(done[2], "");
  EXPECT_EQ(revoked, 1);  // one lease is what the waiter needs
  EXPECT_EQ(order.front(), 2u) << "the high-priority program did not get the revoked slot";
  // Every lease back, nothing queued.
  std::vector<int64_t> t;
  for (int i = 0; i < 100; ++i) {
    self->request(*broker, 5s, ledger_atom::value)
        .receive([&](const std::vector<int64_t>& v) { t = v; }, [](const caf::error&) {});
    if (t.size() == 6 && t[4] == 0 && t[5] == 0 && t[1] == t[0]) break;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(t.size(), 6u);
  EXPECT_EQ(t[4], 0);
  EXPECT_EQ(t[5], 0);
  EXPECT_EQ(t[1], t[0]);
  for (caf::actor a : {caf::actor_cast<caf::actor>(jm), caf::actor_cast<caf::actor>(planner),
                       caf::actor_cast<caf::actor>(*broker), caf::actor_cast<caf::actor>(exec)})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace tranche
