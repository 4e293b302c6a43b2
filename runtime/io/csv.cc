// The CSV split reader declared in csv.h; scan tasks call it once per split.
// It maps the file, realigns to the first line starting in the split and
// parses rows straight into the typed vectors of the projected columns: one
// pass, no per-field allocation, non-projected fields only scanned past (but
// still counted, so ragged rows are caught). Line numbers for errors are
// computed only when an error occurs, by counting newlines from the file start.
// Limitation: a split boundary cannot tell a newline inside a quoted field from
// a line end, so files with quoted newlines must be read as one split.
#include "io/csv.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "io/csv_fields.h"
#include "io/mapped_file.h"

namespace tranche {
namespace {

using csv_detail::digit_run;
using csv_detail::digits_value;
using csv_detail::kOnes;
using csv_detail::load8;
using csv_detail::zero_bytes;

// A string batch ends early once its column text reaches this size, so the
// uint32 offsets can never overflow.
constexpr size_t kMaxBatchChars = size_t{1} << 30;

// Shows a bad value in an error, cut short if it is long.
std::string quote_value(const char* b, const char* e) {
  constexpr ptrdiff_t kMax = 64;
  std::string s = "\"";
  s.append(b, static_cast<size_t>(std::min(e - b, kMax)));
  if (e - b > kMax) s += "...";
  s += "\"";
  return s;
}

// One projected column under construction. The typed pointers alias the
// column's vectors, which are sized to the batch capacity up front.
struct out_slot {
  type_id type = type_id::int64;
  std::shared_ptr<column> col;
  int64_t* i64 = nullptr;
  double* f64 = nullptr;
  uint8_t* b = nullptr;
  uint32_t* off = nullptr;
  uint8_t* valid = nullptr;  // allocated at the first NULL
  char* chars = nullptr;     // col->chars().data()
  size_t chars_cap = 0;      // col->chars().size()
  size_t used = 0;           // bytes of it in use
  size_t chars_hint = 0;     // last batch's text size, to size the next one
};

class csv_reader_impl final : public csv_reader {
 public:
  csv_reader_impl(std::string path, std::unique_ptr<mapped_file> file, const schema& file_schema,
                  const std::vector<int>& columns, const csv_options& opts);
  absl::Status init(uint64_t offset, uint64_t length);
  absl::StatusOr<bool> next(batch* out) override;

 private:
  void start_batch(size_t cap);
  void finish_batch(size_t rows, batch* out);

  // Each parser takes the start of a field and returns its terminator (the
  // delimiter, the '\n', or end_), or nullptr after recording error_.
  const char* parse_field(const char* p, size_t f, size_t r);
  const char* parse_scanned(const char* p, size_t f, int s, size_t r);
  const char* parse_quoted(const char* p, size_t f, int s, size_t r);
  bool store_text(const char* b, const char* e, bool quoted, const char* at, size_t f, int s,
                  size_t r);
  void set_null(out_slot& o, size_t r);
  void append_chars(out_slot& o, const char* b, size_t n, size_t r) {
    if (o.used + n > o.chars_cap) grow_chars(o, n);
    std::memcpy(o.chars + o.used, b, n);
    o.used += n;
    o.off[r + 1] = static_cast<uint32_t>(o.used);
  }
  void grow_chars(out_slot& o, size_t n);

  // First delimiter or '\n' at or after p (or end_), eight bytes at a time.
  const char* scan_unquoted(const char* p) const {
    while (end_ - p >= 8) {
      const uint64_t x = load8(p);
      const uint64_t m = zero_bytes(x ^ delim_mask_) | zero_bytes(x ^ (kOnes * '\n'));
      if (m != 0) return p + (std::countr_zero(m) >> 3);
      p += 8;
    }
    while (p != end_ && *p != delim_ && *p != '\n') ++p;
    return p;
  }
  // If q ends a field (delimiter, '\n', "\r\n", or the end of the data), the
  // terminator; else nullptr.
  const char* terminator(const char* q) const {
    if (q == end_ || *q == delim_ || *q == '\n') return q;
    if (*q == '\r' && (q + 1 == end_ || q[1] == '\n')) return q + 1;
    return nullptr;
  }
  // Skips one record (quote-aware) starting at p; returns the start of the
  // next, or nullptr on an unterminated quote.
  const char* skip_record(const char* p);
  bool blank_line(const char* p) const {
    return *p == '\n' || (*p == '\r' && (p + 1 == end_ || p[1] == '\n'));
  }
  bool only_blank_lines_from(const char* p) const {
    for (; p != end_; ++p)
      if (*p != '\n' && *p != '\r') return false;
    return true;
  }

  size_t line_of(const char* at) const {
    return 1 + static_cast<size_t>(std::count(data_, at, '\n'));
  }
  void fail_field(const char* at, size_t f, const std::string& msg);
  void fail_value(const char* at, size_t f, const char* b, const char* e);

  std::string path_;
  std::unique_ptr<mapped_file> file_;
  schema file_schema_;
  schema out_schema_;
  csv_options opts_;
  char delim_;
  uint64_t delim_mask_;
  const char* data_ = nullptr;
  const char* end_ = nullptr;   // end of the file's bytes
  const char* pos_ = nullptr;   // start of the next record
  const char* stop_ = nullptr;  // records starting at or after this belong to the next split
  std::vector<int> plan_;       // per file field: slot index, or -1 to skip
  std::vector<int> out_slots_;  // per output column: slot index
  std::vector<out_slot> slots_;
  bool has_strings_ = false;
  std::string scratch_;  // unescaped quoted field
  absl::Status error_;
};

csv_reader_impl::csv_reader_impl(std::string path, std::unique_ptr<mapped_file> file,
                                 const schema& file_schema, const std::vector<int>& columns,
                                 const csv_options& opts)
    : path_(std::move(path)),
      file_(std::move(file)),
      file_schema_(file_schema),
      opts_(opts),
      delim_(opts.delimiter),
      delim_mask_(kOnes * static_cast<unsigned char>(opts.delimiter)) {
  data_ = file_->data();
  end_ = data_ + file_->size();
  plan_.assign(file_schema.size(), -1);
  for (int c : columns) {
    out_schema_.fields.push_back(file_schema.fields[c]);
    if (plan_[c] < 0) {
      plan_[c] = static_cast<int>(slots_.size());
      out_slot o;
      o.type = file_schema.fields[c].type;
      has_strings_ |= o.type == type_id::string;
      slots_.push_back(o);
    }
    out_slots_.push_back(plan_[c]);
  }
}

absl::Status csv_reader_impl::init(uint64_t offset, uint64_t length) {
  const uint64_t size = file_->size();
  offset = std::min(offset, size);
  length = std::min(length, size - offset);
  stop_ = data_ + offset + length;
  if (offset == 0) {
    pos_ = data_;
    if (size >= 3 && std::memcmp(data_, "\xEF\xBB\xBF", 3) == 0) pos_ += 3;  // UTF-8 BOM
    if (opts_.header && pos_ < stop_) {
      pos_ = skip_record(pos_);
      if (pos_ == nullptr) return error_;
    }
  } else {
    // A line starts at x when byte x - 1 is '\n', so the first line starting
    // at or after `offset` follows the first '\n' at or after offset - 1.
    const void* nl = std::memchr(data_ + offset - 1, '\n', size - (offset - 1));
    pos_ = nl ? static_cast<const char*>(nl) + 1 : end_;
  }
  if (length > 0) file_->will_read(offset, length);
  return absl::OkStatus();
}

const char* csv_reader_impl::skip_record(const char* p) {
  size_t f = 0;
  for (;;) {
    p = (p != end_ && *p == '"') ? parse_quoted(p, f, -1, 0) : scan_unquoted(p);
    if (p == nullptr) return nullptr;
    ++f;
    if (p != end_ && *p == delim_) {
      ++p;
      continue;
    }
    return p == end_ ? p : p + 1;
  }
}

void csv_reader_impl::fail_field(const char* at, size_t f, const std::string& msg) {
  error_ = absl::InvalidArgumentError(absl::StrCat(path_, ":", line_of(at), ":", f + 1, ": ", msg));
}

void csv_reader_impl::fail_value(const char* at, size_t f, const char* b, const char* e) {
  const field& fd = file_schema_.fields[f];
  fail_field(at, f,
             absl::StrCat("column \"", fd.name, "\": expected ", std::string(type_name(fd.type)),
                          ", got ", quote_value(b, e)));
}

void csv_reader_impl::start_batch(size_t cap) {
  for (out_slot& o : slots_) {
    o.col = std::make_shared<column>(o.type);
    o.valid = nullptr;
    o.used = 0;
    switch (o.type) {
      case type_id::int64:
      case type_id::date:
        o.col->i64().resize(cap);
        o.i64 = o.col->i64().data();
        break;
      case type_id::float64:
        o.col->f64().resize(cap);
        o.f64 = o.col->f64().data();
        break;
      case type_id::boolean:
        o.col->b().resize(cap);
        o.b = o.col->b().data();
        break;
      case type_id::string:
        o.col->offsets().resize(cap + 1);
        o.off = o.col->offsets().data();
        o.off[0] = 0;
        o.col->chars().resize(std::max<size_t>(o.chars_hint + o.chars_hint / 8, 4096));
        o.chars = o.col->chars().data();
        o.chars_cap = o.col->chars().size();
        break;
    }
  }
}

void csv_reader_impl::finish_batch(size_t rows, batch* out) {
  for (out_slot& o : slots_) {
    column& c = *o.col;
    switch (o.type) {
      case type_id::int64:
      case type_id::date:
        c.i64().resize(rows);
        break;
      case type_id::float64:
        c.f64().resize(rows);
        break;
      case type_id::boolean:
        c.b().resize(rows);
        break;
      case type_id::string:
        c.offsets().resize(rows + 1);
        c.chars().resize(o.used);
        o.chars_hint = o.used;
        break;
    }
    if (!c.valid().empty()) c.valid().resize(rows);
    c.set_size(rows);
  }
  out->schema = out_schema_;
  out->rows = rows;
  out->columns.clear();
  for (int s : out_slots_) out->columns.push_back(slots_[s].col);
  for (out_slot& o : slots_) o.col.reset();
}

void csv_reader_impl::set_null(out_slot& o, size_t r) {
  if (o.valid == nullptr) {
    // Capacity is the size of the typed vector (strings: offsets - 1).
    size_t cap = 0;
    switch (o.type) {
      case type_id::int64:
      case type_id::date:
        cap = o.col->i64().size();
        break;
      case type_id::float64:
        cap = o.col->f64().size();
        break;
      case type_id::boolean:
        cap = o.col->b().size();
        break;
      case type_id::string:
        cap = o.col->offsets().size() - 1;
        break;
    }
    o.col->valid().assign(cap, 1);
    o.valid = o.col->valid().data();
  }
  o.valid[r] = 0;
  switch (o.type) {
    case type_id::int64:
    case type_id::date:
      o.i64[r] = 0;
      break;
    case type_id::float64:
      o.f64[r] = 0;
      break;
    case type_id::boolean:
      o.b[r] = 0;
      break;
    case type_id::string:
      o.off[r + 1] = static_cast<uint32_t>(o.used);
      break;
  }
}

void csv_reader_impl::grow_chars(out_slot& o, size_t n) {
  std::string& chars = o.col->chars();
  chars.resize(std::max(chars.size() * 2, o.used + n));
  o.chars = chars.data();
  o.chars_cap = chars.size();
}

// Stores the text [b, e) of field f into slot s (unless s < 0) with the strict
// parsers; `at` is where the field starts, for errors.
bool csv_reader_impl::store_text(const char* b, const char* e, bool quoted, const char* at,
                                 size_t f, int s, size_t r) {
  if (s < 0) return true;
  out_slot& o = slots_[s];
  if (b == e && !quoted) {
    set_null(o, r);
    return true;
  }
  bool ok = false;
  switch (o.type) {
    case type_id::int64:
      ok = csv_detail::parse_int64(b, e, &o.i64[r]);
      break;
    case type_id::float64:
      ok = csv_detail::parse_double(b, e, &o.f64[r]);
      break;
    case type_id::date:
      ok = csv_detail::parse_date(b, e, &o.i64[r]);
      break;
    case type_id::boolean: {
      bool v = false;
      ok = csv_detail::parse_bool(b, e, &v);
      o.b[r] = v;
      break;
    }
    case type_id::string:
      if (static_cast<size_t>(e - b) > kMaxBatchChars) {
        fail_field(at, f, "field longer than 1 GiB");
        return false;
      }
      append_chars(o, b, static_cast<size_t>(e - b), r);
      ok = true;
      break;
  }
  if (!ok) fail_value(at, f, b, e);
  return ok;
}

// The general unquoted path: find the end, drop the '\r' of a CRLF, parse.
const char* csv_reader_impl::parse_scanned(const char* p, size_t f, int s, size_t r) {
  const char* q = scan_unquoted(p);
  const char* e = q;
  if (e != p && e[-1] == '\r' && (q == end_ || *q == '\n')) --e;
  return store_text(p, e, false, p, f, s, r) ? q : nullptr;
}

const char* csv_reader_impl::parse_quoted(const char* p, size_t f, int s, size_t r) {
  const char* b = p + 1;
  const char* q = b;
  bool escaped = false;
  for (;;) {
    q = static_cast<const char*>(std::memchr(q, '"', static_cast<size_t>(end_ - q)));
    if (q == nullptr) {
      fail_field(p, f, "unterminated quoted field");
      return nullptr;
    }
    if (q + 1 != end_ && q[1] == '"') {
      escaped = true;
      q += 2;
      continue;
    }
    break;
  }
  const char* t = terminator(q + 1);
  if (t == nullptr) {
    fail_field(q + 1, f, "unexpected character after a closing quote");
    return nullptr;
  }
  if (s < 0) return t;
  const char* e = q;
  if (escaped) {
    scratch_.clear();
    for (const char* c = b; c != q; ++c) {
      scratch_ += *c;
      if (*c == '"') ++c;  // the second quote of a ""
    }
    b = scratch_.data();
    e = b + scratch_.size();
  }
  return store_text(b, e, true, p, f, s, r) ? t : nullptr;
}

// Per-type fast paths for the common unquoted case; anything unusual (empty,
// signs, exponents, bad text) falls back to parse_scanned, which decides.
const char* csv_reader_impl::parse_field(const char* p, size_t f, size_t r) {
  const int s = f < plan_.size() ? plan_[f] : -1;
  if (p != end_ && *p == '"') return parse_quoted(p, f, s, r);
  if (s < 0) return scan_unquoted(p);
  out_slot& o = slots_[s];
  switch (o.type) {
    case type_id::int64: {
      // Up to 16 digits in two 8-byte loads; needs 24 readable bytes.
      if (end_ - p < 24) break;
      const bool neg = *p == '-';
      const char* q = p + neg;
      const uint64_t x = load8(q);
      int n = digit_run(x);
      uint64_t v;
      if (n == 0) break;
      if (n < 8) {
        v = digits_value(x, n);
      } else {
        const uint64_t y = load8(q + 8);
        const int n2 = digit_run(y);
        if (n2 == 8) break;
        v = digits_value(x, 8) * csv_detail::kPow10Int[n2] + (n2 > 0 ? digits_value(y, n2) : 0);
        n += n2;
      }
      if (const char* t = terminator(q + n)) {
        o.i64[r] = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
        return t;
      }
      break;
    }
    case type_id::float64: {
      // Up to 7 digits before and 7 after the point: the integer mantissa
      // (< 10^14) and the power of ten are exact, so one division rounds
      // correctly (see csv_detail::parse_double).
      if (end_ - p < 24) break;
      const bool neg = *p == '-';
      const char* q = p + neg;
      const uint64_t x = load8(q);
      const int n = digit_run(x);
      if (n == 0 || n == 8) break;
      uint64_t m = digits_value(x, n);
      int frac = 0;
      q += n;
      if (*q == '.') {
        const uint64_t y = load8(++q);
        frac = digit_run(y);
        if (frac == 8) break;
        if (frac > 0) m = m * csv_detail::kPow10Int[frac] + digits_value(y, frac);
        q += frac;
      }
      if (const char* t = terminator(q)) {
        const double v = static_cast<double>(m) / csv_detail::kPow10[frac];
        o.f64[r] = neg ? -v : v;
        return t;
      }
      break;
    }
    case type_id::date: {
      int64_t days;
      if (end_ - p >= 10 && csv_detail::parse_date(p, p + 10, &days)) {
        if (const char* t = terminator(p + 10)) {
          o.i64[r] = days;
          return t;
        }
      }
      break;
    }
    case type_id::string: {
      // Empty (NULL), CRLF and huge fields take the general path.
      const char* q = scan_unquoted(p);
      if (q == p || q[-1] == '\r' || static_cast<size_t>(q - p) > kMaxBatchChars) break;
      append_chars(o, p, static_cast<size_t>(q - p), r);
      return q;
    }
    case type_id::boolean:
      break;
  }
  return parse_scanned(p, f, s, r);
}

absl::StatusOr<bool> csv_reader_impl::next(batch* out) {
  if (!error_.ok()) return error_;
  if (pos_ >= stop_) return false;
  const size_t nfields = file_schema_.size();
  // Every record takes at least one byte, which bounds the rows left.
  const size_t cap = std::min<size_t>(opts_.batch_rows, static_cast<size_t>(stop_ - pos_));
  start_batch(cap);
  size_t r = 0;
  while (r < cap && pos_ < stop_) {
    const char* p = pos_;
    if (blank_line(p) && (nfields > 1 || only_blank_lines_from(p))) {
      // A blank line cannot be a row of several fields; at the end of the
      // file it is just the last line's terminator doubled.
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end_ - p));
      pos_ = nl ? nl + 1 : end_;
      continue;
    }
    size_t f = 0;
    for (;;) {
      p = parse_field(p, f, r);
      if (p == nullptr) return error_;
      ++f;
      if (p != end_ && *p == delim_) {
        ++p;
        continue;
      }
      break;
    }
    if (f != nfields) {
      error_ = absl::InvalidArgumentError(
          absl::StrCat(path_, ":", line_of(pos_), ": expected ", nfields, " fields, got ", f));
      return error_;
    }
    pos_ = p == end_ ? p : p + 1;
    ++r;
    if (has_strings_) {
      bool full = false;
      for (const out_slot& o : slots_) full |= o.used >= kMaxBatchChars;
      if (full) break;
    }
  }
  if (r == 0) {
    for (out_slot& o : slots_) o.col.reset();
    return false;
  }
  finish_batch(r, out);
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<csv_reader>> csv_reader::open(const file_split& split,
                                                             const schema& file_schema,
                                                             std::vector<int> columns,
                                                             const csv_options& opts) {
  const char d = opts.delimiter;
  if (d == '"' || d == '\n' || d == '\r') {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid CSV delimiter ", quote_value(&d, &d + 1)));
  }
  if (opts.batch_rows == 0) return absl::InvalidArgumentError("csv batch_rows must be positive");
  if (file_schema.size() == 0) return absl::InvalidArgumentError(split.path + ": empty schema");
  for (int c : columns) {
    if (c < 0 || static_cast<size_t>(c) >= file_schema.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          split.path, ": column index ", c, " out of range (", file_schema.size(), " columns)"));
    }
  }
  auto file = mapped_file::open(split.path);
  if (!file.ok()) return file.status();
  auto reader =
      std::make_unique<csv_reader_impl>(split.path, std::move(*file), file_schema, columns, opts);
  absl::Status st = reader->init(split.offset, split.length);
  if (!st.ok()) return st;
  return std::unique_ptr<csv_reader>(std::move(reader));
}

}  // namespace tranche
