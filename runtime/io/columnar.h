// tranche's own columnar files (.tcol, layout in schemas/columnar.capnp):
// batches of up to 64Ki rows stored column by column as framed Cap'n Proto
// messages, with per-batch per-column min/max/NULL counts in a footer so a
// scan can skip batches without reading them. `tranche convert` writes them
// from CSV (convert_csv_to_columnar); the planner cuts scans into
// columnar_splits and the scan task reads batches with columnar_reader.
// Files are untrusted input: a truncated, corrupt or foreign file is an
// InvalidArgument error naming the file and what is wrong, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tranche/batch.h"
#include "tranche/types.h"

namespace tranche {

class mapped_file;

// Largest rows_per_batch a writer accepts (a column blob stays below
// Cap'n Proto's 512 MiB limit with room to spare).
inline constexpr size_t kMaxColumnarBatchRows = size_t{1} << 22;
// Strings longer than this are cut (prefix for min, incremented prefix for
// max) in the statistics; skipping stays correct (see columnar.capnp).
inline constexpr size_t kColumnarStatsPrefix = 64;

// The byte layout's constants (see schemas/columnar.capnp).
namespace columnar_format {
inline constexpr char kHeadMagic[9] = "TRCOLUMN";  // bytes 0..7, then uint32 version, uint32 0
inline constexpr char kTailMagic[9] = "TRCOLEND";  // the last 8 bytes, after uint64 footer length
inline constexpr uint32_t kVersion = 1;
inline constexpr size_t kHeaderBytes = 16;
inline constexpr size_t kTrailerBytes = 16;
// A batch's string column holds at most this many characters (longer slices
// are written as several batches).
inline constexpr size_t kMaxChunkChars = size_t{256} << 20;
}  // namespace columnar_format

// Statistics of one column in one batch. When has_min_max, every non-NULL
// value v satisfies min <= v <= max (min and max hold the column's value
// type: int64_t, double, bool, std::string or date_value). It is false when
// every row is NULL, for a float64 batch holding a NaN, and for a string
// batch whose greatest value starts with 64 bytes 0xFF.
struct column_stats {
  value min, max;
  uint64_t nulls = 0;
  bool has_min_max = false;
};

struct columnar_batch_info {
  uint64_t offset = 0, length = 0, rows = 0;  // bytes in the file; rows in the batch
  std::vector<column_stats> stats;            // one per file schema field
};

// Writes one .tcol file: to `path.tmp-<pid>`, renamed to `path` by close().
class columnar_writer {
 public:
  static absl::StatusOr<std::unique_ptr<columnar_writer>> create(const std::string& path,
                                                                 const schema& s,
                                                                 size_t rows_per_batch = 65536);
  // Appends rows (any count; re-chunked into rows_per_batch). The batch's
  // column count and types must match the schema (names are not compared).
  // After an error the writer is failed: close() returns the error.
  absl::Status append(const batch& b);
  // Writes the last batch and the footer, fsyncs, renames into place.
  absl::Status close();
  ~columnar_writer();  // without a successful close(): removes the temp file
  columnar_writer(const columnar_writer&) = delete;
  columnar_writer& operator=(const columnar_writer&) = delete;

  [[nodiscard]] const std::string& temp_path() const { return tmp_path_; }

 private:
  columnar_writer(std::string path, std::string tmp_path, int fd, schema s, size_t rows_per_batch);
  absl::Status write_slice(const batch& b, size_t begin, size_t n);
  absl::Status write_bytes(const void* p, size_t n);
  absl::Status flush_pending();
  void abandon();

  std::string path_, tmp_path_;
  int fd_ = -1;
  schema schema_;
  size_t rows_per_batch_;
  uint64_t offset_ = 0;  // bytes written so far
  uint64_t total_rows_ = 0;
  std::vector<columnar_batch_info> batches_;
  batch pending_;  // fewer than rows_per_batch rows waiting for more
  std::vector<std::shared_ptr<column>> pending_cols_;
  absl::Status error_;
  bool closed_ = false;
};

// Reads a .tcol file: open() maps it and checks the header, trailer, footer
// and every batch's place; read() decodes one batch and checks it.
class columnar_reader {
 public:
  static absl::StatusOr<std::unique_ptr<columnar_reader>> open(const std::string& path);
  // As open(), and also fails unless the file's schema has exactly the
  // expected column count and types (names are not compared): `t.tcol: column
  // 3 "l_quantity" is DOUBLE in the file, expected BIGINT`.
  static absl::StatusOr<std::unique_ptr<columnar_reader>> open(const std::string& path,
                                                               const schema& expected);
  ~columnar_reader();
  columnar_reader(const columnar_reader&) = delete;
  columnar_reader& operator=(const columnar_reader&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const schema& file_schema() const { return schema_; }
  [[nodiscard]] size_t num_batches() const { return batches_.size(); }
  [[nodiscard]] uint64_t total_rows() const { return total_rows_; }
  [[nodiscard]] uint64_t file_size() const;
  [[nodiscard]] const columnar_batch_info& batch_info(size_t i) const { return batches_[i]; }
  // Reads batch i, only `columns` (indices into file_schema, output in that
  // order; repeats allowed). Thread-safe: the reader is immutable after open.
  absl::Status read(size_t i, const std::vector<int>& columns, batch* out) const;
  // Hints that batches [first, first + count) are read next (readahead).
  void will_read(size_t first, size_t count) const;

 private:
  columnar_reader() = default;
  absl::Status load();

  std::string path_;
  std::unique_ptr<mapped_file> file_;
  schema schema_;
  uint64_t total_rows_ = 0;
  std::vector<columnar_batch_info> batches_;
};

// The comparisons a scan can test against batch statistics. (Its own enum:
// io does not depend on exec; the planner maps expr_op eq..ge onto it.)
enum class bound_op : uint8_t { eq, ne, lt, le, gt, ge };

// A conjunct `column op constant`, column an index into the FILE schema.
// Constants compare like the executor: int64 and float64 with each other
// exactly, date with date, string with string bytewise, boolean with boolean.
struct column_bound {
  int column = 0;
  bound_op op = bound_op::eq;
  value constant;
};

// False when no row of the batch can satisfy every bound (so the scan skips
// it). NULL rows never satisfy a bound; a NULL constant satisfies nothing.
// A bound it cannot judge (column out of range, types that do not compare,
// no statistics) keeps the batch.
[[nodiscard]] bool may_match(const columnar_batch_info& info,
                             const std::vector<column_bound>& bounds);

// A columnar scan task's input: batches [first, first + count) of one file.
struct columnar_split {
  std::string path;
  size_t first = 0, count = 0;
};

// Groups each file's consecutive batches into splits of about target_bytes
// (a split never crosses files; a file with no batches gives none). Opens
// every file's footer; fails if a file is bad or its schema (column count
// and types) differs from the first file's.
[[nodiscard]] absl::StatusOr<std::vector<columnar_split>> make_columnar_splits(
    const std::vector<std::string>& files, uint64_t target_bytes);

struct convert_options {
  char delimiter = ',';
  bool header = true;
  size_t rows_per_batch = 65536;
};

// CSV files -> out_dir/<base name without extension>.tcol, one per input,
// files converted in parallel on every core; returns the rows written. Every
// output is staged and moved into out_dir only when all succeeded: on error
// nothing new is left under out_dir (a CSV error names `file:line`).
[[nodiscard]] absl::StatusOr<uint64_t> convert_csv_to_columnar(
    const std::vector<std::string>& csv_files, const schema& s, const std::string& out_dir,
    const convert_options& opts);

// The output name convert_csv_to_columnar uses for csv_path ("a/part-001.csv"
// -> "part-001.tcol").
[[nodiscard]] std::string columnar_file_name(const std::string& csv_path);

}  // namespace tranche
