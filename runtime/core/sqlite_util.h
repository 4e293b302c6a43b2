// The SQLite C API in the small doses the catalog (catalog/table_store.cc)
// and the program history (console/program_history.cc) need: a prepared
// statement finalized on scope exit, a transaction rolled back unless
// committed, and reading one integer. Header-only: the areas that include it
// link SQLite themselves.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tranche::sqlite {

class stmt {
 public:
  stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~stmt() { sqlite3_finalize(s_); }
  stmt(const stmt&) = delete;
  stmt& operator=(const stmt&) = delete;
  [[nodiscard]] bool ok() const { return rc_ == SQLITE_OK; }
  void bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void bind_blob(int i, const std::vector<char>& b) {
    sqlite3_bind_blob(s_, i, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(s_); }
  [[nodiscard]] std::string text(int col) const {
    const unsigned char* p = sqlite3_column_text(s_, col);
    return p == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(p),
                                      static_cast<size_t>(sqlite3_column_bytes(s_, col)));
  }
  [[nodiscard]] int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  [[nodiscard]] std::vector<char> blob(int col) const {
    const char* p = static_cast<const char*>(sqlite3_column_blob(s_, col));
    return p == nullptr ? std::vector<char>()
                        : std::vector<char>(p, p + sqlite3_column_bytes(s_, col));
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_OK;
};

// A transaction rolled back unless committed.
class transaction {
 public:
  explicit transaction(sqlite3* db) : db_(db) {}
  ~transaction() {
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  // IMMEDIATE takes the write lock up front (waiting up to the busy
  // timeout), so two writers never deadlock upgrading a read lock.
  int begin(bool write) {
    int rc = sqlite3_exec(db_, write ? "BEGIN IMMEDIATE" : "BEGIN", nullptr, nullptr, nullptr);
    open_ = rc == SQLITE_OK;
    return rc;
  }
  int commit() {
    int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) open_ = false;
    return rc;
  }

 private:
  sqlite3* db_;
  bool open_ = false;
};

// The first column of the first row of `sql` (a PRAGMA, a count).
inline bool read_integer(sqlite3* db, const char* sql, int64_t* out) {
  stmt s(db, sql);
  if (!s.ok() || s.step() != SQLITE_ROW) return false;
  *out = s.integer(0);
  return true;
}

}  // namespace tranche::sqlite
