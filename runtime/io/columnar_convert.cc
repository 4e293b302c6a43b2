// convert_csv_to_columnar (columnar.h), what `tranche convert` runs: each CSV
// file is read whole by csv_reader and written by a columnar_writer, files in
// parallel on every core. Outputs are staged in out_dir/.convert-<pid>/ and
// moved into out_dir only once every file converted, so an error (a bad row,
// a full disk) leaves nothing new behind.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <limits>
#include <map>

#include "absl/strings/str_cat.h"
#include "io/columnar.h"
#include "io/csv.h"
#include "io/gen_output.h"

namespace tranche {
namespace {

namespace fs = std::filesystem;

absl::Status fs_error(const std::string& what, const std::error_code& ec) {
  return absl::UnknownError(absl::StrCat(what, ": ", ec.message()));
}

// Converts one file; stops early, returning OK with a partial count, once
// another file failed (the caller then discards everything).
absl::Status convert_one(const std::string& csv, const std::string& out, const schema& s,
                         const convert_options& opts, const std::atomic<bool>& failed,
                         uint64_t* rows) {
  csv_options copts;
  copts.delimiter = opts.delimiter;
  copts.header = opts.header;
  copts.batch_rows = opts.rows_per_batch;  // whole batches go straight to the writer
  std::vector<int> all(s.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  auto reader =
      csv_reader::open(file_split{csv, 0, std::numeric_limits<uint64_t>::max()}, s, all, copts);
  if (!reader.ok()) return reader.status();
  auto writer = columnar_writer::create(out, s, opts.rows_per_batch);
  if (!writer.ok()) return writer.status();
  batch b;
  for (;;) {
    // The writer's destructor removes its temp file.
    if (failed.load(std::memory_order_relaxed)) return absl::OkStatus();
    auto more = (*reader)->next(&b);
    if (!more.ok()) return more.status();
    if (!*more) break;
    absl::Status st = (*writer)->append(b);
    if (!st.ok()) return st;
    *rows += b.rows;
  }
  return (*writer)->close();
}

}  // namespace

std::string columnar_file_name(const std::string& csv_path) {
  return fs::path(csv_path).stem().string() + ".tcol";
}

absl::StatusOr<uint64_t> convert_csv_to_columnar(const std::vector<std::string>& csv_files,
                                                 const schema& s, const std::string& out_dir,
                                                 const convert_options& opts) {
  if (csv_files.empty()) return absl::InvalidArgumentError("convert: no CSV files given");
  if (s.size() == 0) return absl::InvalidArgumentError("convert: empty schema");
  if (opts.rows_per_batch == 0 || opts.rows_per_batch > kMaxColumnarBatchRows) {
    return absl::InvalidArgumentError(absl::StrCat("convert: rows per batch must be in 1..",
                                                   kMaxColumnarBatchRows, ", got ",
                                                   opts.rows_per_batch));
  }
  std::map<std::string, std::string> names;  // output name -> input
  for (const std::string& f : csv_files) {
    auto [it, fresh] = names.emplace(columnar_file_name(f), f);
    if (!fresh) {
      return absl::InvalidArgumentError(
          absl::StrCat("convert: ", it->second, " and ", f, " would both become ", it->first));
    }
  }

  std::error_code ec;
  const bool existed = fs::exists(out_dir, ec);
  if (!existed && !fs::create_directories(out_dir, ec) && ec) return fs_error(out_dir, ec);
  if (!fs::is_directory(out_dir, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(out_dir, ": not a directory"));
  }
  const std::string staging = absl::StrCat(out_dir, "/.convert-", ::getpid());
  fs::remove_all(staging, ec);
  if (!fs::create_directory(staging, ec)) return fs_error(staging, ec);
  auto clean_up = [&] {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    if (!existed) fs::remove(out_dir, ignored);  // only if still empty
  };

  const size_t n = csv_files.size();
  std::vector<uint64_t> rows(n, 0);
  std::vector<absl::Status> results(n);
  std::atomic<bool> failed{false};
  absl::Status run = run_on_all_cores(n, [&](size_t i) {
    results[i] = convert_one(csv_files[i], staging + "/" + columnar_file_name(csv_files[i]), s,
                             opts, failed, &rows[i]);
    if (!results[i].ok()) failed = true;
    return absl::OkStatus();
  });
  if (!run.ok()) {
    clean_up();
    return run;
  }
  for (const absl::Status& st : results) {
    if (!st.ok()) {
      clean_up();
      return st;
    }
  }
  uint64_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    const std::string name = columnar_file_name(csv_files[i]);
    fs::rename(staging + "/" + name, out_dir + "/" + name, ec);
    if (ec) {
      absl::Status st = fs_error(absl::StrCat(out_dir, "/", name), ec);
      // Files moved already are complete conversions; take them back out so
      // the directory is all or nothing.
      for (size_t j = 0; j < i; ++j) {
        std::error_code ignored;
        fs::remove(out_dir + "/" + columnar_file_name(csv_files[j]), ignored);
      }
      clean_up();
      return st;
    }
    total += rows[i];
  }
  fs::remove(staging, ec);
  return total;
}

}  // namespace tranche
