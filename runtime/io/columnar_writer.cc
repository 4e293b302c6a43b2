// columnar_writer (columnar.h): re-chunks appended batches into batches of
// rows_per_batch rows, encodes each as one framed Cap'n Proto message
// (schemas/columnar.capnp) with its statistics, and at close() writes the
// footer and trailer, fsyncs and renames the temp file into place. Column
// values are copied into the message's Data blobs with memcpy; the message is
// written with Cap'n Proto's framing straight to the file descriptor.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fcntl.h>
#include <kj/exception.h>
#include <kj/io.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "io/columnar.h"
#include "io/gen_output.h"
#include "io/mapped_file.h"
#include "schemas/columnar.capnp.h"

namespace tranche {
namespace {

using columnar_format::kMaxChunkChars;

// A kj::OutputStream over a file descriptor that records the first error as a
// Status instead of throwing (Cap'n Proto's writeMessage writes through it).
class fd_output final : public kj::OutputStream {
 public:
  fd_output(int fd, const std::string& path) : fd_(fd), path_(path) {}
  void write(const void* buffer, size_t size) override {
    if (!status_.ok()) return;
    status_ = write_all(fd_, path_, static_cast<const char*>(buffer), size);
    if (status_.ok()) bytes_ += size;
  }
  [[nodiscard]] const absl::Status& status() const { return status_; }
  [[nodiscard]] uint64_t bytes() const { return bytes_; }

 private:
  int fd_;
  const std::string& path_;
  absl::Status status_;
  uint64_t bytes_ = 0;
};

size_t words_for(size_t bytes) { return (bytes + 7) / 8; }

// Statistics of rows [begin, begin + n) of c.
column_stats compute_stats(const column& c, size_t begin, size_t n) {
  column_stats st;
  const uint8_t* valid = c.has_nulls() ? c.valid().data() + begin : nullptr;
  if (valid != nullptr)
    for (size_t i = 0; i < n; ++i) st.nulls += valid[i] == 0;
  if (st.nulls == n) return st;
  auto ok = [&](size_t i) { return valid == nullptr || valid[i] != 0; };
  switch (c.type()) {
    case type_id::int64:
    case type_id::date: {
      const int64_t* v = c.i64().data() + begin;
      int64_t lo = INT64_MAX, hi = INT64_MIN;
      if (valid == nullptr) {
        for (size_t i = 0; i < n; ++i) {
          lo = std::min(lo, v[i]);
          hi = std::max(hi, v[i]);
        }
      } else {
        for (size_t i = 0; i < n; ++i) {
          if (!ok(i)) continue;
          lo = std::min(lo, v[i]);
          hi = std::max(hi, v[i]);
        }
      }
      if (c.type() == type_id::date) {
        st.min = date_value{lo};
        st.max = date_value{hi};
      } else {
        st.min = lo;
        st.max = hi;
      }
      st.has_min_max = true;
      break;
    }
    case type_id::float64: {
      const double* v = c.f64().data() + begin;
      double lo = INFINITY, hi = -INFINITY;
      bool nan = false;
      for (size_t i = 0; i < n; ++i) {
        if (!ok(i)) continue;
        nan |= std::isnan(v[i]);
        lo = std::min(lo, v[i]);
        hi = std::max(hi, v[i]);
      }
      if (nan) break;  // NaN is unordered: no bounds
      st.min = lo;
      st.max = hi;
      st.has_min_max = true;
      break;
    }
    case type_id::boolean: {
      const uint8_t* v = c.b().data() + begin;
      bool any_true = false, any_false = false;
      for (size_t i = 0; i < n; ++i) {
        if (!ok(i)) continue;
        (v[i] != 0 ? any_true : any_false) = true;
      }
      st.min = !any_false;
      st.max = any_true;
      st.has_min_max = true;
      break;
    }
    case type_id::string: {
      std::string_view lo, hi;
      bool first = true;
      for (size_t i = 0; i < n; ++i) {
        if (!ok(i)) continue;
        std::string_view s = c.str(begin + i);
        if (first) {
          lo = hi = s;
          first = false;
        } else if (s < lo) {
          lo = s;
        } else if (s > hi) {
          hi = s;
        }
      }
      // A prefix of the least value is still a lower bound.
      st.min = std::string(lo.substr(0, kColumnarStatsPrefix));
      if (hi.size() <= kColumnarStatsPrefix) {
        st.max = std::string(hi);
      } else {
        // The least string greater than every string starting with the
        // prefix: drop trailing 0xFF bytes, increment the last one.
        std::string up(hi.substr(0, kColumnarStatsPrefix));
        while (!up.empty() && static_cast<unsigned char>(up.back()) == 0xFF) up.pop_back();
        if (up.empty()) break;  // no finite upper bound: no statistics
        up.back() = static_cast<char>(static_cast<unsigned char>(up.back()) + 1);
        st.max = std::move(up);
      }
      st.has_min_max = true;
      break;
    }
  }
  return st;
}

void copy_data(capnp::Data::Builder dst, const void* src, size_t n) {
  if (n > 0) std::memcpy(dst.begin(), src, n);
}

// Encodes rows [begin, begin + n) of c into out.
void encode_chunk(const column& c, size_t begin, size_t n, uint64_t nulls,
                  wire::ColumnChunk::Builder out) {
  const auto count = [](size_t x) { return static_cast<unsigned>(x); };
  switch (c.type()) {
    case type_id::int64:
    case type_id::date:
      copy_data(out.initValues(count(n * 8)), c.i64().data() + begin, n * 8);
      break;
    case type_id::float64:
      copy_data(out.initValues(count(n * 8)), c.f64().data() + begin, n * 8);
      break;
    case type_id::boolean: {
      auto dst = out.initValues(count(n));
      const uint8_t* src = c.b().data() + begin;
      for (size_t i = 0; i < n; ++i) dst[i] = src[i] != 0 ? 1 : 0;
      break;
    }
    case type_id::string: {
      const uint32_t* off = c.offsets().data() + begin;
      const uint32_t base = off[0];
      auto dst = out.initOffsets(count((n + 1) * 4));
      if (base == 0) {
        copy_data(dst, off, (n + 1) * 4);
      } else {
        for (size_t i = 0; i <= n; ++i) {
          const uint32_t v = off[i] - base;
          std::memcpy(dst.begin() + i * 4, &v, 4);
        }
      }
      copy_data(out.initChars(count(off[n] - base)), c.chars().data() + base, off[n] - base);
      break;
    }
  }
  if (nulls > 0) {
    auto dst = out.initValid(count(n));
    const uint8_t* src = c.valid().data() + begin;
    for (size_t i = 0; i < n; ++i) dst[i] = src[i] != 0 ? 1 : 0;
  }
}

void encode_stats(const column_stats& st, type_id t, wire::ColumnStats::Builder out) {
  out.setNulls(st.nulls);
  out.setHasMinMax(st.has_min_max);
  if (!st.has_min_max) return;
  switch (t) {
    case type_id::int64:
      out.setMinInt(std::get<int64_t>(st.min));
      out.setMaxInt(std::get<int64_t>(st.max));
      break;
    case type_id::date:
      out.setMinInt(std::get<date_value>(st.min).days);
      out.setMaxInt(std::get<date_value>(st.max).days);
      break;
    case type_id::boolean:
      out.setMinInt(std::get<bool>(st.min) ? 1 : 0);
      out.setMaxInt(std::get<bool>(st.max) ? 1 : 0);
      break;
    case type_id::float64:
      out.setMinFloat(std::get<double>(st.min));
      out.setMaxFloat(std::get<double>(st.max));
      break;
    case type_id::string: {
      const std::string& lo = std::get<std::string>(st.min);
      const std::string& hi = std::get<std::string>(st.max);
      out.setMinText(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(lo.data()), lo.size()));
      out.setMaxText(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(hi.data()), hi.size()));
      break;
    }
  }
}

// Characters of rows [begin, begin + n) of a string column.
size_t chars_in(const column& c, size_t begin, size_t n) {
  return c.offsets()[begin + n] - c.offsets()[begin];
}

// Appends rows [begin, begin + n) of src to dst (same type).
void append_rows(const column& src, size_t begin, size_t n, column& dst) {
  const size_t old = dst.size();
  switch (src.type()) {
    case type_id::int64:
    case type_id::date:
      dst.i64().insert(dst.i64().end(), src.i64().begin() + begin, src.i64().begin() + begin + n);
      break;
    case type_id::float64:
      dst.f64().insert(dst.f64().end(), src.f64().begin() + begin, src.f64().begin() + begin + n);
      break;
    case type_id::boolean:
      dst.b().insert(dst.b().end(), src.b().begin() + begin, src.b().begin() + begin + n);
      break;
    case type_id::string: {
      const uint32_t* off = src.offsets().data() + begin;
      const uint32_t base = static_cast<uint32_t>(dst.chars().size());
      for (size_t i = 1; i <= n; ++i) dst.offsets().push_back(base + (off[i] - off[0]));
      dst.chars().append(src.chars().data() + off[0], off[n] - off[0]);
      break;
    }
  }
  if (src.has_nulls()) {
    if (!dst.has_nulls()) dst.valid().assign(old, 1);
    dst.valid().insert(dst.valid().end(), src.valid().begin() + begin,
                       src.valid().begin() + begin + n);
  } else if (dst.has_nulls()) {
    dst.valid().insert(dst.valid().end(), n, 1);
  }
  dst.set_size(old + n);
}

}  // namespace

columnar_writer::columnar_writer(std::string path, std::string tmp_path, int fd, schema s,
                                 size_t rows_per_batch)
    : path_(std::move(path)),
      tmp_path_(std::move(tmp_path)),
      fd_(fd),
      schema_(std::move(s)),
      rows_per_batch_(rows_per_batch) {
  pending_.schema = schema_;
  for (const field& f : schema_.fields) pending_cols_.push_back(std::make_shared<column>(f.type));
}

absl::StatusOr<std::unique_ptr<columnar_writer>> columnar_writer::create(const std::string& path,
                                                                         const schema& s,
                                                                         size_t rows_per_batch) {
  if (rows_per_batch == 0 || rows_per_batch > kMaxColumnarBatchRows) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": rows per batch must be in 1..", kMaxColumnarBatchRows, ", got ", rows_per_batch));
  }
  if (s.size() == 0) return absl::InvalidArgumentError(path + ": empty schema");
  for (const field& f : s.fields) {
    if (static_cast<unsigned>(f.type) > static_cast<unsigned>(type_id::date))
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": column \"", f.name, "\" has an unknown type"));
  }
  std::string tmp = absl::StrCat(path, ".tmp-", ::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status(tmp, errno);
  std::unique_ptr<columnar_writer> w(
      new columnar_writer(path, std::move(tmp), fd, s, rows_per_batch));
  char header[columnar_format::kHeaderBytes] = {};
  std::memcpy(header, columnar_format::kHeadMagic, 8);
  const uint32_t version = columnar_format::kVersion;
  std::memcpy(header + 8, &version, 4);
  absl::Status st = w->write_bytes(header, sizeof header);
  if (!st.ok()) return st;  // the destructor removes the temp file
  return w;
}

columnar_writer::~columnar_writer() {
  if (!closed_) abandon();
}

void columnar_writer::abandon() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  ::unlink(tmp_path_.c_str());
  closed_ = true;
}

absl::Status columnar_writer::write_bytes(const void* p, size_t n) {
  absl::Status st = write_all(fd_, tmp_path_, static_cast<const char*>(p), n);
  if (!st.ok()) {
    error_ = st;
    return st;
  }
  offset_ += n;
  return absl::OkStatus();
}

absl::Status columnar_writer::append(const batch& b) {
  if (closed_) return absl::FailedPreconditionError(path_ + ": writer already closed");
  if (!error_.ok()) return error_;
  if (b.columns.size() != schema_.size()) {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": appended batch has ", b.columns.size(),
                                                   " columns, the file ", schema_.size()));
  }
  for (size_t c = 0; c < b.columns.size(); ++c) {
    const column& col = *b.columns[c];
    if (col.type() != schema_.fields[c].type) {
      return absl::InvalidArgumentError(absl::StrCat(
          path_, ": appended column ", c + 1, " is ", std::string(type_name(col.type())),
          ", the file's \"", schema_.fields[c].name, "\" is ",
          std::string(type_name(schema_.fields[c].type))));
    }
    if (col.size() < b.rows) {
      return absl::InvalidArgumentError(absl::StrCat(path_, ": appended column ", c + 1, " has ",
                                                     col.size(), " rows, the batch ", b.rows));
    }
  }
  size_t pos = 0;
  while (pos < b.rows) {
    const size_t left = b.rows - pos;
    if (pending_.rows == 0 && left >= rows_per_batch_) {
      absl::Status st = write_slice(b, pos, rows_per_batch_);
      if (!st.ok()) return st;
      pos += rows_per_batch_;
      continue;
    }
    const size_t take = std::min(rows_per_batch_ - pending_.rows, left);
    // Keep the pending string offsets (uint32) from overflowing.
    bool full = false;
    for (size_t c = 0; c < b.columns.size(); ++c) {
      if (schema_.fields[c].type == type_id::string &&
          pending_cols_[c]->chars().size() + chars_in(*b.columns[c], pos, take) > kMaxChunkChars)
        full = true;
    }
    if (full && pending_.rows > 0) {
      absl::Status st = flush_pending();
      if (!st.ok()) return st;
      continue;
    }
    for (size_t c = 0; c < b.columns.size(); ++c)
      append_rows(*b.columns[c], pos, take, *pending_cols_[c]);
    pending_.rows += take;
    pos += take;
    if (pending_.rows == rows_per_batch_ || full) {
      absl::Status st = flush_pending();
      if (!st.ok()) return st;
    }
  }
  return absl::OkStatus();
}

absl::Status columnar_writer::flush_pending() {
  if (pending_.rows == 0) return absl::OkStatus();
  pending_.columns.assign(pending_cols_.begin(), pending_cols_.end());
  absl::Status st = write_slice(pending_, 0, pending_.rows);
  pending_.columns.clear();
  pending_.rows = 0;
  for (size_t c = 0; c < schema_.size(); ++c)
    pending_cols_[c] = std::make_shared<column>(schema_.fields[c].type);
  return st;
}

absl::Status columnar_writer::write_slice(const batch& b, size_t begin, size_t n) {
  // Each string blob stays below kMaxChunkChars: halve the slice until it does.
  size_t words = 16 + 8 * schema_.size();
  for (size_t c = 0; c < schema_.size(); ++c) {
    const column& col = *b.columns[c];
    size_t bytes = 0;
    switch (col.type()) {
      case type_id::int64:
      case type_id::date:
      case type_id::float64:
        bytes = n * 8;
        break;
      case type_id::boolean:
        bytes = n;
        break;
      case type_id::string: {
        const size_t chars = chars_in(col, begin, n);
        if (chars > kMaxChunkChars) {
          if (n == 1) {
            error_ = absl::InvalidArgumentError(
                absl::StrCat(path_, ": a value of column \"", schema_.fields[c].name,
                             "\" is longer than ", kMaxChunkChars, " bytes"));
            return error_;
          }
          absl::Status st = write_slice(b, begin, n / 2);
          if (!st.ok()) return st;
          return write_slice(b, begin + n / 2, n - n / 2);
        }
        bytes = words_for((n + 1) * 4) * 8 + chars;
        break;
      }
    }
    words += words_for(bytes) + (col.has_nulls() ? words_for(n) : 0);
  }

  columnar_batch_info info;
  info.offset = offset_;
  info.rows = n;
  capnp::MallocMessageBuilder message(static_cast<unsigned>(std::min<size_t>(words, 1u << 28)));
  auto root = message.initRoot<wire::ColumnarBatch>();
  root.setRows(n);
  auto chunks = root.initColumns(static_cast<unsigned>(schema_.size()));
  for (size_t c = 0; c < schema_.size(); ++c) {
    const column& col = *b.columns[c];
    info.stats.push_back(compute_stats(col, begin, n));
    encode_chunk(col, begin, n, info.stats.back().nulls, chunks[static_cast<unsigned>(c)]);
  }
  fd_output out(fd_, tmp_path_);
  try {
    capnp::writeMessage(out, message);
  } catch (const kj::Exception& e) {
    error_ = absl::InternalError(
        absl::StrCat(path_, ": encoding a batch failed: ", e.getDescription().cStr()));
    return error_;
  }
  if (!out.status().ok()) {
    error_ = out.status();
    return error_;
  }
  offset_ += out.bytes();
  info.length = out.bytes();
  total_rows_ += n;
  batches_.push_back(std::move(info));
  return absl::OkStatus();
}

absl::Status columnar_writer::close() {
  if (closed_) {
    return error_.ok() ? absl::FailedPreconditionError(path_ + ": writer already closed") : error_;
  }
  absl::Status st = error_.ok() ? flush_pending() : error_;
  if (st.ok()) {
    capnp::MallocMessageBuilder message;
    auto root = message.initRoot<wire::ColumnarFooter>();
    auto fields = root.initSchema().initFields(static_cast<unsigned>(schema_.size()));
    for (size_t i = 0; i < schema_.size(); ++i) {
      const field& f = schema_.fields[i];
      fields[static_cast<unsigned>(i)].setName(capnp::Text::Reader(f.name.c_str(), f.name.size()));
      fields[static_cast<unsigned>(i)].setType(static_cast<wire::TypeId>(f.type));
    }
    root.setTotalRows(total_rows_);
    root.setRowsPerBatch(rows_per_batch_);
    auto infos = root.initBatches(static_cast<unsigned>(batches_.size()));
    for (size_t i = 0; i < batches_.size(); ++i) {
      const columnar_batch_info& bi = batches_[i];
      auto out = infos[static_cast<unsigned>(i)];
      out.setOffset(bi.offset);
      out.setLength(bi.length);
      out.setRows(bi.rows);
      auto stats = out.initStats(static_cast<unsigned>(bi.stats.size()));
      for (size_t c = 0; c < bi.stats.size(); ++c)
        encode_stats(bi.stats[c], schema_.fields[c].type, stats[static_cast<unsigned>(c)]);
    }
    fd_output out(fd_, tmp_path_);
    try {
      capnp::writeMessage(out, message);
    } catch (const kj::Exception& e) {
      st = absl::InternalError(
          absl::StrCat(path_, ": encoding the footer failed: ", e.getDescription().cStr()));
    }
    if (st.ok()) st = out.status();
    if (st.ok()) {
      char trailer[columnar_format::kTrailerBytes];
      const uint64_t len = out.bytes();
      std::memcpy(trailer, &len, 8);
      std::memcpy(trailer + 8, columnar_format::kTailMagic, 8);
      st = write_bytes(trailer, sizeof trailer);
    }
  }
  if (st.ok() && ::fsync(fd_) != 0) st = errno_status(tmp_path_, errno);
  if (st.ok()) {
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) st = errno_status(tmp_path_, errno);
  }
  if (st.ok() && ::rename(tmp_path_.c_str(), path_.c_str()) != 0) st = errno_status(path_, errno);
  if (!st.ok()) {
    error_ = st;
    abandon();
    return st;
  }
  closed_ = true;
  // Make the rename durable (advice only: a failure here loses nothing written).
  const size_t slash = path_.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path_.substr(0, slash + 1);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return absl::OkStatus();
}

}  // namespace tranche
