// Implementation of copy_plan.h.
#include "plan/copy_plan.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <system_error>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "exec/write_files.h"

namespace tranche {
namespace {

namespace fs = std::filesystem;

constexpr char kStagingMark[] = ".tranche-staging-";

absl::Status fs_error(const std::string& what, const std::error_code& ec) {
  return absl::InternalError(absl::StrCat(what, ": ", ec.message()));
}

}  // namespace

std::string copy_staging_dir(const std::string& target, uint64_t id) {
  const fs::path t(target);
  return (t.parent_path() / absl::StrFormat(".%s%s%016x", t.filename().string(), kStagingMark, id))
      .string();
}

std::optional<std::string> copy_target_of(const std::string& staging_dir) {
  const fs::path s(staging_dir);
  const std::string name = s.filename().string();
  const size_t mark = name.rfind(kStagingMark);
  if (name.size() < 2 || name[0] != '.' || mark == std::string::npos || mark < 2)
    return std::nullopt;
  return (s.parent_path() / name.substr(1, mark - 1)).string();
}

absl::Status check_copy_target(const std::string& target) {
  std::error_code ec;
  const auto st = fs::status(target, ec);
  if (st.type() == fs::file_type::not_found) return absl::OkStatus();
  if (ec) return fs_error(target, ec);
  if (!fs::is_directory(st))
    return absl::FailedPreconditionError(
        absl::StrCat("COPY target '", target, "' exists and is not a directory"));
  if (!fs::is_empty(target, ec) || ec)
    return absl::FailedPreconditionError(
        absl::StrCat("COPY target '", target, "' exists and is not empty"));
  return absl::OkStatus();
}

absl::Status add_copy_sink(plan& p, const std::string& staging_dir, csv_format fmt) {
  if (p.portions.empty()) return absl::InvalidArgumentError("COPY: the query's plan is empty");
  if (staging_dir.empty()) return absl::InvalidArgumentError("COPY: no staging directory");
  portion_spec& last = p.portions.back();
  if (last.sink != sink_kind::single)
    return absl::InternalError("COPY: the result portion does not end in a single sink");
  pipeline_step w;
  w.kind = step_kind::write;
  w.output = write_files_output();
  w.path = staging_dir;
  w.file_format = fmt;
  last.steps.push_back(std::move(w));
  last.output = write_files_output();
  p.result = write_files_output();
  return absl::OkStatus();
}

const pipeline_step* find_copy_step(const plan& p) {
  if (p.portions.empty() || p.portions.back().steps.empty()) return nullptr;
  const pipeline_step& s = p.portions.back().steps.back();
  return s.kind == step_kind::write ? &s : nullptr;
}

schema copy_result_schema() {
  return schema{{field{"rows", type_id::int64}, field{"files", type_id::int64},
                 field{"path", type_id::string}}};
}

absl::StatusOr<copy_summary> commit_copy(const std::string& staging_dir,
                                         const std::vector<written_file>& files) {
  auto target = copy_target_of(staging_dir);
  if (!target)
    return absl::InternalError(absl::StrCat("'", staging_dir, "' is no staging directory"));
  copy_summary out;
  out.path = *target;
  std::set<std::string> names;
  for (const auto& f : files) {
    const fs::path p(f.path);
    if (p.parent_path() != fs::path(staging_dir))
      return absl::InternalError(
          absl::StrCat("a task reported '", f.path, "', outside '", staging_dir, "'"));
    // A task run twice (its output lost with a node) reports its file twice.
    if (names.insert(p.filename().string()).second) out.rows += f.rows;
  }
  out.files = static_cast<int64_t>(names.size());
  std::error_code ec;
  std::vector<fs::path> stale;
  for (fs::directory_iterator it(staging_dir, ec), end; !ec && it != end; it.increment(ec))
    if (names.erase(it->path().filename().string()) == 0) stale.push_back(it->path());
  if (ec) return fs_error(staging_dir, ec);
  if (!names.empty())
    return absl::InternalError(
        absl::StrCat("COPY: '", staging_dir, "/", *names.begin(), "' is missing at commit"));
  for (const auto& s : stale) fs::remove_all(s, ec);
  fs::create_directories(fs::path(*target).parent_path(), ec);
  if (ec) return fs_error(fs::path(*target).parent_path().string(), ec);
  // The commit point: the target appears whole. rename(2) replaces an empty
  // directory and refuses a non-empty one.
  if (::rename(staging_dir.c_str(), target->c_str()) != 0) {
    const int err = errno;
    if (err == ENOTEMPTY || err == EEXIST)
      return absl::FailedPreconditionError(
          absl::StrCat("COPY target '", *target, "' exists and is not empty"));
    if (err == ENOTDIR)
      return absl::FailedPreconditionError(
          absl::StrCat("COPY target '", *target, "' exists and is not a directory"));
    return absl::InternalError(absl::StrCat("COPY: renaming '", staging_dir, "' to '", *target,
                                            "': ", std::strerror(err)));
  }
  // Make the rename durable.
  const std::string parent = fs::path(*target).parent_path().string();
  if (const int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
    (void)::fsync(fd);
    ::close(fd);
  }
  return out;
}

void abort_copy(const std::string& staging_dir) {
  // First move the directory out of the tasks' way: a straggling attempt
  // (cancelled, still ending on an executor) can then no longer create a file
  // in it, except one whose open(2) had already begun; the retries get that.
  std::string doomed = absl::StrCat(staging_dir, ".aborted");
  if (::rename(staging_dir.c_str(), doomed.c_str()) != 0) doomed = staging_dir;
  std::error_code ec;
  for (int attempt = 0; attempt < 5; ++attempt) {
    fs::remove_all(doomed, ec);
    if (!ec && !fs::exists(doomed, ec)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace tranche
