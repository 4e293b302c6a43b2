// CSV writing, the inverse of csv_reader (csv.h): RFC 4180 rows that read back
// to the same values. The COPY ... TO write operator (exec/write_files.h)
// uses it. Rendering: NULL is an empty unquoted field and the empty string a
// quoted "" (as the reader tells them apart); a field holding the delimiter,
// a quote, a line break or nothing is quoted with inner quotes doubled;
// integers in decimal, doubles in the shortest form that parses back to the
// same bits (std::to_chars), booleans as true/false, dates as yyyy-mm-dd.
// Limit: a one-column file cannot carry a NULL in its last rows (the reader
// takes trailing blank lines for the end of the file).
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tranche/batch.h"
#include "tranche/types.h"

namespace tranche {

struct csv_write_options {
  char delimiter = ',';
  bool header = true;  // a first line naming the columns
};

// Appends one field's text, quoted when needed.
void append_csv_field(std::string_view text, char delimiter, std::string* out);
// Appends the header line for `s`.
void append_csv_header(const schema& s, char delimiter, std::string* out);
// Appends every row of `b`, one line each ("\n" ends a line).
void append_csv_rows(const batch& b, char delimiter, std::string* out);

// Writes one CSV file at exactly `path` (the caller chooses a temporary name
// and moves it into place). close() flushes and fsyncs; without a successful
// close() the destructor removes the file.
class csv_file_writer {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<csv_file_writer>> create(
      const std::string& path, const schema& s, const csv_write_options& opts);
  // The batch's columns must match the schema's count and types.
  [[nodiscard]] absl::Status append(const batch& b);
  [[nodiscard]] absl::Status close();
  ~csv_file_writer();
  csv_file_writer(const csv_file_writer&) = delete;
  csv_file_writer& operator=(const csv_file_writer&) = delete;

  [[nodiscard]] uint64_t rows() const { return rows_; }

 private:
  csv_file_writer(std::string path, int fd, schema s, csv_write_options opts)
      : path_(std::move(path)), fd_(fd), schema_(std::move(s)), opts_(opts) {}
  absl::Status flush();

  std::string path_;
  int fd_ = -1;
  schema schema_;
  csv_write_options opts_;
  std::string buffer_;
  uint64_t rows_ = 0;
  absl::Status error_;
  bool closed_ = false;
};

}  // namespace tranche
