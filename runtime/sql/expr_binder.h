// Binding of scalar and aggregate expressions: resolves column names against
// the FROM table, checks and coerces types, and builds exec/expr.h trees with
// positioned errors. The query binder (binder.cc) calls it once per clause,
// either over the table's columns or over a grouped query's aggregate output.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "exec/expr.h"
#include "plan/logical.h"
#include "sql/ast.h"
#include "sql/diagnostics.h"
#include "tranche/types.h"

namespace tranche::sql {

// The FROM table as expressions see it.
struct table_scope {
  std::string name;   // as the catalog spells it
  std::string alias;  // empty when none
  schema columns;     // the table's full schema

  // With one table there is no ambiguity, so both the table's name and its
  // alias qualify a column (PostgreSQL would hide the name behind the alias).
  [[nodiscard]] bool accepts_qualifier(std::string_view q) const {
    return equals_ignore_case(q, name) || (!alias.empty() && equals_ignore_case(q, alias));
  }
  [[nodiscard]] std::vector<std::string> qualifiers() const {
    if (alias.empty()) return {name};
    return {alias, name};
  }
};

// What a grouped query computes below its projection: the aggregate node's
// output is `keys`, then one column per call. Keys and call arguments are
// bound over the table's columns.
struct grouping {
  std::vector<expr_ptr> keys;
  std::vector<aggregate_call> calls;
};

// True for count, sum, min, max and avg (lowercase).
[[nodiscard]] bool is_aggregate_function(std::string_view name);
// True when `e` contains any function call (every function is an aggregate).
[[nodiscard]] bool contains_call(const ast_expr& e);
// Structural equality of bound expressions (same operators, columns, literals).
[[nodiscard]] bool expr_equal(const expr& a, const expr& b);

class expr_binder {
 public:
  explicit expr_binder(const table_scope& scope) : scope_(scope) {}

  // Index of the table column `ref` (a column_ref node) names.
  [[nodiscard]] absl::StatusOr<int> resolve_column(const ast_expr& ref) const;

  // Reports the first unknown column, qualifier or function in `e`, so that
  // name errors come out in the order they were written.
  [[nodiscard]] absl::Status check_names(const ast_expr& e) const;

  // Binds `e` over the table's columns. Aggregate calls are an error naming
  // `clause` ("aggregate functions are not allowed in WHERE").
  [[nodiscard]] absl::StatusOr<expr_ptr> bind_row(const ast_expr& e, std::string_view clause);

  // Binds `e` over the aggregate output of `g`: subexpressions equal to a
  // group key become key columns, aggregate calls are added to `g` (once per
  // distinct call) and become their output columns, and any other column
  // reference is an error.
  [[nodiscard]] absl::StatusOr<expr_ptr> bind_grouped(const ast_expr& e, grouping& g);

  // `bound` (the binding of `e`) as the BOOLEAN condition of `clause`.
  [[nodiscard]] absl::StatusOr<expr_ptr> require_boolean(const ast_expr& e, expr_ptr bound,
                                                         std::string_view clause) const;

 private:
  absl::StatusOr<expr_ptr> bind_row_impl(const ast_expr& e, std::string_view clause,
                                         bool in_aggregate);
  absl::StatusOr<expr_ptr> bind_aggregate(const ast_expr& e, grouping& g);
  // Builds operator node `e` from its already bound operands.
  absl::StatusOr<expr_ptr> build(const ast_expr& e, std::vector<expr_ptr> args) const;
  absl::StatusOr<expr_ptr> build_binary(const ast_expr& e, expr_ptr a, expr_ptr b) const;
  // `a op b` for a comparison op, with untyped NULLs and types coerced; errors
  // point at `pos`.
  absl::StatusOr<expr_ptr> compare(source_pos pos, expr_op op, const ast_expr& ea, expr_ptr a,
                                   const ast_expr& eb, expr_ptr b) const;
  absl::StatusOr<expr_ptr> build_cast(const ast_expr& e, expr_ptr a) const;
  absl::StatusOr<expr_ptr> build_case(const ast_expr& e, std::vector<expr_ptr> args) const;
  absl::StatusOr<expr_ptr> build_like(const ast_expr& e, expr_ptr a, expr_ptr pattern) const;
  absl::StatusOr<expr_ptr> build_in(const ast_expr& e, std::vector<expr_ptr> args) const;
  absl::StatusOr<expr_ptr> build_date_add(const ast_expr& e, expr_ptr date) const;
  absl::StatusOr<expr_ptr> build_extract(const ast_expr& e, expr_ptr date) const;
  absl::StatusOr<expr_ptr> build_substring(const ast_expr& e, std::vector<expr_ptr> args) const;

  const table_scope& scope_;
};

}  // namespace tranche::sql
