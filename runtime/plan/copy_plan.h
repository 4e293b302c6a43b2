// COPY (SELECT ...) TO 'dir': the plan hook and the commit. The planner
// (actors/planner.cc) plans the query as usual, checks the target with
// check_copy_target and appends a write step with add_copy_sink; the job actor
// (actors/job.cc) creates the staging directory before the first task, and at
// the end commits (commit_copy) or throws the output away (abort_copy).
//
// Atomicity: every task writes its file into a staging directory next to the
// target, `<parent>/.<name>.tranche-staging-<id>`, and the commit is one
// rename(2) of that directory onto the target (absent, or an empty
// directory), so the files appear all at once or not at all. Assumption: the
// staging directory is on a file system every node mounts at the same path
// (as Spark's output committer assumes); on an embedded cluster it is local.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "plan/plan.h"

namespace tranche {

// The staging directory of a COPY to `target` (an absolute, normalized path
// without a trailing '/'), and back.
[[nodiscard]] std::string copy_staging_dir(const std::string& target, uint64_t id);
[[nodiscard]] std::optional<std::string> copy_target_of(const std::string& staging_dir);

// OK when `target` is absent or an empty directory; else FailedPrecondition
// "COPY target '<target>' exists and is not empty" (or "is not a directory").
[[nodiscard]] absl::Status check_copy_target(const std::string& target);

// Appends a write step to the last portion: each of its tasks writes its rows
// to one file under `staging_dir` and yields one row (file VARCHAR, rows
// BIGINT), which becomes the portion's output and the plan's result.
[[nodiscard]] absl::Status add_copy_sink(plan& p, const std::string& staging_dir, csv_format fmt);

// The write step of a COPY plan (in its last portion), or null for a query.
[[nodiscard]] const pipeline_step* find_copy_step(const plan& p);

// What a COPY returns to the client: one row.
[[nodiscard]] schema copy_result_schema();  // rows BIGINT, files BIGINT, path VARCHAR

struct copy_summary {
  int64_t rows = 0;
  int64_t files = 0;
  std::string path;  // the target
};

// One task's file as its write step reported it.
struct written_file {
  std::string path;
  int64_t rows = 0;
};

// Moves the staging directory into place: removes whatever in it is not a
// reported file (a lost attempt's leftovers), checks every reported file is
// there, creates the target's parents, and renames the staging directory
// onto the target. On error the staging directory is left for abort_copy.
[[nodiscard]] absl::StatusOr<copy_summary> commit_copy(const std::string& staging_dir,
                                                       const std::vector<written_file>& files);

// Removes the staging directory and everything in it (best effort, retried:
// a straggling task attempt may still be creating a file in it).
void abort_copy(const std::string& staging_dir);

}  // namespace tranche
