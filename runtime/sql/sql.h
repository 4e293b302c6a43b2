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

}  // namespace tranche
