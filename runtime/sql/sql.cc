// compile_sql (sql.h): parse, then bind, with a session's views bound first
// into the outermost scope of names. This is the edge where untrusted query
// text enters, so it also turns any exception from below (allocation failure,
// a constructor's logic_error) into a Status instead of letting it escape to
// the caller.
#include "sql/sql.h"

#include <exception>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sql/binder.h"
#include "sql/from_tree.h"
#include "sql/parser.h"

namespace tranche {

namespace {

// "in view \"v\": <error>", keeping the code; an error that already names a
// view (one this view uses is broken) is passed on as it is.
absl::Status in_view(const std::string& name, const absl::Status& s) {
  constexpr absl::string_view kPrefix = "in view \"";
  if (absl::StartsWith(s.message(), kPrefix)) return s;
  return absl::Status(s.code(), absl::StrCat(kPrefix, name, "\": ", s.message()));
}

absl::StatusOr<logical_ptr> bind_view(const view_definition& v, const catalog& cat,
                                      const sql::cte_scope& earlier) {
  absl::StatusOr<sql::query_stmt> q = sql::parse_query(v.sql);
  if (!q.ok()) return in_view(v.name, q.status());
  absl::StatusOr<logical_ptr> plan = sql::bind_query_in(*q, cat, &earlier, nullptr);
  if (!plan.ok()) return in_view(v.name, plan.status());
  return plan;
}

// The views as the outermost scope of names. A view that fails to bind fails
// only the queries that use it (an unused view broken by a dropped table
// does not stop the session's other queries).
absl::Status bind_views(const std::vector<view_definition>& views, const catalog& cat,
                        sql::cte_scope* scope) {
  for (size_t i = 0; i < views.size(); ++i) {
    const view_definition& v = views[i];
    if (v.name.empty())
      return absl::InvalidArgumentError(absl::StrCat("view ", i + 1, " has an empty name"));
    if (scope->find(v.name) != nullptr || scope->find_unusable(v.name, true) != nullptr)
      return absl::InvalidArgumentError(absl::StrCat("view \"", v.name, "\" is given twice"));
    // While v binds, it and the views after it are not there yet.
    sql::cte_scope earlier{nullptr, scope->tables, scope->unusable_names};
    earlier.unusable_names.push_back(
        {v.name, absl::InvalidArgumentError(absl::StrCat("view \"", v.name, "\" refers to itself")),
         false});
    for (size_t j = i + 1; j < views.size(); ++j)
      earlier.unusable_names.push_back(
          {views[j].name,
           absl::InvalidArgumentError(
               absl::StrCat("view \"", views[j].name, "\" is defined after view \"", v.name,
                            "\"; a view can use only the tables and the views defined before it")),
           false});
    absl::StatusOr<logical_ptr> plan = bind_view(v, cat, earlier);
    if (plan.ok())
      scope->tables.emplace_back(v.name, *std::move(plan));
    else
      scope->unusable_names.push_back({v.name, plan.status(), true});
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<logical_ptr> compile_sql(std::string_view sql, const catalog& cat) {
  try {
    absl::StatusOr<sql::query_stmt> stmt = sql::parse_query(sql);
    if (!stmt.ok()) return stmt.status();
    return sql::bind_query(*stmt, cat);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("SQL front end failed: ", e.what()));
  } catch (...) {
    return absl::InternalError("SQL front end failed with an unknown exception");
  }
}

absl::StatusOr<logical_ptr> compile_sql(std::string_view sql, const catalog& cat,
                                        const std::vector<view_definition>& views) {
  if (views.empty()) return compile_sql(sql, cat);
  try {
    sql::cte_scope scope;
    if (absl::Status s = bind_views(views, cat, &scope); !s.ok()) return s;
    absl::StatusOr<sql::query_stmt> stmt = sql::parse_query(sql);
    if (!stmt.ok()) return stmt.status();
    return sql::bind_query(*stmt, cat, &scope);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("SQL front end failed: ", e.what()));
  } catch (...) {
    return absl::InternalError("SQL front end failed with an unknown exception");
  }
}

}  // namespace tranche
