// The planner actor (see planner.h).
#include "actors/planner.h"

#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include "catalog/ddl.h"
#include "catalog/store_catalog.h"
#include "io/batch_codec.h"
#include "plan/copy_plan.h"
#include "plan/plan_codec.h"
#include "plan/program_codec.h"
#include "sql/statement.h"

namespace tranche {

namespace {

// COPY (query) TO 'dir': the query's plan gets a write step into a staging
// directory that the job commits (plan/copy_plan.h). A relative target is
// resolved against the head's working directory.
absl::Status plan_copy(const sql::copy_to& c, plan& p) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path target = fs::absolute(c.target, ec).lexically_normal();
  if (ec)
    return absl::InvalidArgumentError(absl::StrCat("COPY target '", c.target, "': ", ec.message()));
  if (target.filename().empty()) target = target.parent_path();  // "dir/"
  const auto at = [&](const absl::Status& s) {
    return absl::Status(s.code(), absl::StrCat("line ", c.target_pos.line, ", column ",
                                               c.target_pos.column, ": ", s.message()));
  };
  if (target == target.root_path())
    return at(absl::InvalidArgumentError("COPY target is the root directory"));
  if (auto s = check_copy_target(target.string()); !s.ok()) return at(s);
  csv_format fmt;
  fmt.columnar = c.format == "columnar";
  fmt.header = c.header;
  fmt.delimiter = c.delimiter;
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return add_copy_sink(p, copy_staging_dir(target.string(), rng()), fmt);
}

}  // namespace

absl::StatusOr<planned> plan_program(const std::vector<char>& bytes, const planner_options& opts,
                                     table_store* catalog) {
  auto prog = decode_program(bytes.data(), bytes.size());
  if (!prog.ok()) return prog.status();
  auto stmt = sql::parse_statement(prog->sql);
  if (!stmt.ok()) return stmt.status();
  // A session kernel executes these itself; one reaching a cluster was typed
  // where there is no session to keep it (tranche sql).
  if (sql::is_session_statement(*stmt)) return sql::session_statement_error(*stmt, prog->sql);
  if (sql::is_ddl(*stmt)) {
    if (catalog == nullptr)
      return absl::FailedPreconditionError(
          "this cluster keeps no table catalog: CREATE, DROP, SHOW and DESCRIBE are unavailable");
    auto result = execute_ddl(*stmt, *catalog);
    if (!result.ok()) return result.status();
    planned out;
    out.immediate = *std::move(result);
    return out;
  }
  binding_catalog bound;
  for (const auto& t : prog->tables) {
    csv_format fmt;
    fmt.delimiter = t.delimiter;
    fmt.header = t.header;
    fmt.columnar = t.columnar;
    if (auto s = bound.bind(t.name, t.glob, fmt); !s.ok()) return s;
  }
  std::vector<view_definition> views;
  for (const auto& v : prog->options.views) views.push_back({v.name, v.sql});
  std::optional<store_catalog> stored;
  if (catalog != nullptr) stored.emplace(*catalog);
  layered_catalog cat(bound, stored ? &*stored : nullptr);
  const auto* copy = std::get_if<sql::copy_to>(&*stmt);
  auto logical = compile_sql(copy ? copy->query : prog->sql, cat, views);
  if (!logical.ok()) return logical.status();
  auto p = make_plan(**logical, opts);
  if (!p.ok()) return p.status();
  if (copy)
    if (auto s = plan_copy(*copy, *p); !s.ok()) return s;
  planned out{*std::move(p), {}, std::nullopt};
  out.explain_text = explain(out.p);
  return out;
}

namespace {

using plan_reply =
    std::tuple<std::vector<char>, std::string, std::string, std::vector<std::vector<char>>>;

// A catalog statement's result as the job actor forwards it: first an empty
// batch with the schema (as for a query), then the rows.
std::vector<std::vector<char>> encode_immediate(const batch& b) {
  batch head;
  head.schema = b.schema;
  for (const auto& f : head.schema.fields) head.columns.push_back(std::make_shared<column>(f.type));
  std::vector<std::vector<char>> out{encode_batch(head)};
  if (b.rows > 0) out.push_back(encode_batch(b));
  return out;
}

planner_actor::behavior_type planner_impl(planner_actor::pointer self, planner_options defaults,
                                          std::shared_ptr<table_store> catalog) {
  return {
      [=](plan_atom, const std::vector<char>& program, int32_t parallelism) -> plan_reply {
        planner_options opts = defaults;
        if (parallelism > 0) opts.parallelism = parallelism;
        auto r = plan_program(program, opts, catalog.get());
        if (!r.ok())
          return {std::vector<char>{}, std::string{}, std::string(r.status().message()), {}};
        if (r->immediate)
          return {std::vector<char>{}, std::string{}, std::string{},
                  encode_immediate(*r->immediate)};
        return {encode_plan(r->p), r->explain_text, std::string{}, {}};
      },
  };
}

}  // namespace

planner_actor spawn_planner(caf::actor_system& sys, planner_options defaults,
                            std::shared_ptr<table_store> catalog) {
  return sys.spawn<caf::detached>(planner_impl, defaults, std::move(catalog));
}

}  // namespace tranche
