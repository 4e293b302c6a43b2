// The SQL binder's view (sql.h `catalog`) of the persistent table store, and
// the catalog a program is bound against: its own `--table` bindings first,
// then the stored tables. Used by the planner (actors/planner.cc) for every
// query; the stored table's LOCATION is expanded at each lookup, so files
// added after CREATE are seen by the next query.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "catalog/table_store.h"
#include "sql/sql.h"

namespace tranche {

// The files a LOCATION names, sorted: a glob's regular files, or every
// visible file (not starting with '.' or '_') of a directory it names, as
// Spark and Athena read a table's directory. Empty when nothing matches.
[[nodiscard]] std::vector<std::string> expand_location(const std::string& location);

class store_catalog : public catalog {
 public:
  explicit store_catalog(const table_store& store) : store_(store) {}
  // NotFound for no such table; FailedPrecondition when its LOCATION
  // matches no file now; Unimplemented for FORMAT COLUMNAR (not readable yet).
  absl::StatusOr<table_info> lookup(std::string_view name) const override;
  std::vector<std::string> names() const override;

 private:
  const table_store& store_;
};

// `first` shadows `second` name by name (case-insensitive): a program's
// --table binding wins over a stored table of the same name, for that
// program only. `second` may be null.
class layered_catalog : public catalog {
 public:
  layered_catalog(const catalog& first, const catalog* second) : first_(first), second_(second) {}
  absl::StatusOr<table_info> lookup(std::string_view name) const override;
  std::vector<std::string> names() const override;

 private:
  const catalog& first_;
  const catalog* second_;
};

}  // namespace tranche
