// What an operator sees of a cluster (cluster::nodes, cluster::programs,
// cluster::program; tranchectl): its nodes as the broker's ledger holds them,
// and its programs — running and past — with each portion's state and the
// capacity the program held over time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tranche/queues.h"

namespace tranche {

enum class program_state : uint8_t { planning, running, succeeded, failed, cancelled };
enum class portion_state : uint8_t { waiting, running, done };

[[nodiscard]] std::string_view to_string(program_state s);
[[nodiscard]] std::string_view to_string(portion_state s);
[[nodiscard]] inline bool has_ended(program_state s) {
  return s == program_state::succeeded || s == program_state::failed ||
         s == program_state::cancelled;
}

struct portion_info {
  int32_t id = 0;
  std::string name;             // "scan lineitem + partial aggregate"
  std::vector<int32_t> inputs;  // the portions it reads (the plan's DAG)
  portion_state state = portion_state::waiting;
  int32_t tasks_done = 0;
  int32_t tasks_total = 0;
  int32_t slots_held = 0;
  int32_t peak_slots = 0;
  double slot_seconds = 0;  // leases held × seconds
  double started = -1;      // seconds since the program was submitted; -1: not yet
  double finished = -1;
  int32_t retries = 0;
  uint64_t spilled_bytes = 0;
};

// After the change at `at` seconds since submission the program held `slots`.
struct capacity_sample {
  double at = 0;
  int32_t slots = 0;
};

struct program_info {
  uint64_t id = 0;
  program_state state = program_state::planning;
  std::string queue;
  int32_t priority = 0;
  std::string submitter;  // user@host as the client said
  std::string text;       // the SQL, cut at 4 KiB
  int64_t submitted_unix_ms = 0;
  int64_t ended_unix_ms = 0;  // 0: not ended
  double wall_seconds = 0;    // so far while it runs
  double slot_seconds = 0;
  int32_t slots_held = 0;
  std::string error;  // failed or cancelled: why
  std::vector<portion_info> portions;
  std::vector<capacity_sample> capacity;
};

struct node_info {
  uint64_t id = 0;
  bool draining = false;
  capacity registered;
  capacity free;
  int64_t leases = 0;
};

}  // namespace tranche
