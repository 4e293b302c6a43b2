// One task as the head hands it to an executor, and what the executor reports
// back. The job actor builds task_specs from the plan; executors run them;
// plan_codec.h moves both across processes.
#pragma once

#include <cstdint>
#include <vector>

#include "plan/plan.h"

namespace tranche {

// A block one task wrote for one partition, held by an executor on `node`.
struct block_ref {
  uint64_t node = 0;
  uint64_t program = 0;
  uint32_t portion = 0;
  uint32_t task = 0;
  uint32_t partition = 0;
  friend bool operator==(const block_ref&, const block_ref&) = default;
};

// Run task `task` of `portion`; a shuffle portion reads `inputs`, the blocks
// its upstream portions wrote for partition `task`.
struct task_spec {
  uint64_t program = 0;
  portion_spec portion;
  uint32_t task = 0;
  std::vector<block_ref> inputs;
};

struct task_result {
  uint64_t rows = 0;
  uint64_t bytes = 0;
  std::vector<uint64_t> partition_rows;  // rows written per output partition
  uint64_t spilled_bytes = 0;            // written to spill files by its operators
  friend bool operator==(const task_result&, const task_result&) = default;
};

// A task of `program` that scans no files (one BIGINT column, no splits):
// it measures the cost of dispatching a task, and tests use it as a stand-in.
inline task_spec empty_scan_task(uint64_t program) {
  task_spec t;
  t.program = program;
  t.portion.name = "empty scan";
  t.portion.tasks = 1;
  t.portion.task_splits = {{}};
  t.portion.file_schema.fields = {field{"x", type_id::int64}};
  t.portion.columns = {0};
  t.portion.input_schema = t.portion.file_schema;
  t.portion.output = t.portion.file_schema;
  return t;
}

}  // namespace tranche
