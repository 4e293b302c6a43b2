// Error reporting shared by the SQL lexer, parser and binder: source
// positions, position-prefixed Status construction, "did you mean"
// suggestions, and the small early-return macros this Abseil release lacks.
// Only files under runtime/sql/ include it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tranche::sql {

// 1-based line and column (columns count characters, not UTF-8 bytes).
struct source_pos {
  int line = 1;
  int column = 1;
};

// InvalidArgument "line L, column C: <message>".
[[nodiscard]] absl::Status error_at(source_pos pos, std::string_view message);
// Same prefix, keeping `code` (NotFound for an unknown table).
[[nodiscard]] absl::Status error_at(source_pos pos, absl::StatusCode code,
                                    std::string_view message);

// ` (did you mean "x"?)` for the candidate closest to `name` (case-insensitive
// edit distance <= 2 and shorter than the name), or "" when none is close.
[[nodiscard]] std::string did_you_mean(std::string_view name,
                                       const std::vector<std::string>& candidates);

// ASCII lowercase copy; identifiers are case-insensitive everywhere in SQL v1.
[[nodiscard]] std::string to_lower(std::string_view s);
// ASCII uppercase copy, for echoing words in messages ("expected TABLES").
[[nodiscard]] std::string to_upper(std::string_view s);
[[nodiscard]] bool equals_ignore_case(std::string_view a, std::string_view b);

}  // namespace tranche::sql

// Early returns for Status / StatusOr, local to the SQL front end because the
// Debian Abseil build ships no status macros.
#define SQL_CONCAT_INNER_(a, b) a##b
#define SQL_CONCAT_(a, b) SQL_CONCAT_INNER_(a, b)

#define SQL_RETURN_IF_ERROR(expr)              \
  do {                                         \
    absl::Status sql_status_ = (expr);         \
    if (!sql_status_.ok()) return sql_status_; \
  } while (0)

#define SQL_ASSIGN_OR_RETURN(lhs, rexpr) \
  SQL_ASSIGN_OR_RETURN_IMPL_(SQL_CONCAT_(sql_statusor_, __LINE__), lhs, rexpr)

#define SQL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                               \
  if (!tmp.ok()) return std::move(tmp).status();    \
  lhs = std::move(tmp).value()
