// The planner's rules as a plain class: turns a logical program into a plan of
// portions cut at shuffle boundaries, sizes each portion (tasks, memory per
// task) and splits its input files. The planner actor only wraps it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "plan/logical.h"
#include "plan/plan.h"
#include "sql/sql.h"

namespace tranche {

struct planner_options {
  int parallelism = 2;                    // shuffle partitions (usually the cluster's slots)
  uint64_t split_bytes = 32ull << 20;     // target bytes of CSV per scan task
  int64_t memory_per_task = 256ll << 20;  // memory asked per task slot
  // A join whose smaller side is estimated at most this many bytes (in
  // memory) sends that side whole to every task of the other (broadcast);
  // larger ones shuffle both sides by the join keys.
  int64_t broadcast_bytes = 32ll << 20;
};

// Cuts `program` into portions at every shuffle:
//  - a scan portion per table read: file splits -> filters, projects, and
//    the probe side of broadcast joins;
//  - an aggregate ends its portion with a partial aggregate and a hash sink
//    on the group keys (one partition without keys); a final-aggregate
//    portion reads it;
//  - a join broadcasts its smaller side (by estimate_size, at most
//    broadcast_bytes) to the other side's portion, or hash-partitions both
//    sides on the keys into a shuffle-join portion;
//  - ORDER BY / LIMIT keep a local top-N per task and merge in one task;
//  - UNION ALL reads its inputs' partitions in one portion.
[[nodiscard]] absl::StatusOr<plan> make_plan(const logical_node& program,
                                             const planner_options& opts);

// A catalog of tables bound by name to a file glob (the CLI's --table
// NAME=GLOB): expands the glob and infers the schema from the first file.
// Files all named *.tcol are columnar, whatever `fmt` says; with
// fmt.columnar set (a session's temporary table) they must be.
class binding_catalog : public catalog {
 public:
  // Expands `glob` now; errors name the table and the glob.
  absl::Status bind(const std::string& name, const std::string& glob, csv_format fmt = {});
  absl::StatusOr<table_info> lookup(std::string_view name) const override;
  std::vector<std::string> names() const override;

 private:
  std::vector<table_info> tables_;
};

}  // namespace tranche
