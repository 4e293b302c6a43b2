// Executes the catalog statements of sql/statement.h against a table_store
// and returns their result as one batch (schema and rows), which the job
// actor streams to the client like a query's result. Called by the planner
// (actors/planner.cc). Errors carry the statement position:
// `line 1, column 23: table "orders" already exists`.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "catalog/table_store.h"
#include "sql/statement.h"
#include "tranche/batch.h"

namespace tranche {

// CREATE EXTERNAL TABLE -> (result VARCHAR) "created table t (C columns, F files)";
//   checks at once that LOCATION matches a file and, for CSV, that the first
//   file's first record (its header with HEADER) has as many fields as
//   columns are declared.
// DROP TABLE            -> (result VARCHAR) "dropped table t"
// SHOW TABLES           -> (name, format, location VARCHAR), by name
// DESCRIBE t            -> (column, type, declared_type VARCHAR), in order
// A select_statement is an InvalidArgument: queries go to compile_sql.
[[nodiscard]] absl::StatusOr<batch> execute_ddl(const sql::statement& s, table_store& store);

// Fields in the first record of a CSV file (RFC 4180 quoting; a leading
// UTF-8 BOM and a trailing \r are ignored). 0 for an empty file. Errors name
// the file.
[[nodiscard]] absl::StatusOr<size_t> csv_first_record_width(const std::string& path,
                                                            char delimiter);

}  // namespace tranche
