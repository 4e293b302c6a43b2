// Binding of scalar and aggregate expressions: resolves column names against
// the FROM table, checks and coerces types, and builds exec/expr.h trees with
// positioned errors. The query binder (binder.cc) calls it once per clause,
// either over the table's columns or over a grouped query's aggregate output.
#pragma once

#include <functional>
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

// One entry of FROM as expressions see it: its columns are columns
// [offset, offset + width) of the row the FROM clause produces.
struct scope_relation {
  std::string name;   // the table as the catalog spells it, or the CTE's / derived table's name
  std::string alias;  // empty when none
  int offset = 0;
  int width = 0;

  // A column may be qualified by the alias, or by the name when there is no
  // alias or the name is unambiguous (checked by the scope).
  [[nodiscard]] bool accepts_qualifier(std::string_view q) const {
    return equals_ignore_case(q, name) || (!alias.empty() && equals_ignore_case(q, alias));
  }
};

// The FROM clause as expressions see it: its relations side by side. A
// subquery's scope has the enclosing query's scope as `outer`; a column found
// only there binds to index columns.size() + (its index in the outer row), so
// the outer row is appended after this one.
struct table_scope {
  std::vector<scope_relation> relations;
  schema columns;  // every relation's columns, in FROM order
  const table_scope* outer = nullptr;

  // Appends a relation with columns `s`; returns its offset.
  int add(std::string name, std::string alias, const schema& s) {
    const int offset = static_cast<int>(columns.size());
    relations.push_back(scope_relation{std::move(name), std::move(alias), offset,
                                       static_cast<int>(s.size())});
    for (const field& f : s.fields) columns.fields.push_back(f);
    return offset;
  }
  // The width of this row plus every enclosing one.
  [[nodiscard]] int total_width() const {
    return static_cast<int>(columns.size()) + (outer ? outer->total_width() : 0);
  }
  // The field of `index` in the combined row (this one, then the outer ones).
  [[nodiscard]] const field& field_at(int index) const {
    if (index < static_cast<int>(columns.size())) return columns.fields[index];
    return outer->field_at(index - static_cast<int>(columns.size()));
  }
  [[nodiscard]] bool accepts_qualifier(std::string_view q) const {
    for (const scope_relation& r : relations)
      if (r.accepts_qualifier(q)) return true;
    return false;
  }
  [[nodiscard]] std::vector<std::string> qualifiers() const {
    std::vector<std::string> out;
    for (const scope_relation& r : relations) {
      if (!r.alias.empty()) out.push_back(r.alias);
      out.push_back(r.name);
    }
    return out;
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

// Binds a scalar subquery met inside an expression; the query binder
// supplies it (the subquery's one value becomes a column of the FROM row).
using subquery_hook = std::function<absl::StatusOr<expr_ptr>(const ast_expr&)>;

class expr_binder {
 public:
  explicit expr_binder(const table_scope& scope) : scope_(scope) {}

  // Index of the column `ref` (a column_ref node) names in the FROM row; an
  // outer query's column (see table_scope) only while allow_outer is set.
  [[nodiscard]] absl::StatusOr<int> resolve_column(const ast_expr& ref) const;

  // Resolves `ref` against `scope` alone: its index, -1 when no column of that
  // name is there, -2 when no relation takes its qualifier; an error when the
  // name is ambiguous.
  [[nodiscard]] static absl::StatusOr<int> find_in(const table_scope& scope, const ast_expr& ref);

  // Whether references to the enclosing query's columns are allowed: only in
  // a subquery's WHERE, where the query binder turns them into join keys.
  void set_allow_outer(bool allow) { allow_outer_ = allow; }
  void set_subquery_hook(subquery_hook hook) { subquery_hook_ = std::move(hook); }

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
  bool allow_outer_ = false;
  subquery_hook subquery_hook_;
};

}  // namespace tranche::sql
