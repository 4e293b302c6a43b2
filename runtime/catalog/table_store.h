// The persistent table catalog: one SQLite file holding the tables created
// with CREATE EXTERNAL TABLE (name, location glob, format, CSV options) and
// their declared columns. The head daemon keeps it in <work-dir>/catalog.db,
// an embedded cluster where cluster_options::catalog_path says. Every change
// is one transaction; several store objects (and processes) may share a file
// (WAL, busy timeout). Calls block on disk: callers run off the actor
// scheduler (the planner actor is detached). Not thread-safe: one caller at a
// time per object.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tranche/types.h"

struct sqlite3;

namespace tranche {

struct stored_column {
  std::string name;
  type_id type = type_id::string;
  std::string declared;  // as written in CREATE, e.g. "DECIMAL(15,2)"
  friend bool operator==(const stored_column&, const stored_column&) = default;
};

struct stored_table {
  std::string name;      // as created; lookups ignore ASCII case
  std::string location;  // a path or glob, expanded at each query
  std::string format;    // "csv" or "columnar"
  bool header = false;   // CSV: the first line of each file names the columns
  char delimiter = ',';  // CSV
  std::vector<stored_column> columns;
  int64_t created_at = 0;  // seconds since the epoch
};

class table_store {
 public:
  // The schema version this build writes (PRAGMA user_version).
  static constexpr int kSchemaVersion = 1;

  // Opens or creates the catalog at `path` (":memory:" for a private,
  // unsaved one). Errors name the path: a file that is not a database, one
  // of another application, one written by a newer tranche.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<table_store>> open(const std::string& path);
  ~table_store();
  table_store(const table_store&) = delete;
  table_store& operator=(const table_store&) = delete;

  // Adds `t`. AlreadyExists when a table of that name (any case) exists.
  [[nodiscard]] absl::Status create(const stored_table& t);
  // Removes the table; NotFound when there is none of that name.
  [[nodiscard]] absl::Status drop(std::string_view name);
  // Every table, ordered by name (case-insensitive).
  [[nodiscard]] absl::StatusOr<std::vector<stored_table>> list() const;
  // One table by name (case-insensitive), or nullopt.
  [[nodiscard]] absl::StatusOr<std::optional<stored_table>> get(std::string_view name) const;

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  table_store(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  absl::Status init_schema();
  // Every table (empty name) or the one of that name (case-insensitive).
  absl::StatusOr<std::vector<stored_table>> read(std::string_view name) const;
  absl::Status fail(std::string_view doing) const;  // the current SQLite error, with the path

  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace tranche
