// SQL statements besides SELECT: the catalog's DDL (CREATE EXTERNAL TABLE,
// DROP TABLE, SHOW TABLES, DESCRIBE), COPY (SELECT ...) TO, and the session
// statements (temporary views and tables, SET / RESET / SHOW SETTINGS, SHOW
// VIEWS) that a session kernel executes itself. parse_statement() tells them
// apart from a query, whose text it hands back untouched for compile_sql
// (sql.h). The planner (actors/planner.cc) calls it first; the catalog
// (runtime/catalog/) executes the DDL; a COPY is planned as its query plus a
// write step (plan/copy_plan.h); the planner refuses session statements.
// Every node keeps the source position of its names so that errors found at
// execution (duplicate table, no file) can point at them.
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

// ---- Session statements: a session kernel keeps their effect between the
// statements of one user's session; a cluster never executes them.

// CREATE [OR REPLACE] TEMP|TEMPORARY VIEW name AS <query>
struct create_temp_view {
  std::string name;
  source_pos name_pos;
  bool or_replace = false;
  // As copy_to::query: everything before the query blanked, so that
  // compile_sql's errors carry the statement's own line and column.
  std::string query;
  source_pos query_pos;
};

// CREATE [OR REPLACE] TEMP|TEMPORARY TABLE name AS <query>: the kernel writes
// the query's result (COPY ... TO ... FORMAT COLUMNAR) and binds the files
// under `name` for the session's later statements.
struct create_temp_table {
  std::string name;
  source_pos name_pos;
  bool or_replace = false;
  std::string query;  // as create_temp_view::query
  source_pos query_pos;
};

// DROP VIEW [IF EXISTS] name
struct drop_view {
  std::string name;
  source_pos name_pos;
  bool if_exists = false;
};

// SET name = value, SET name TO value. A name may be dotted (a.b.c).
struct set_setting {
  std::string name;  // lowercased
  source_pos name_pos;
  // A '...' string's content ('' unescaped), a number as written (with its
  // sign), or a bare word as written (on, off, DEFAULT).
  std::string value;
  source_pos value_pos;
};

// RESET name, RESET ALL
struct reset_setting {
  std::string name;  // lowercased; "all" for RESET ALL
  source_pos name_pos;
};

// SHOW SETTINGS
struct show_settings {};

// SHOW VIEWS
struct show_views {};

using statement = std::variant<select_statement, create_external_table, drop_table, show_tables,
                               describe_table, copy_to, create_temp_view, create_temp_table,
                               drop_view, set_setting, reset_setting, show_settings, show_views>;

// Classifies and parses one statement (an optional trailing ';' is fine).
// Text that does not start with CREATE, DROP, SHOW, DESCRIBE, DESC, COPY, SET
// or RESET is a select_statement, so SELECT's own errors stay those of
// parse_select. Errors: `line 1, column 35: unknown type "BLOB" for column "x"`.
[[nodiscard]] absl::StatusOr<statement> parse_statement(std::string_view sql);

// True for the statements a session kernel executes itself (temporary views
// and tables, SET, RESET, SHOW SETTINGS, SHOW VIEWS).
[[nodiscard]] inline bool is_session_statement(const statement& s) {
  return std::holds_alternative<create_temp_view>(s) ||
         std::holds_alternative<create_temp_table>(s) || std::holds_alternative<drop_view>(s) ||
         std::holds_alternative<set_setting>(s) || std::holds_alternative<reset_setting>(s) ||
         std::holds_alternative<show_settings>(s) || std::holds_alternative<show_views>(s);
}

// True for the statements a catalog executes: CREATE EXTERNAL TABLE, DROP
// TABLE, SHOW TABLES, DESCRIBE.
[[nodiscard]] inline bool is_ddl(const statement& s) {
  return std::holds_alternative<create_external_table>(s) ||
         std::holds_alternative<drop_table>(s) || std::holds_alternative<show_tables>(s) ||
         std::holds_alternative<describe_table>(s);
}

// The statement's name as a user would say it ("CREATE TEMPORARY VIEW",
// "SHOW SETTINGS", "SELECT"), for messages that refuse it somewhere.
[[nodiscard]] std::string statement_name(const statement& s);

// The error a cluster answers a session statement with (OK for any other):
// InvalidArgument `line 1, column 1: CREATE TEMPORARY VIEW keeps its view in
// a session; run it in a session (tranche shell, or a session's notebook)`,
// at the statement's first word in `sql`.
[[nodiscard]] absl::Status session_statement_error(const statement& s, std::string_view sql);

// The catalog type a declared SQL type maps to, or NotFound: BIGINT, INT,
// INTEGER, SMALLINT, TINYINT -> int64; DOUBLE [PRECISION], FLOAT, REAL,
// DECIMAL/NUMERIC[(p[,s])] -> float64; VARCHAR[(n)], CHAR[(n)], CHARACTER,
// TEXT, STRING -> string; DATE -> date; BOOLEAN, BOOL -> boolean.
[[nodiscard]] absl::StatusOr<type_id> map_declared_type(std::string_view lowercase_name);

}  // namespace tranche::sql
