// The physical plan: a DAG of portions. Each portion is a pipeline (source,
// steps, sink) run as `tasks` tasks, one per partition. A portion reads either
// file splits (a scan) or the blocks its input portions produced for its
// partition (a shuffle read). The planner builds it; the job actor schedules
// it; executors run one task of it at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exec/expr.h"
#include "io/csv.h"
#include "plan/logical.h"
#include "tranche/types.h"

namespace tranche {

enum class step_kind : uint8_t {
  filter,
  project,
  partial_aggregate,
  final_aggregate,
  sort,
  limit,
  hash_join,   // probe: the rows flowing in; build: the blocks of portion `build_input`
  single_row,  // exactly one row: NULLs for none, an error for more (scalar subquery)
  write,       // COPY ... TO: the rows flowing in go to this task's file under `path`
};

struct pipeline_step {
  step_kind kind = step_kind::filter;
  schema output;
  expr_ptr predicate;                     // filter
  std::vector<expr_ptr> exprs;            // project; partial_aggregate: group keys
  std::vector<aggregate_call> aggregates; // partial/final aggregate
  int num_keys = 0;                       // final_aggregate
  std::vector<sort_key> keys;             // sort
  int64_t limit = -1;                     // sort (top-N) and limit
  // hash_join: output = flowing columns ++ build columns (inner, left) or the
  // flowing columns (semi, anti); `predicate` is the residual condition over
  // flowing ++ build columns. The build side is every block of portion
  // `build_input` this task reads (its partition, or all of a broadcast).
  join_type join = join_type::inner;
  std::vector<int> probe_keys;
  std::vector<int> build_keys;
  schema build_schema;
  int build_input = -1;
  // write: the directory the task's file goes to (the program's staging
  // directory, committed by the job when every task succeeded) and its format.
  std::string path;
  csv_format file_format;
};

enum class source_kind : uint8_t { scan, shuffle };
enum class sink_kind : uint8_t { hash, single };

struct portion_spec {
  int id = 0;
  std::string name;  // e.g. "scan t + partial aggregate"

  source_kind source = source_kind::scan;
  // scan
  schema file_schema;
  std::vector<int> columns;
  csv_format format;
  std::vector<std::vector<file_split>> task_splits;  // one entry per task
  // Upstream portions, all complete before this one starts. A shuffle source
  // streams those that are not a join's build side; their sinks have `tasks`
  // partitions and task t reads partition t of each. A broadcast input has one
  // partition, which every task reads whole (a join's small side).
  std::vector<int> inputs;
  std::vector<int> broadcast_inputs;  // a subset of inputs
  schema input_schema;                // shuffle: the streamed inputs' schema

  std::vector<pipeline_step> steps;
  schema output;

  sink_kind sink = sink_kind::single;
  std::vector<int> partition_keys;  // hash: columns of `output`
  int partitions = 1;               // hash: the consumer's task count

  int tasks = 1;
  // Capacity asked: up to `tasks` slots (at least 1), each with this memory.
  int64_t memory_per_task = 64ll << 20;
};

struct plan {
  std::vector<portion_spec> portions;  // topological order; the last is the result
  schema result;
};

// Renders the plan for `--explain`: one block per portion with its tasks,
// source, steps, sink partitioning and capacity asked.
[[nodiscard]] std::string explain(const plan& p);

}  // namespace tranche
