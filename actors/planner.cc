// The planner actor (see planner.h).
#include "actors/planner.h"

#include "plan/plan_codec.h"
#include "plan/program_codec.h"

namespace tranche {

absl::StatusOr<planned> plan_program(const std::vector<char>& bytes, const planner_options& opts) {
  auto prog = decode_program(bytes.data(), bytes.size());
  if (!prog.ok()) return prog.status();
  binding_catalog cat;
  for (const auto& t : prog->tables) {
    csv_format fmt;
    fmt.delimiter = t.delimiter;
    fmt.header = t.header;
    if (auto s = cat.bind(t.name, t.glob, fmt); !s.ok()) return s;
  }
  auto logical = compile_sql(prog->sql, cat);
  if (!logical.ok()) return logical.status();
  auto p = make_plan(**logical, opts);
  if (!p.ok()) return p.status();
  planned out{*std::move(p), {}};
  out.explain_text = explain(out.p);
  return out;
}

namespace {

planner_actor::behavior_type planner_impl(planner_actor::pointer self, planner_options defaults) {
  return {
      [=](plan_atom, const std::vector<char>& program,
          int32_t parallelism) -> std::tuple<std::vector<char>, std::string, std::string> {
        planner_options opts = defaults;
        if (parallelism > 0) opts.parallelism = parallelism;
        auto r = plan_program(program, opts);
        if (!r.ok()) return {std::vector<char>{}, std::string{}, std::string(r.status().message())};
        return {encode_plan(r->p), r->explain_text, std::string{}};
      },
  };
}

}  // namespace

planner_actor spawn_planner(caf::actor_system& sys, planner_options defaults) {
  return sys.spawn<caf::detached>(planner_impl, defaults);
}

}  // namespace tranche
