// The query binder: turns a parsed query (ast.h) into a logical program
// (plan/logical.h), resolving tables through the catalog (and WITH names),
// joining the FROM entries, decorrelating EXISTS / IN subqueries into semi
// and anti joins, applying the GROUP BY / ORDER BY name, alias and position
// rules, and pruning the columns nothing reads. Called by compile_sql (sql.cc).
#pragma once

#include "absl/status/statusor.h"
#include "plan/logical.h"
#include "sql/ast.h"
#include "sql/sql.h"

namespace tranche::sql {

struct cte_scope;

// `views`, when given, is the outermost scope of names (a session's views).
[[nodiscard]] absl::StatusOr<logical_ptr> bind_query(const query_stmt& q, const catalog& cat,
                                                     const cte_scope* views = nullptr);

}  // namespace tranche::sql
