// The head's history of ended programs, kept in an SQLite file so that
// `tranchectl programs` (and the HTTP API) still show them after the head
// restarts, and so that program ids are never reused. Each program is stored
// as its console record (schemas/console.capnp ProgramInfo) and pruned by
// count and by age.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tranche/console.h"

struct sqlite3;

namespace tranche {

class program_history {
 public:
  struct options {
    std::string path;
    size_t keep = 10'000;                             // programs; the oldest ends go first
    int64_t max_age_ms = int64_t{30} * 24 * 3600'000;  // 0: no age limit
  };
  // Opens or creates the file; refuses a file that is not a tranche history,
  // naming it.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<program_history>> open(options o);
  ~program_history();
  program_history(const program_history&) = delete;
  program_history& operator=(const program_history&) = delete;

  // Stores an ended program (again: replaces it), then prunes.
  absl::Status save(const program_info& p, int64_t now_unix_ms);
  // What is kept at `now_unix_ms` (pruned first), oldest end first. A record
  // that does not decode is skipped and counted in skipped().
  absl::StatusOr<std::vector<program_info>> load(int64_t now_unix_ms);
  // The largest program id ever saved, pruned or not (0: none).
  [[nodiscard]] absl::StatusOr<uint64_t> max_id();
  [[nodiscard]] size_t skipped() const { return skipped_; }

 private:
  program_history(options o, sqlite3* db) : opts_(std::move(o)), db_(db) {}
  absl::Status init();
  absl::Status prune(int64_t now_unix_ms);
  [[nodiscard]] absl::Status fail(const std::string& doing) const;

  options opts_;
  sqlite3* db_ = nullptr;
  size_t skipped_ = 0;
};

}  // namespace tranche
