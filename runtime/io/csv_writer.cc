// Implementation of csv_writer.h.
#include "io/csv_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "absl/strings/str_cat.h"
#include "io/gen_output.h"
#include "io/mapped_file.h"

namespace tranche {
namespace {

constexpr size_t kFlushBytes = size_t{1} << 20;

void append_number(int64_t v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

void append_number(double v, std::string* out) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round trip
  out->append(buf, r.ptr);
}

}  // namespace

void append_csv_field(std::string_view text, char delimiter, std::string* out) {
  bool quote = text.empty();
  for (char c : text)
    if (c == delimiter || c == '"' || c == '\n' || c == '\r') {
      quote = true;
      break;
    }
  if (!quote) {
    out->append(text);
    return;
  }
  out->push_back('"');
  for (char c : text) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void append_csv_header(const schema& s, char delimiter, std::string* out) {
  for (size_t c = 0; c < s.fields.size(); ++c) {
    if (c > 0) out->push_back(delimiter);
    append_csv_field(s.fields[c].name, delimiter, out);
  }
  out->push_back('\n');
}

void append_csv_rows(const batch& b, char delimiter, std::string* out) {
  for (size_t i = 0; i < b.rows; ++i) {
    for (size_t c = 0; c < b.columns.size(); ++c) {
      if (c > 0) out->push_back(delimiter);
      const column& col = *b.columns[c];
      if (col.is_null(i)) continue;
      switch (col.type()) {
        case type_id::int64:
          append_number(col.i64()[i], out);
          break;
        case type_id::float64:
          append_number(col.f64()[i], out);
          break;
        case type_id::boolean:
          out->append(col.b()[i] ? "true" : "false");
          break;
        case type_id::date:
          out->append(format_date(col.i64()[i]));
          break;
        case type_id::string:
          append_csv_field(col.str(i), delimiter, out);
          break;
      }
    }
    out->push_back('\n');
  }
}

absl::StatusOr<std::unique_ptr<csv_file_writer>> csv_file_writer::create(
    const std::string& path, const schema& s, const csv_write_options& opts) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status(path, errno);
  std::unique_ptr<csv_file_writer> w(new csv_file_writer(path, fd, s, opts));
  if (opts.header) append_csv_header(s, opts.delimiter, &w->buffer_);
  return w;
}

absl::Status csv_file_writer::append(const batch& b) {
  if (!error_.ok()) return error_;
  if (closed_) return absl::FailedPreconditionError(absl::StrCat(path_, ": already closed"));
  if (b.columns.size() != schema_.fields.size()) {
    error_ =
        absl::InvalidArgumentError(absl::StrCat(path_, ": a batch of ", b.columns.size(),
                                                " columns for a file of ", schema_.fields.size()));
    return error_;
  }
  for (size_t c = 0; c < b.columns.size(); ++c)
    if (b.columns[c]->type() != schema_.fields[c].type) {
      error_ = absl::InvalidArgumentError(
          absl::StrCat(path_, ": column ", c + 1, " \"", schema_.fields[c].name, "\" is ",
                       std::string(type_name(b.columns[c]->type())), ", expected ",
                       std::string(type_name(schema_.fields[c].type))));
      return error_;
    }
  append_csv_rows(b, opts_.delimiter, &buffer_);
  rows_ += b.rows;
  if (buffer_.size() >= kFlushBytes) return flush();
  return absl::OkStatus();
}

absl::Status csv_file_writer::flush() {
  if (buffer_.empty()) return absl::OkStatus();
  error_ = write_all(fd_, path_, buffer_.data(), buffer_.size());
  buffer_.clear();
  return error_;
}

absl::Status csv_file_writer::close() {
  if (!error_.ok()) return error_;
  if (closed_) return absl::OkStatus();
  absl::Status st = flush();
  if (st.ok() && ::fsync(fd_) != 0) st = errno_status(path_, errno);
  if (::close(fd_) != 0 && st.ok()) st = errno_status(path_, errno);
  fd_ = -1;
  if (!st.ok()) {
    error_ = st;
    return st;
  }
  closed_ = true;
  return absl::OkStatus();
}

csv_file_writer::~csv_file_writer() {
  if (fd_ >= 0) ::close(fd_);
  if (!closed_) ::unlink(path_.c_str());
}

}  // namespace tranche
