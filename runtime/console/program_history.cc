// Implementation of program_history.h over the SQLite C API. Schema, version 1:
//   programs(id INTEGER PK, ended_unix_ms, record BLOB)   the console records
//   meta(key TEXT PK, value INTEGER)                        'max_id'
// Marked as tranche's with PRAGMA application_id ("trnh") and versioned with
// PRAGMA user_version, as the catalog is.
#include "console/program_history.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "console/console_codec.h"
#include "core/sqlite_util.h"

namespace tranche {
namespace {

constexpr int kApplicationId = 0x74726e68;  // "trnh"
constexpr int kSchemaVersion = 1;
constexpr int kBusyTimeoutMs = 10'000;

using sqlite::stmt;

}  // namespace

absl::StatusOr<std::unique_ptr<program_history>> program_history::open(options o) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(o.path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status s = absl::UnavailableError(absl::StrCat(
        "history ", o.path, ": cannot open: ", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);
    return s;
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  std::unique_ptr<program_history> h(new program_history(std::move(o), db));
  if (auto s = h->init(); !s.ok()) return s;
  return h;
}

program_history::~program_history() { sqlite3_close(db_); }

absl::Status program_history::fail(const std::string& doing) const {
  return absl::InternalError(
      absl::StrCat("history ", opts_.path, ": ", doing, ": ", sqlite3_errmsg(db_)));
}

absl::Status program_history::init() {
  if (sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) != SQLITE_OK)
    return fail("opening");
  sqlite3_exec(db_, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
  auto pragma = [&](const char* sql, int64_t* out) { return sqlite::read_integer(db_, sql, out); };
  int64_t version = 0, app = 0, objects = 0;
  if (!pragma("PRAGMA user_version", &version) || !pragma("PRAGMA application_id", &app) ||
      !pragma("SELECT count(*) FROM sqlite_master", &objects))
    return fail("reading the schema");
  if ((app != 0 && app != kApplicationId) || (app == 0 && objects != 0))
    return absl::FailedPreconditionError(
        absl::StrCat("history ", opts_.path, ": not a tranche program history"));
  if (version > kSchemaVersion)
    return absl::FailedPreconditionError(
        absl::StrCat("history ", opts_.path, ": schema version ", version,
                     " was written by a newer tranche (this one reads up to ", kSchemaVersion,
                     ")"));
  if (version == kSchemaVersion) return absl::OkStatus();
  const std::string ddl = absl::StrCat(
      "BEGIN IMMEDIATE;"
      "CREATE TABLE programs (id INTEGER PRIMARY KEY, ended_unix_ms INTEGER NOT NULL,"
      "  record BLOB NOT NULL);"
      "CREATE INDEX programs_by_end ON programs (ended_unix_ms);"
      "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
      "PRAGMA application_id = ",
      kApplicationId, "; PRAGMA user_version = ", kSchemaVersion, "; COMMIT;");
  if (sqlite3_exec(db_, ddl.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    absl::Status s = fail("creating the schema");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return s;
  }
  return absl::OkStatus();
}

absl::Status program_history::save(const program_info& p, int64_t now_unix_ms) {
  {
    stmt s(db_, "INSERT OR REPLACE INTO programs (id, ended_unix_ms, record) VALUES (?1, ?2, ?3)");
    if (!s.ok()) return fail("saving a program");
    s.bind(1, static_cast<int64_t>(p.id));
    s.bind(2, p.ended_unix_ms);
    s.bind_blob(3, encode_program_info(p));
    if (s.step() != SQLITE_DONE) return fail(absl::StrCat("saving program ", p.id));
  }
  {
    stmt s(db_,
           "INSERT INTO meta (key, value) VALUES ('max_id', ?1) "
           "ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)");
    if (!s.ok()) return fail("saving the largest id");
    s.bind(1, static_cast<int64_t>(p.id));
    if (s.step() != SQLITE_DONE) return fail("saving the largest id");
  }
  return prune(now_unix_ms);
}

absl::Status program_history::prune(int64_t now_unix_ms) {
  if (opts_.max_age_ms > 0) {
    stmt s(db_, "DELETE FROM programs WHERE ended_unix_ms < ?1");
    if (!s.ok()) return fail("pruning by age");
    s.bind(1, now_unix_ms - opts_.max_age_ms);
    if (s.step() != SQLITE_DONE) return fail("pruning by age");
  }
  stmt s(db_,
         "DELETE FROM programs WHERE id NOT IN "
         "(SELECT id FROM programs ORDER BY ended_unix_ms DESC, id DESC LIMIT ?1)");
  if (!s.ok()) return fail("pruning by count");
  s.bind(1, static_cast<int64_t>(opts_.keep));
  if (s.step() != SQLITE_DONE) return fail("pruning by count");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<program_info>> program_history::load(int64_t now_unix_ms) {
  if (auto s = prune(now_unix_ms); !s.ok()) return s;
  stmt s(db_, "SELECT id, record FROM programs ORDER BY ended_unix_ms, id");
  if (!s.ok()) return fail("reading");
  std::vector<program_info> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    const std::vector<char> b = s.blob(1);
    auto p = decode_program_info(b.data(), b.size());
    if (!p.ok() || p->id != static_cast<uint64_t>(s.integer(0)) || !has_ended(p->state)) {
      ++skipped_;
      continue;
    }
    out.push_back(*std::move(p));
  }
  if (rc != SQLITE_DONE) return fail("reading");
  return out;
}

absl::StatusOr<uint64_t> program_history::max_id() {
  stmt s(db_, "SELECT value FROM meta WHERE key = 'max_id'");
  if (!s.ok()) return fail("reading the largest id");
  const int rc = s.step();
  if (rc == SQLITE_DONE) return uint64_t{0};
  if (rc != SQLITE_ROW) return fail("reading the largest id");
  return static_cast<uint64_t>(s.integer(0));
}

}  // namespace tranche
