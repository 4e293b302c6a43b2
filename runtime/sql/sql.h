// The SQL front end: parses SQL v1 text and binds it against a catalog into a
// logical program (plan/logical.h). Errors carry the position of the problem:
// `line 1, column 23: unknown column "prce" (did you mean "price"?)`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "plan/logical.h"
#include "tranche/types.h"

namespace tranche {

struct table_info {
  std::string name;
  std::vector<std::string> files;  // sorted, non-empty
  schema columns;                  // full file schema
  csv_format format;
};

class catalog {
 public:
  virtual ~catalog() = default;
  // NotFound when there is no such table (the binder adds the position).
  [[nodiscard]] virtual absl::StatusOr<table_info> lookup(std::string_view name) const = 0;
  // Every table name, for "did you mean" suggestions.
  [[nodiscard]] virtual std::vector<std::string> names() const = 0;
};

// Parses and binds one SELECT statement (an optional trailing ';' is fine).
[[nodiscard]] absl::StatusOr<logical_ptr> compile_sql(std::string_view sql, const catalog& cat);

// A session's temporary view: a name for a query, bound where it is used.
struct view_definition {
  std::string name;
  std::string sql;  // a query (SELECT or WITH)
};

// As above, with `views` visible as tables. They are bound in order, each
// seeing the catalog and the views before it, as an outermost WITH: a view
// shadows a catalog table of its name, and a WITH name in the query shadows a
// view. An error inside a view names it: `in view "v": line 1, column 8:
// unknown column "x"`; so does a view that uses itself or a later view.
[[nodiscard]] absl::StatusOr<logical_ptr> compile_sql(std::string_view sql, const catalog& cat,
                                                      const std::vector<view_definition>& views);

}  // namespace tranche
