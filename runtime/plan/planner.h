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
};

// Cuts `program` into portions:
//  - scan portion: file splits -> filter/project -> [partial aggregate, hash
//    sink on the group keys] or [local top-N / limit, single sink];
//  - final-aggregate portion (only with aggregation): shuffle read -> final
//    aggregate -> HAVING/project -> [local top-N], single sink;
//  - result portion (only with ORDER BY/LIMIT): one task merging the
//    upstream blocks -> sort/limit -> final project.
[[nodiscard]] absl::StatusOr<plan> make_plan(const logical_node& program,
                                             const planner_options& opts);

// A catalog of tables bound by name to a file glob (the CLI's --table
// NAME=GLOB): expands the glob and infers the schema from the first file.
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
