// The SQL v1 parser: recursive descent over the lexer's tokens into a
// query_stmt (ast.h). Called by compile_sql (sql.cc) before binding. It
// checks syntax only; names and types are the binder's job.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "sql/ast.h"

namespace tranche::sql {

// Nesting limits that keep parsing, binding and destruction off deep stacks:
// parentheses, NOT, unary minus, calls and casts nest at most
// kMaxNesting deep, and no expression tree is taller than kMaxHeight (long
// left-deep chains such as a OR b OR c ...).
inline constexpr int kMaxNesting = 200;
inline constexpr int kMaxHeight = 1000;

// Parses one query ([WITH ...] SELECT ... [UNION ALL SELECT ...] [ORDER BY]
// [LIMIT]) with an optional trailing ';'.
[[nodiscard]] absl::StatusOr<query_stmt> parse_query(std::string_view sql);

}  // namespace tranche::sql
