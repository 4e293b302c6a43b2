// CSV reading: schema inference and a fast, projecting reader over a byte
// range of one file. Scan tasks use it; the planner uses inference and
// file_splits. Errors name the file, line and column: `t.csv:1042:5: ...`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tranche/batch.h"
#include "tranche/types.h"

namespace tranche {

struct csv_options {
  char delimiter = ',';
  bool header = true;         // first line of the file names the columns
  size_t batch_rows = 8192;  // rows per emitted batch (small enough to stay in cache)
};

// Infers a schema from the first rows of `path` (up to `sample_rows`):
// per column the narrowest of int64, float64 (decimals), date (yyyy-mm-dd),
// string that fits every non-empty sampled value. Column names come from the
// header, or are c1..cN without one. Errors: missing/empty file, ragged rows.
[[nodiscard]] absl::StatusOr<schema> infer_csv_schema(const std::string& path,
                                                      const csv_options& opts,
                                                      size_t sample_rows = 1000);

// A contiguous byte range of one file. A task reads the lines that *start*
// inside [offset, offset + length); the header line (offset 0) is skipped.
struct file_split {
  std::string path;
  uint64_t offset = 0;
  uint64_t length = 0;
};

// Cuts files into splits of about `target_bytes` at arbitrary byte offsets
// (the reader realigns to line starts). Empty files give no split.
[[nodiscard]] absl::StatusOr<std::vector<file_split>> make_splits(
    const std::vector<std::string>& files, uint64_t target_bytes);

// Reads one split. `file_schema` is the full schema of the file's columns (in
// order); `columns` the indices to materialize (output schema = those fields
// in that order). Fields follow RFC 4180 quoting ("a ""b"""); an empty
// unquoted field is NULL; an empty quoted field is the empty string.
class csv_reader {
 public:
  static absl::StatusOr<std::unique_ptr<csv_reader>> open(const file_split& split,
                                                         const schema& file_schema,
                                                         std::vector<int> columns,
                                                         const csv_options& opts);
  virtual ~csv_reader() = default;
  // Next batch of up to opts.batch_rows rows; false at the end of the split.
  // Errors: "path:line:column: message" with 1-based line and column (field)
  // numbers, e.g. `t.csv:17:3: column "price": expected DOUBLE, got "1.2.3"`,
  // `t.csv:9: expected 5 fields, got 4`, `t.csv:12:2: unterminated quoted field`.
  virtual absl::StatusOr<bool> next(batch* out) = 0;
};

}  // namespace tranche
