// The planner actor: compiles a submitted program (Cap'n Proto `Program`:
// SQL text plus table bindings) into an encoded plan. Runs detached because
// binding tables reads files (glob, schema inference).
#pragma once

#include <caf/all.hpp>
#include <string>
#include <vector>

#include "actors/atoms.h"
#include "plan/planner.h"

namespace tranche {

using planner_actor = caf::typed_actor<
    // (program, parallelism) -> (encoded plan, explain text, error text)
    caf::replies_to<plan_atom, std::vector<char>, int32_t>::with<std::vector<char>, std::string,
                                                                 std::string>>;

[[nodiscard]] planner_actor spawn_planner(caf::actor_system& sys, planner_options defaults);

// The same work as a plain function (the actor only wraps it).
struct planned {
  plan p;
  std::string explain_text;
};
[[nodiscard]] absl::StatusOr<planned> plan_program(const std::vector<char>& program,
                                                   const planner_options& opts);

}  // namespace tranche
