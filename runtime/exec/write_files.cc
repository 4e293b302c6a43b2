// Implementation of the COPY write operator (see write_files.h).
#include "exec/write_files.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "io/columnar.h"
#include "io/csv_writer.h"
#include "io/mapped_file.h"

namespace tranche {
namespace {

// A per-attempt suffix: unique between attempts in one process (the counter)
// and between processes sharing the staging directory (the random part).
std::string attempt_suffix() {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t seed = [] {
    std::random_device rd;
    return (uint64_t{rd()} << 32) ^ rd() ^ static_cast<uint64_t>(::getpid());
  }();
  return absl::StrFormat("%016x-%d", seed, counter.fetch_add(1));
}

class write_files_operator final : public physical_operator {
 public:
  explicit write_files_operator(write_files_spec spec) : spec_(std::move(spec)) {
    const std::string name = write_file_name(spec_.task, spec_.format.columnar);
    final_path_ = absl::StrCat(spec_.dir, "/", name);
    attempt_path_ = absl::StrCat(spec_.dir, "/.", name, ".", attempt_suffix(), ".tmp");
  }

  ~write_files_operator() override {
    // Not finished: an error, a cancel or a revoked lease. The writers remove
    // their own files; a columnar writer closes to attempt_path_, removed here.
    csv_.reset();
    columnar_.reset();
    if (!done_ && opened_) ::unlink(attempt_path_.c_str());
  }

  absl::Status push(batch in, const emit_fn&) override {
    if (!error_.ok()) return error_;
    if (auto s = open(); !s.ok()) return error_ = s;
    rows_ += in.rows;
    if (in.rows == 0) return absl::OkStatus();
    error_ = csv_ ? csv_->append(in) : columnar_->append(in);
    return error_;
  }

  absl::Status finish(const emit_fn& emit) override {
    // After an error the file is incomplete: it never gets the final name.
    if (!error_.ok()) return error_;
    if (auto s = open(); !s.ok()) return s;  // a task with no rows still writes its file
    absl::Status st = csv_ ? csv_->close() : columnar_->close();
    if (!st.ok()) return st;
    if (::rename(attempt_path_.c_str(), final_path_.c_str()) != 0)
      return errno_status(final_path_, errno);
    done_ = true;
    batch out;
    out.schema = write_files_output();
    auto file = std::make_shared<column>(type_id::string);
    file->append_string(final_path_);
    auto rows = std::make_shared<column>(type_id::int64);
    rows->append_int(static_cast<int64_t>(rows_));
    out.columns = {file, rows};
    out.rows = 1;
    return emit(std::move(out));
  }

 private:
  absl::Status open() {
    if (opened_) return absl::OkStatus();
    opened_ = true;
    if (spec_.format.columnar) {
      auto w = columnar_writer::create(attempt_path_, spec_.input);
      if (!w.ok()) return w.status();
      columnar_ = *std::move(w);
    } else {
      csv_write_options opts;
      opts.delimiter = spec_.format.delimiter;
      opts.header = spec_.format.header;
      auto w = csv_file_writer::create(attempt_path_, spec_.input, opts);
      if (!w.ok()) return w.status();
      csv_ = *std::move(w);
    }
    return absl::OkStatus();
  }

  write_files_spec spec_;
  std::string final_path_, attempt_path_;
  std::unique_ptr<csv_file_writer> csv_;
  std::unique_ptr<columnar_writer> columnar_;
  uint64_t rows_ = 0;
  absl::Status error_;
  bool opened_ = false;
  bool done_ = false;
};

}  // namespace

std::string write_file_name(uint32_t task, bool columnar) {
  return absl::StrFormat("part-%05u.%s", task, columnar ? "tcol" : "csv");
}

schema write_files_output() {
  return schema{{field{"file", type_id::string}, field{"rows", type_id::int64}}};
}

operator_ptr make_write_files(write_files_spec spec) {
  return std::make_unique<write_files_operator>(std::move(spec));
}

}  // namespace tranche
