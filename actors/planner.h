// The planner actor: compiles a submitted program (Cap'n Proto `Program`:
// SQL text plus table bindings) into an encoded plan, or executes it at once
// when it is a catalog statement (CREATE EXTERNAL TABLE, DROP TABLE, SHOW
// TABLES, DESCRIBE). Runs detached because binding tables reads files (glob,
// schema inference) and the catalog is an SQLite file.
#pragma once

#include <caf/all.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/atoms.h"
#include "catalog/table_store.h"
#include "plan/planner.h"

namespace tranche {

using planner_actor = caf::typed_actor<
    // (program, parallelism) -> (encoded plan, explain text, error text,
    //                            immediate result)
    // A catalog statement has no plan: its result comes as encoded batches
    // right away (the first carries the schema), ready for the client.
    caf::replies_to<plan_atom, std::vector<char>, int32_t>::with<
        std::vector<char>, std::string, std::string, std::vector<std::vector<char>>>>;

// `catalog`: the table store the planner binds table names against and
// executes catalog statements on; null: only the program's own --table
// bindings, and catalog statements fail.
[[nodiscard]] planner_actor spawn_planner(caf::actor_system& sys, planner_options defaults,
                                          std::shared_ptr<table_store> catalog = nullptr);

// The same work as a plain function (the actor only wraps it).
struct planned {
  plan p;
  std::string explain_text;
  // Set for a catalog statement (and then `p` is empty): its whole result.
  std::optional<batch> immediate;
};
[[nodiscard]] absl::StatusOr<planned> plan_program(const std::vector<char>& program,
                                                   const planner_options& opts,
                                                   table_store* catalog = nullptr);

}  // namespace tranche
