// Cancelling a running program from a test: waits for its first finished
// task, cancels it, and collects how it ended. Bounded waits (30 s each).
#pragma once

#include <caf/all.hpp>
#include <chrono>
#include <string>

#include "tranche/client.h"

namespace tranche::testing {

struct cancel_outcome {
  std::string ended_before;  // "not done" when it was still running at the cancel
  std::string error;         // the done message after the cancel
  int results = 0;           // result batches received after the cancel
};

// `self` submitted program `id` with itself as listener.
inline cancel_outcome cancel_when_running(cluster& c, uint64_t id, caf::scoped_actor& self) {
  using namespace std::chrono_literals;
  cancel_outcome out;
  out.ended_before = "not done";
  bool running = false;
  while (!running)
    self->receive(
        [&](progress_atom, const progress_event& e) {
          running = e.kind == progress_kind::task_finished;
        },
        [](result_atom, uint64_t, const std::vector<char>&) {},
        [&](done_atom, uint64_t, const std::string& e) {
          out.ended_before = e;
          running = true;
        },
        caf::after(30s) >> [&] { running = true; });
  if (out.ended_before != "not done") return out;
  if (!c.cancel(id).ok()) {
    out.error = "cancel refused";
    return out;
  }
  bool done = false;
  while (!done)
    self->receive([](progress_atom, const progress_event&) {},
                  [&](result_atom, uint64_t, const std::vector<char>&) { ++out.results; },
                  [&](done_atom, uint64_t, const std::string& e) {
                    out.error = e;
                    done = true;
                  },
                  caf::after(30s) >> [&] { done = true; });
  return out;
}

}  // namespace tranche::testing
