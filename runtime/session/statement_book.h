// A kernel's statements (actors/kernel.cc): each statement the session ran
// or will run, numbered 1, 2, 3 ... in submission order (its execution
// count, as Jupyter's In [n]), with its state and, once it ended, its output
// already written as the REST API's JSON. Statements run one at a time, in
// order. history() groups them by their code with how many times each ran.
// Plain C++; the kernel serializes access.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tranche/batch.h"

namespace tranche {

enum class statement_state : uint8_t { waiting, running, available, error, cancelled };

[[nodiscard]] std::string_view to_string(statement_state s);
[[nodiscard]] inline bool has_ended(statement_state s) {
  return s == statement_state::available || s == statement_state::error ||
         s == statement_state::cancelled;
}

struct statement_record {
  int64_t id = 0;
  std::string code;
  statement_state state = statement_state::waiting;
  double submitted = 0;     // unix seconds
  double started = 0;       // 0: not yet
  double completed = 0;     // 0: not yet
  std::string output_json;  // the "output" object once ended; empty before
};

struct statement_history_entry {
  std::string code;
  int64_t runs = 0;
  int64_t last_id = 0;
  statement_state last_state = statement_state::waiting;
};

class statement_book {
 public:
  // Keeps the newest `keep` statements (older ones leave the list, not the
  // history's counts).
  explicit statement_book(size_t keep = 500) : keep_(keep) {}

  int64_t add(std::string code, double now);
  [[nodiscard]] const statement_record* find(int64_t id) const;
  // The oldest waiting statement, now running.
  std::optional<statement_record> start_next(double now);
  // Ends a waiting or running statement; false if it had already ended.
  bool finish(int64_t id, statement_state state, std::string output_json, double now);
  [[nodiscard]] bool busy() const;  // a statement waits or runs
  [[nodiscard]] int64_t count() const { return next_ - 1; }
  [[nodiscard]] std::vector<statement_record> list() const;            // oldest first
  [[nodiscard]] std::vector<statement_history_entry> history() const;  // most runs first

 private:
  size_t keep_;
  int64_t next_ = 1;
  std::deque<statement_record> records_;
  std::map<std::string, statement_history_entry> history_;
};

// The REST API's "output" object for a statement's result: {"status": "ok",
// "columns": [...], "types": [...], "rows": [[...]], "row_count": N,
// "truncated": bool, "error": null}, keeping at most `max_rows` rows.
[[nodiscard]] std::string result_output_json(const schema& columns,
                                             const std::vector<batch>& batches, uint64_t row_count,
                                             int64_t max_rows);
// {"status": "error" or "cancelled", "columns": [], "types": [], "rows": [],
// "row_count": 0, "truncated": false, "error": message}
[[nodiscard]] std::string error_output_json(statement_state state, std::string_view message);
// One statement as the REST API shows it.
[[nodiscard]] std::string statement_json(const statement_record& s);

}  // namespace tranche
