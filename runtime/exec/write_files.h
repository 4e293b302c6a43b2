// The write operator of COPY (SELECT ...) TO 'dir': the last step of the
// result portion (plan step_kind::write). Each task writes every row flowing
// in to one file of the program's staging directory, `part-<task>.csv` or
// `part-<task>.tcol`, and emits one row (file path, rows written). The job
// actor moves the staging directory into place once every task succeeded
// (plan/copy_plan.h). build_pipeline (plan/task_runner.cc) creates it.
//
// A task attempt writes to a hidden name of its own (`.part-<task>.<ext>.<random>.tmp`)
// and renames it to the final name only in finish(): an attempt that fails,
// is cancelled or is revoked (the operator destroyed before finish) removes
// its file and never leaves half a file under the final name; a rerun of the
// same task replaces the file whole.
#pragma once

#include <cstdint>
#include <string>

#include "exec/operators.h"
#include "plan/logical.h"
#include "tranche/types.h"

namespace tranche {

struct write_files_spec {
  std::string dir;    // the staging directory; it must exist (the job creates it)
  csv_format format;  // columnar, or CSV with its delimiter and header
  schema input;       // the rows written (CSV header names)
  uint32_t task = 0;
};

// "part-00003.csv" / "part-00003.tcol": zero-padded so that names sort by task.
[[nodiscard]] std::string write_file_name(uint32_t task, bool columnar);

// The operator's output: one row per task.
[[nodiscard]] schema write_files_output();

[[nodiscard]] operator_ptr make_write_files(write_files_spec spec);

}  // namespace tranche
