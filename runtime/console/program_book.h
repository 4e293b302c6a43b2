// The head's book of programs, running and past, as the console shows them
// (tranchectl programs / program ID): fed by the job manager with what each
// job reports — accepted, planned, progress events, ended — it keeps each
// portion's state, tasks done, leases held and slot-seconds, and the
// program's capacity over time. A plain class: the job manager owns one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tranche/client.h"
#include "tranche/console.h"

namespace tranche {

class program_book {
 public:
  struct options {
    // Ended programs kept (the oldest go first); running ones always stay.
    size_t keep_ended = 1000;
    // Capacity samples kept per program: past it, every other one is merged
    // away, so a long program's chart keeps its shape at a bounded size.
    size_t max_samples = 1024;
  };
  // The text kept of a program's SQL.
  static constexpr size_t kMaxText = 4096;

  program_book() : program_book(options{}) {}
  explicit program_book(options o) : opts_(o) {}

  // A program was accepted at `unix_ms` (state planning).
  void submitted(uint64_t id, std::string queue, int32_t priority, std::string submitter,
                 std::string_view text, int64_t unix_ms);
  // Its plan: the portions with their names, inputs and task counts (state
  // running). Unknown ids are ignored, as in the calls below.
  void planned(uint64_t id, std::vector<portion_info> portions);
  // A progress event of the program (e.at: seconds since submission).
  void progress(const progress_event& e);
  // It ended at `unix_ms`: succeeded when `error` is empty, cancelled when
  // it is "cancelled" or the client went away, otherwise failed.
  void ended(uint64_t id, const std::string& error, int64_t unix_ms);
  // An ended program read back from the history (a head restart).
  void restore(program_info p);

  // Every program, newest first; a running one's wall time and slot-seconds
  // counted up to `now_unix_ms`. Without details: no portions, no samples.
  [[nodiscard]] std::vector<program_info> list(int64_t now_unix_ms, bool details = false) const;
  [[nodiscard]] std::optional<program_info> find(uint64_t id, int64_t now_unix_ms) const;
  // The largest id ever seen (a restarted head numbers on from it).
  [[nodiscard]] uint64_t max_id() const { return max_id_; }
  [[nodiscard]] size_t size() const { return programs_.size(); }

 private:
  struct portion_clock {
    double since = 0;  // when slots_held last changed (seconds since submission)
  };
  struct entry {
    program_info info;
    std::vector<portion_clock> clocks;
  };
  [[nodiscard]] program_info view(const entry& e, int64_t now_unix_ms, bool details) const;
  void sample(entry& e, double at);
  void forget_old();

  options opts_;
  std::map<uint64_t, entry> programs_;
  std::deque<uint64_t> ended_order_;  // oldest first
  uint64_t max_id_ = 0;
};

}  // namespace tranche
