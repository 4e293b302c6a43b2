// SQL statements besides SELECT: the catalog's DDL (CREATE EXTERNAL TABLE,
// DROP TABLE, SHOW TABLES, DESCRIBE) and COPY (SELECT ...) TO. parse_statement()
// tells them apart from a query, whose text it hands back untouched for
// compile_sql (sql.h). The planner (actors/planner.cc) calls it first; the
// catalog (runtime/catalog/) executes the DDL; a COPY is planned as its query
// plus a write step (plan/copy_plan.h). Every node keeps the source position of its names so that
// errors found at execution (duplicate table, no file) can point at them.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "sql/diagnostics.h"
#include "tranche/types.h"

namespace tranche::sql {

// A query: compile_sql(text, catalog) does the rest.
struct select_statement {
  std::string text;
};

struct column_definition {
  std::string name;
  type_id type = type_id::string;
  std::string declared;  // the type as written, normalized: "DECIMAL(15,2)", "CHAR(25)"
  source_pos pos;        // of the name
};

// CREATE EXTERNAL TABLE [IF NOT EXISTS] name (col type, ...)
//   LOCATION 'glob' FORMAT CSV|COLUMNAR [HEADER] [DELIMITER 'c']
// The clauses after the column list may come in any order, each once.
struct create_external_table {
  std::string name;
  source_pos name_pos;
  bool if_not_exists = false;
  std::vector<column_definition> columns;
  std::string location;
  source_pos location_pos;
  std::string format;   // "csv" or "columnar"
  bool header = false;  // CSV only: the files' first line names the columns
  char delimiter = ',';
};

// DROP TABLE [IF EXISTS] name
struct drop_table {
  std::string name;
  source_pos name_pos;
  bool if_exists = false;
};

// SHOW TABLES
struct show_tables {};

// DESCRIBE [TABLE] name, or DESC [TABLE] name
struct describe_table {
  std::string name;
  source_pos name_pos;
};

// COPY (query) TO 'dir' [FORMAT CSV|COLUMNAR] [HEADER [true|false]] [DELIMITER 'c'],
// or with PostgreSQL's option list: WITH (FORMAT csv, HEADER [true|false],
// DELIMITER '|'). Options come in any order, each once; the defaults are
// FORMAT CSV with HEADER and ','. HEADER and DELIMITER apply to CSV only.
struct copy_to {
  // The query's text with everything before it blanked (spaces, line breaks
  // kept) and everything after it cut, so that compile_sql's errors carry the
  // statement's own line and column.
  std::string query;
  source_pos query_pos;
  std::string target;  // as written
  source_pos target_pos;
  std::string format = "csv";  // "csv" or "columnar"
  bool header = true;
  char delimiter = ',';
};

using statement = std::variant<select_statement, create_external_table, drop_table, show_tables,
                               describe_table, copy_to>;

// Classifies and parses one statement (an optional trailing ';' is fine).
// Text that does not start with CREATE, DROP, SHOW, DESCRIBE, DESC or COPY is a
// select_statement, so SELECT's own errors stay those of parse_select.
// Errors: `line 1, column 35: unknown type "BLOB" for column "x"`.
[[nodiscard]] absl::StatusOr<statement> parse_statement(std::string_view sql);

// True for the statements a catalog executes (everything but a query and a COPY).
[[nodiscard]] inline bool is_ddl(const statement& s) {
  return !std::holds_alternative<select_statement>(s) && !std::holds_alternative<copy_to>(s);
}

// The catalog type a declared SQL type maps to, or NotFound: BIGINT, INT,
// INTEGER, SMALLINT, TINYINT -> int64; DOUBLE [PRECISION], FLOAT, REAL,
// DECIMAL/NUMERIC[(p[,s])] -> float64; VARCHAR[(n)], CHAR[(n)], CHARACTER,
// TEXT, STRING -> string; DATE -> date; BOOLEAN, BOOL -> boolean.
[[nodiscard]] absl::StatusOr<type_id> map_declared_type(std::string_view lowercase_name);

}  // namespace tranche::sql
