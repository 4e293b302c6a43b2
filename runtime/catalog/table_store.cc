// Implementation of table_store.h over the SQLite C API. Schema, version 1:
//   tables(name PK NOCASE, location, format, header, delimiter, created_at)
//   columns(table_name, ordinal, name, type, declared)  PK (table_name, ordinal)
// The file is marked as tranche's with PRAGMA application_id and versioned
// with PRAGMA user_version, so a foreign or newer file is refused by name
// rather than misread.
#include "catalog/table_store.h"

#include <sqlite3.h>

#include <ctime>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/sqlite_util.h"

namespace tranche {
namespace {

constexpr int kApplicationId = 0x74726e63;  // "trnc"
constexpr int kBusyTimeoutMs = 10'000;

absl::string_view av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::StatusCode code_of(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::StatusCode::kUnavailable;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return absl::StatusCode::kDataLoss;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return absl::StatusCode::kPermissionDenied;
    default:
      return absl::StatusCode::kInternal;
  }
}

using sqlite::stmt;
using sqlite::transaction;

absl::StatusOr<type_id> type_from_name(std::string_view name) {
  for (type_id t :
       {type_id::int64, type_id::float64, type_id::boolean, type_id::string, type_id::date})
    if (type_name(t) == name) return t;
  return absl::DataLossError(absl::StrCat("unknown column type \"", av(name), "\""));
}

}  // namespace

absl::StatusOr<std::unique_ptr<table_store>> table_store::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status s(code_of(rc), absl::StrCat("catalog ", path, ": cannot open: ",
                                             db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);
    return s;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  std::unique_ptr<table_store> store(new table_store(path, db));
  if (auto s = store->init_schema(); !s.ok()) return s;
  return store;
}

table_store::~table_store() { sqlite3_close(db_); }

absl::Status table_store::fail(std::string_view doing) const {
  const int rc = sqlite3_extended_errcode(db_);
  return absl::Status(code_of(rc),
                      absl::StrCat("catalog ", path_, ": ", av(doing), ": ", sqlite3_errmsg(db_)));
}

absl::Status table_store::init_schema() {
  // The first statement that reads the file: a file that is not a database fails here.
  if (sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) != SQLITE_OK)
    return fail("opening");
  sqlite3_exec(db_, "PRAGMA foreign_keys=ON", nullptr, nullptr, nullptr);
  transaction tx(db_);
  if (tx.begin(true) != SQLITE_OK) return fail("opening");
  auto pragma = [&](const char* sql, int64_t* out) { return sqlite::read_integer(db_, sql, out); };
  int64_t version = 0, app = 0, objects = 0;
  if (!pragma("PRAGMA user_version", &version) || !pragma("PRAGMA application_id", &app) ||
      !pragma("SELECT count(*) FROM sqlite_master", &objects))
    return fail("reading the schema");
  if (app != 0 && app != kApplicationId)
    return absl::FailedPreconditionError(
        absl::StrCat("catalog ", path_,
                     ": not a tranche catalog (another application's SQLite "
                     "file, application_id ",
                     app, ")"));
  if (version > kSchemaVersion)
    return absl::FailedPreconditionError(absl::StrCat(
        "catalog ", path_, ": schema version ", version,
        " was written by a newer tranche (this one reads up to ", kSchemaVersion, ")"));
  if (version == kSchemaVersion) {
    if (app != kApplicationId)
      return absl::FailedPreconditionError(
          absl::StrCat("catalog ", path_, ": not a tranche catalog (no tranche application_id)"));
    return absl::OkStatus();  // the transaction only read: rolled back
  }
  if (objects != 0)
    return absl::FailedPreconditionError(absl::StrCat(
        "catalog ", path_, ": not a tranche catalog (an SQLite file holding other tables)"));
  const std::string ddl = absl::StrCat(
      "CREATE TABLE tables ("
      "  name TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,"
      "  location TEXT NOT NULL,"
      "  format TEXT NOT NULL CHECK (format IN ('csv', 'columnar')),"
      "  header INTEGER NOT NULL,"
      "  delimiter TEXT NOT NULL,"
      "  created_at INTEGER NOT NULL);"
      "CREATE TABLE columns ("
      "  table_name TEXT NOT NULL COLLATE NOCASE REFERENCES tables(name) ON DELETE CASCADE,"
      "  ordinal INTEGER NOT NULL,"
      "  name TEXT NOT NULL,"
      "  type TEXT NOT NULL,"
      "  declared TEXT NOT NULL,"
      "  PRIMARY KEY (table_name, ordinal));"
      "PRAGMA application_id = ",
      kApplicationId, "; PRAGMA user_version = ", kSchemaVersion, ";");
  if (sqlite3_exec(db_, ddl.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    return fail("creating the schema");
  if (tx.commit() != SQLITE_OK) return fail("creating the schema");
  return absl::OkStatus();
}

absl::Status table_store::create(const stored_table& t) {
  transaction tx(db_);
  if (tx.begin(true) != SQLITE_OK) return fail("creating a table");
  {
    stmt find(db_, "SELECT name FROM tables WHERE name = ?1");
    if (!find.ok()) return fail("creating a table");
    find.bind(1, t.name);
    const int rc = find.step();
    if (rc == SQLITE_ROW)
      return absl::AlreadyExistsError(absl::StrCat("table \"", find.text(0), "\" already exists"));
    if (rc != SQLITE_DONE) return fail("creating a table");
  }
  stmt insert(db_,
              "INSERT INTO tables (name, location, format, header, delimiter, created_at) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!insert.ok()) return fail("creating a table");
  insert.bind(1, t.name);
  insert.bind(2, t.location);
  insert.bind(3, t.format);
  insert.bind(4, int64_t{t.header ? 1 : 0});
  insert.bind(5, std::string_view(&t.delimiter, 1));
  insert.bind(6, t.created_at != 0 ? t.created_at : static_cast<int64_t>(std::time(nullptr)));
  if (insert.step() != SQLITE_DONE) return fail("creating a table");
  for (size_t i = 0; i < t.columns.size(); ++i) {
    stmt col(db_,
             "INSERT INTO columns (table_name, ordinal, name, type, declared) "
             "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!col.ok()) return fail("creating a table");
    col.bind(1, t.name);
    col.bind(2, static_cast<int64_t>(i));
    col.bind(3, t.columns[i].name);
    col.bind(4, type_name(t.columns[i].type));
    col.bind(5, t.columns[i].declared);
    if (col.step() != SQLITE_DONE) return fail("creating a table");
  }
  if (tx.commit() != SQLITE_OK) return fail("creating a table");
  return absl::OkStatus();
}

absl::Status table_store::drop(std::string_view name) {
  transaction tx(db_);
  if (tx.begin(true) != SQLITE_OK) return fail("dropping a table");
  stmt cols(db_, "DELETE FROM columns WHERE table_name = ?1");
  stmt table(db_, "DELETE FROM tables WHERE name = ?1");
  if (!cols.ok() || !table.ok()) return fail("dropping a table");
  cols.bind(1, name);
  table.bind(1, name);
  if (cols.step() != SQLITE_DONE || table.step() != SQLITE_DONE) return fail("dropping a table");
  if (sqlite3_changes(db_) == 0)
    return absl::NotFoundError(absl::StrCat("unknown table \"", av(name), "\""));
  if (tx.commit() != SQLITE_OK) return fail("dropping a table");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<stored_table>> table_store::read(std::string_view name) const {
  transaction tx(db_);  // one snapshot for both queries
  if (tx.begin(false) != SQLITE_OK) return fail("reading tables");
  std::vector<stored_table> out;
  stmt tables(db_, name.empty()
                       ? "SELECT name, location, format, header, delimiter, created_at FROM tables "
                         "ORDER BY name"
                       : "SELECT name, location, format, header, delimiter, created_at FROM tables "
                         "WHERE name = ?1");
  if (!tables.ok()) return fail("reading tables");
  if (!name.empty()) tables.bind(1, name);
  int rc;
  while ((rc = tables.step()) == SQLITE_ROW) {
    stored_table t;
    t.name = tables.text(0);
    t.location = tables.text(1);
    t.format = tables.text(2);
    t.header = tables.integer(3) != 0;
    const std::string d = tables.text(4);
    t.delimiter = d.size() == 1 ? d[0] : ',';
    t.created_at = tables.integer(5);
    out.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE) return fail("reading tables");
  for (stored_table& t : out) {
    stmt c(db_, "SELECT name, type, declared FROM columns WHERE table_name = ?1 ORDER BY ordinal");
    if (!c.ok()) return fail("reading tables");
    c.bind(1, t.name);
    while ((rc = c.step()) == SQLITE_ROW) {
      auto type = type_from_name(c.text(1));
      if (!type.ok())
        return absl::DataLossError(absl::StrCat("catalog ", path_, ": table \"", t.name,
                                                "\" column \"", c.text(0),
                                                "\": ", type.status().message()));
      t.columns.push_back({c.text(0), *type, c.text(2)});
    }
    if (rc != SQLITE_DONE) return fail("reading tables");
    if (t.columns.empty())
      return absl::DataLossError(
          absl::StrCat("catalog ", path_, ": table \"", t.name, "\" has no columns"));
  }
  return out;
}

absl::StatusOr<std::vector<stored_table>> table_store::list() const { return read({}); }

absl::StatusOr<std::optional<stored_table>> table_store::get(std::string_view name) const {
  if (name.empty()) return std::nullopt;
  auto found = read(name);
  if (!found.ok()) return found.status();
  if (found->empty()) return std::nullopt;
  return std::move(found->front());
}

}  // namespace tranche
