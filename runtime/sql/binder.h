// The query binder: turns a parsed select_stmt into the logical program
// scan -> [filter] -> [aggregate] -> [filter] -> project -> [sort] -> [limit]
// -> [project], resolving the table through the catalog and the GROUP BY /
// ORDER BY name, alias and position rules. Called by compile_sql (sql.cc).
#pragma once

#include "absl/status/statusor.h"
#include "plan/logical.h"
#include "sql/ast.h"
#include "sql/sql.h"

namespace tranche::sql {

[[nodiscard]] absl::StatusOr<logical_ptr> bind_select(const select_stmt& stmt, const catalog& cat);

}  // namespace tranche::sql
