// Schema inference and file splitting for CSV (csv.h); the planner calls both
// when a table is bound and when a scan is cut into tasks. Inference reads
// only the first rows, so it uses a simple record tokenizer rather than the
// split reader, but the same field parsers (csv_fields.h) so that an inferred
// type always reads back.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "io/csv.h"
#include "io/csv_fields.h"
#include "io/mapped_file.h"

namespace tranche {
namespace {

struct raw_field {
  std::string text;  // unescaped
  bool quoted = false;
};

// Tokenizes one record (RFC 4180) at *pos, advancing it past the record's
// line end and counting consumed newlines into *line.
class record_tokenizer {
 public:
  record_tokenizer(std::string path, const char* data, size_t size, char delim)
      : path_(std::move(path)), p_(data), end_(data + size), delim_(delim) {
    if (size >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
  }

  [[nodiscard]] bool at_end() const { return p_ == end_; }
  // 1-based line of the next record.
  [[nodiscard]] size_t line() const { return line_; }

  absl::Status next(std::vector<raw_field>* out) {
    out->clear();
    for (;;) {
      raw_field f;
      if (p_ != end_ && *p_ == '"') {
        const size_t start_line = line_;
        f.quoted = true;
        ++p_;
        for (;;) {
          if (p_ == end_) {
            return absl::InvalidArgumentError(absl::StrCat(
                path_, ":", start_line, ":", out->size() + 1, ": unterminated quoted field"));
          }
          if (*p_ == '"') {
            if (p_ + 1 != end_ && p_[1] == '"') {
              f.text += '"';
              p_ += 2;
              continue;
            }
            ++p_;
            break;
          }
          if (*p_ == '\n') ++line_;
          f.text += *p_++;
        }
        if (p_ != end_ && *p_ == '\r' && (p_ + 1 == end_ || p_[1] == '\n')) ++p_;
        if (p_ != end_ && *p_ != delim_ && *p_ != '\n') {
          return absl::InvalidArgumentError(
              absl::StrCat(path_, ":", line_, ":", out->size() + 1,
                           ": unexpected character after a closing quote"));
        }
      } else {
        const char* b = p_;
        while (p_ != end_ && *p_ != delim_ && *p_ != '\n') ++p_;
        const char* e = p_;
        if (e != b && e[-1] == '\r' && (p_ == end_ || *p_ == '\n')) --e;
        f.text.assign(b, e);
      }
      out->push_back(std::move(f));
      if (p_ != end_ && *p_ == delim_) {
        ++p_;
        continue;
      }
      if (p_ != end_) {  // '\n'
        ++p_;
        ++line_;
      }
      return absl::OkStatus();
    }
  }

 private:
  std::string path_;
  const char* p_;
  const char* end_;
  char delim_;
  size_t line_ = 1;
};

bool is_blank(const std::vector<raw_field>& r) {
  return r.size() == 1 && !r[0].quoted && r[0].text.empty();
}

// Which types every non-empty value seen so far fits.
struct column_stats {
  bool any = false;
  bool int64 = true;
  bool number = true;
  bool date = true;
  bool boolean = true;

  void add(const raw_field& f) {
    if (f.text.empty() && !f.quoted) return;  // NULL fits every type
    any = true;
    const char* b = f.text.data();
    const char* e = b + f.text.size();
    int64_t i;
    double d;
    int64_t days;
    bool v;
    if (int64 && !csv_detail::parse_int64(b, e, &i)) int64 = false;
    // A number needs a digit: a column of "nan" or "inf" is text.
    if (number && (!csv_detail::parse_double(b, e, &d) ||
                   f.text.find_first_of("0123456789") == std::string::npos)) {
      number = false;
    }
    if (date && !csv_detail::parse_date(b, e, &days)) date = false;
    if (boolean && !csv_detail::parse_bool(b, e, &v)) boolean = false;
  }

  [[nodiscard]] type_id type() const {
    if (!any) return type_id::string;
    if (int64) return type_id::int64;
    if (number) return type_id::float64;
    if (date) return type_id::date;
    if (boolean) return type_id::boolean;
    return type_id::string;
  }
};

}  // namespace

absl::StatusOr<schema> infer_csv_schema(const std::string& path, const csv_options& opts,
                                        size_t sample_rows) {
  auto file = mapped_file::open(path);
  if (!file.ok()) return file.status();
  record_tokenizer tok(path, (*file)->data(), (*file)->size(), opts.delimiter);
  std::vector<raw_field> rec;
  // The first non-blank record fixes the number of columns.
  do {
    if (tok.at_end())
      return absl::InvalidArgumentError(path + ": empty file, cannot infer a schema");
    absl::Status st = tok.next(&rec);
    if (!st.ok()) return st;
  } while (is_blank(rec));

  schema out;
  const size_t n = rec.size();
  std::vector<column_stats> stats(n);
  for (size_t i = 0; i < n; ++i) {
    std::string name = absl::StrCat("c", i + 1);
    if (opts.header) {
      std::string trimmed(absl::StripAsciiWhitespace(rec[i].text));
      if (!trimmed.empty()) name = std::move(trimmed);
    } else {
      stats[i].add(rec[i]);
    }
    if (out.find(name) >= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": duplicate column name \"", name, "\" in the header"));
    }
    out.fields.push_back(field{std::move(name), type_id::string});
  }

  size_t rows = opts.header ? 0 : 1;
  while (rows < sample_rows && !tok.at_end()) {
    const size_t line = tok.line();
    absl::Status st = tok.next(&rec);
    if (!st.ok()) return st;
    if (is_blank(rec) && n > 1) continue;
    if (rec.size() != n) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line, ": expected ", n, " fields, got ", rec.size()));
    }
    for (size_t i = 0; i < n; ++i) stats[i].add(rec[i]);
    ++rows;
  }
  for (size_t i = 0; i < n; ++i) out.fields[i].type = stats[i].type();
  return out;
}

absl::StatusOr<std::vector<file_split>> make_splits(const std::vector<std::string>& files,
                                                    uint64_t target_bytes) {
  if (target_bytes == 0) return absl::InvalidArgumentError("split size must be positive");
  std::vector<file_split> out;
  for (const std::string& path : files) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return errno_status(path, errno);
    if (S_ISDIR(st.st_mode)) return errno_status(path, EISDIR);
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    if (size == 0) continue;
    // Round to the nearest count: splits stay within 2/3..3/2 of the target
    // (only a small file gives a smaller one).
    const uint64_t n = std::max<uint64_t>(1, (size + target_bytes / 2) / target_bytes);
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t begin = size / n * i + std::min(i, size % n);
      const uint64_t end = size / n * (i + 1) + std::min(i + 1, size % n);
      out.push_back(file_split{path, begin, end - begin});
    }
  }
  return out;
}

}  // namespace tranche
