// The FROM side of a SELECT, for the select binder (binder.cc): the FROM
// entries (tables, WITH names, derived tables) and uncorrelated scalar
// subqueries as relations of the FROM row; WHERE and ON split into terms;
// EXISTS / IN subqueries decorrelated into semi, anti and null-aware anti
// joins; and the joined tree, built with each term pushed down to the lowest
// point where its columns exist, inner joins ordered greedily and LEFT joins
// kept in place. Internal to sql/.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "plan/logical.h"
#include "sql/ast.h"
#include "sql/expr_binder.h"
#include "sql/sql.h"

namespace tranche::sql {

// Common table expressions visible at a point of the statement; the
// outermost scope holds a session's views (compile_sql with views).
struct cte_scope {
  // A name that binds to an error rather than a plan: a view that failed to
  // bind (`shadows`: it hides a catalog table of its name, as any view), or
  // the view being bound and those after it (seen only where no catalog
  // table has the name: a view binds to what existed when it was made).
  struct unusable {
    std::string name;
    absl::Status error;
    bool shadows = false;
  };

  const cte_scope* parent = nullptr;
  std::vector<std::pair<std::string, logical_ptr>> tables;
  std::vector<unusable> unusable_names;

  [[nodiscard]] const logical_ptr* find(std::string_view name) const {
    for (const cte_scope* s = this; s != nullptr; s = s->parent)
      for (const auto& [n, plan] : s->tables)
        if (equals_ignore_case(n, name)) return &plan;
    return nullptr;
  }
  [[nodiscard]] const unusable* find_unusable(std::string_view name, bool shadows) const {
    for (const cte_scope* s = this; s != nullptr; s = s->parent)
      for (const unusable& u : s->unusable_names)
        if (u.shadows == shadows && equals_ignore_case(u.name, name)) return &u;
    return nullptr;
  }
};

// Binds a whole query (WITH, UNION ALL) with `ctes` visible and, for a
// subquery, the enclosing query's columns in `outer`. Defined in binder.cc.
[[nodiscard]] absl::StatusOr<logical_ptr> bind_query_in(const query_stmt& q, const catalog& cat,
                                                        const cte_scope* ctes,
                                                        const table_scope* outer);

// The plan of one FROM entry (a derived table, a WITH name or a catalog
// table, matched case-insensitively) and the name it goes by. Defined in
// binder.cc.
[[nodiscard]] absl::StatusOr<logical_ptr> bind_from_item(const from_item& item, const catalog& cat,
                                                         const cte_scope* ctes, std::string* name);

// The FROM row of one SELECT and the tree that computes it. The select binder
// calls bind_from(), binds its select list, calls bind_conditions(), binds the
// other clauses, then build(). Columns are added to `scope` (the binder's, which
// `binder` resolves names in); scalar subqueries met while binding reach the
// FROM row through the subquery hook installed on `binder`.
class from_tree {
 public:
  from_tree(const select_stmt& stmt, const catalog& cat, const cte_scope* ctes, table_scope& scope,
            expr_binder& binder);
  ~from_tree();
  from_tree(const from_tree&) = delete;
  from_tree& operator=(const from_tree&) = delete;

  // The FROM entries, as relations of the FROM row (in `scope`).
  [[nodiscard]] absl::Status bind_from();
  // WHERE (its EXISTS / IN terms kept apart for build) and every ON clause.
  [[nodiscard]] absl::Status bind_conditions();
  // The FROM clause joined and WHERE applied, in the FROM row's column order.
  [[nodiscard]] absl::StatusOr<logical_ptr> build();

 private:
  class impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tranche::sql
