// Shared pieces of the actor tests that run programs through the real
// broker, job manager, jobs, portions and executors: a planner whose plan is
// one portion of empty-scan tasks (the program's text is the task count),
// and the check that the broker's ledger ends whole.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "actors/broker.h"
#include "actors/planner.h"
#include "plan/plan_codec.h"
#include "plan/program_codec.h"

namespace tranche::testing {

// A plan of one portion of N empty-scan tasks, N the program's text.
inline planner_actor fake_planner(caf::actor_system& sys) {
  return sys.spawn([]() -> planner_actor::behavior_type {
    return {[](plan_atom, const std::vector<char>& bytes, int32_t) {
      auto req = decode_program(bytes.data(), bytes.size());
      plan p;
      p.portions.push_back(empty_scan_task(0).portion);
      p.portions[0].tasks = req.ok() ? std::stoi(req->sql) : 1;
      p.portions[0].task_splits.assign(static_cast<size_t>(p.portions[0].tasks), {});
      p.result = p.portions[0].output;
      return std::make_tuple(encode_plan(p), std::string{}, std::string{},
                             std::vector<std::vector<char>>{});
    }};
  });
}

// Waits (bounded) until every slot is free, no lease is out and nothing is
// queued, then checks exactly that.
inline void expect_ledger_whole(caf::actor_system& sys, const broker_actor& broker) {
  using namespace std::chrono_literals;
  caf::scoped_actor self{sys};
  std::vector<int64_t> t;
  for (int i = 0; i < 200; ++i) {
    self->request(broker, 5s, ledger_atom::value)
        .receive([&](const std::vector<int64_t>& v) { t = v; }, [](const caf::error&) {});
    if (t.size() == 6 && t[4] == 0 && t[5] == 0 && t[1] == t[0]) break;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(t.size(), 6u);
  EXPECT_EQ(t[1], t[0]) << "free slots != registered slots";
  EXPECT_EQ(t[4], 0) << "leases outstanding";
  EXPECT_EQ(t[5], 0) << "requests queued";
}

}  // namespace tranche::testing
