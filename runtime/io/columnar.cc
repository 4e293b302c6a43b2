// columnar_reader, may_match and make_columnar_splits (columnar.h). The
// reader maps the file; open() validates the header, trailer, footer and the
// place of every batch, read() decodes one batch message in place from the
// mapping (an unpacked Cap'n Proto message needs no parsing pass) and copies
// each requested column out with memcpy, checking every size against the row
// count. kj::Exception from Cap'n Proto stops here and becomes a Status: the
// file's bytes are untrusted input.
#include "io/columnar.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "io/mapped_file.h"
#include "schemas/columnar.capnp.h"

namespace tranche {
namespace {

namespace fmt = columnar_format;

absl::Status corrupt(const std::string& path, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

// Reader options for a message of `bytes`: a well-formed message traverses
// each of its words once, so twice its size bounds the work of a hostile one.
capnp::ReaderOptions options_for(size_t bytes) {
  capnp::ReaderOptions o;
  o.traversalLimitInWords = bytes / sizeof(capnp::word) * 2 + 1024;
  o.nestingLimit = 16;
  return o;
}

std::string bytes_of(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

absl::StatusOr<column_stats> decode_stats(wire::ColumnStats::Reader r, type_id t, uint64_t rows) {
  column_stats st;
  st.nulls = r.getNulls();
  if (st.nulls > rows) return absl::InvalidArgumentError("NULL count above the row count");
  st.has_min_max = r.getHasMinMax();
  if (!st.has_min_max) return st;
  if (st.nulls == rows) return absl::InvalidArgumentError("bounds on a column of only NULLs");
  bool ordered = true;
  switch (t) {
    case type_id::int64:
      st.min = r.getMinInt();
      st.max = r.getMaxInt();
      ordered = r.getMinInt() <= r.getMaxInt();
      break;
    case type_id::date:
      st.min = date_value{r.getMinInt()};
      st.max = date_value{r.getMaxInt()};
      ordered = r.getMinInt() <= r.getMaxInt();
      break;
    case type_id::boolean:
      if (r.getMinInt() < 0 || r.getMaxInt() > 1)
        return absl::InvalidArgumentError("boolean bounds other than 0 or 1");
      st.min = r.getMinInt() != 0;
      st.max = r.getMaxInt() != 0;
      ordered = r.getMinInt() <= r.getMaxInt();
      break;
    case type_id::float64:
      st.min = r.getMinFloat();
      st.max = r.getMaxFloat();
      ordered = r.getMinFloat() <= r.getMaxFloat();  // false for NaN too
      break;
    case type_id::string: {
      std::string lo = bytes_of(r.getMinText()), hi = bytes_of(r.getMaxText());
      ordered = lo <= hi;
      st.min = std::move(lo);
      st.max = std::move(hi);
      break;
    }
  }
  if (!ordered) return absl::InvalidArgumentError("minimum above the maximum");
  return st;
}

// Copies a fixed-width blob of exactly rows * width bytes into v.
template <class T>
bool copy_fixed(capnp::Data::Reader d, size_t rows, std::vector<T>& v) {
  if (d.size() != rows * sizeof(T)) return false;
  v.resize(rows);
  if (rows > 0) std::memcpy(v.data(), d.begin(), rows * sizeof(T));
  return true;
}

// True when every byte is 0 or 1.
bool all_zero_one(const uint8_t* p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; ++i) acc |= p[i];
  return acc <= 1;
}

}  // namespace

columnar_reader::~columnar_reader() = default;

uint64_t columnar_reader::file_size() const { return file_->size(); }

absl::StatusOr<std::unique_ptr<columnar_reader>> columnar_reader::open(const std::string& path) {
  auto file = mapped_file::open(path);
  if (!file.ok()) return file.status();
  std::unique_ptr<columnar_reader> r(new columnar_reader());
  r->path_ = path;
  r->file_ = std::move(*file);
  absl::Status st = r->load();
  if (!st.ok()) return st;
  return r;
}

absl::StatusOr<std::unique_ptr<columnar_reader>> columnar_reader::open(const std::string& path,
                                                                       const schema& expected) {
  auto r = open(path);
  if (!r.ok()) return r.status();
  const schema& got = (*r)->file_schema();
  if (got.size() != expected.size()) {
    return corrupt(
        path, absl::StrCat("the file has ", got.size(), " columns, expected ", expected.size()));
  }
  for (size_t i = 0; i < got.size(); ++i) {
    if (got.fields[i].type != expected.fields[i].type) {
      return corrupt(
          path, absl::StrCat("column ", i + 1, " \"", got.fields[i].name, "\" is ",
                             std::string(type_name(got.fields[i].type)), " in the file, expected ",
                             std::string(type_name(expected.fields[i].type))));
    }
  }
  return r;
}

absl::Status columnar_reader::load() {
  const char* data = file_->data();
  const uint64_t size = file_->size();
  if (size < fmt::kHeaderBytes + fmt::kTrailerBytes + 8 ||
      std::memcmp(data, fmt::kHeadMagic, 8) != 0) {
    return corrupt(path_, "not a tranche columnar file (no TRCOLUMN header)");
  }
  uint32_t version = 0;
  std::memcpy(&version, data + 8, 4);
  if (version != fmt::kVersion) {
    return corrupt(path_, absl::StrCat("unsupported columnar format version ", version,
                                       " (this build reads ", fmt::kVersion, ")"));
  }
  if (size % 8 != 0 || std::memcmp(data + size - 8, fmt::kTailMagic, 8) != 0) {
    return corrupt(path_, absl::StrCat("truncated or damaged columnar file (", size,
                                       " bytes, no TRCOLEND trailer)"));
  }
  uint64_t footer_len = 0;
  std::memcpy(&footer_len, data + size - 16, 8);
  const uint64_t body_end = size - fmt::kTrailerBytes;  // footer ends here
  if (footer_len < 8 || footer_len % 8 != 0 || footer_len > body_end - fmt::kHeaderBytes) {
    return corrupt(path_, absl::StrCat("footer length ", footer_len, " out of range (file is ",
                                       size, " bytes)"));
  }
  const uint64_t footer_start = body_end - footer_len;
  try {
    kj::ArrayPtr<const capnp::word> words(reinterpret_cast<const capnp::word*>(data + footer_start),
                                          footer_len / 8);
    capnp::FlatArrayMessageReader msg(words, options_for(footer_len));
    if (msg.getEnd() != words.end())
      return corrupt(path_, "corrupt footer: its message does not fill its frame");
    auto footer = msg.getRoot<wire::ColumnarFooter>();
    for (auto f : footer.getSchema().getFields()) {
      const auto t = static_cast<uint16_t>(f.getType());
      if (t > static_cast<uint16_t>(type_id::date))
        return corrupt(path_, absl::StrCat("corrupt footer: unknown column type ", t));
      auto name = f.getName();
      schema_.fields.push_back(
          field{std::string(name.begin(), name.size()), static_cast<type_id>(t)});
    }
    if (schema_.size() == 0) return corrupt(path_, "corrupt footer: no columns");
    total_rows_ = footer.getTotalRows();
    const uint64_t rows_per_batch = footer.getRowsPerBatch();
    if (rows_per_batch == 0 || rows_per_batch > kMaxColumnarBatchRows)
      return corrupt(path_, absl::StrCat("corrupt footer: rows per batch ", rows_per_batch));
    auto infos = footer.getBatches();
    batches_.reserve(infos.size());
    uint64_t expect_offset = fmt::kHeaderBytes, rows = 0;
    for (unsigned i = 0; i < infos.size(); ++i) {
      auto in = infos[i];
      columnar_batch_info bi;
      bi.offset = in.getOffset();
      bi.length = in.getLength();
      bi.rows = in.getRows();
      // Batches lie back to back between the header and the footer.
      if (bi.offset != expect_offset || bi.length < 8 || bi.length % 8 != 0 ||
          bi.length > footer_start - bi.offset) {
        return corrupt(path_, absl::StrCat("batch ", i, " at offset ", bi.offset, " length ",
                                           bi.length, " lies outside the file's batch area [",
                                           expect_offset, ", ", footer_start, ")"));
      }
      expect_offset = bi.offset + bi.length;
      // Every row costs a column at least one byte.
      if (bi.rows == 0 || bi.rows > rows_per_batch || bi.rows > bi.length) {
        return corrupt(path_, absl::StrCat("corrupt footer: batch ", i, " claims ", bi.rows,
                                           " rows in ", bi.length, " bytes"));
      }
      rows += bi.rows;
      auto stats = in.getStats();
      if (stats.size() != schema_.size()) {
        return corrupt(path_, absl::StrCat("corrupt footer: batch ", i, " has statistics for ",
                                           stats.size(), " columns, the schema ", schema_.size()));
      }
      for (unsigned c = 0; c < stats.size(); ++c) {
        auto st = decode_stats(stats[c], schema_.fields[c].type, bi.rows);
        if (!st.ok()) {
          return corrupt(path_, absl::StrCat("corrupt footer: batch ", i, " column ", c + 1, ": ",
                                             st.status().message()));
        }
        bi.stats.push_back(*std::move(st));
      }
      batches_.push_back(std::move(bi));
    }
    if (expect_offset != footer_start) {
      return corrupt(path_, absl::StrCat("corrupt footer: batches end at ", expect_offset,
                                         ", the footer starts at ", footer_start));
    }
    if (rows != total_rows_) {
      return corrupt(path_, absl::StrCat("corrupt footer: total rows ", total_rows_,
                                         " differ from the batches' sum ", rows));
    }
  } catch (const kj::Exception& e) {
    return corrupt(path_, absl::StrCat("corrupt footer: ", e.getDescription().cStr()));
  }
  return absl::OkStatus();
}

void columnar_reader::will_read(size_t first, size_t count) const {
  if (first >= batches_.size() || count == 0) return;
  const size_t last = std::min(batches_.size(), first + count) - 1;
  file_->will_read(batches_[first].offset,
                   batches_[last].offset + batches_[last].length - batches_[first].offset);
}

absl::Status columnar_reader::read(size_t i, const std::vector<int>& columns, batch* out) const {
  if (i >= batches_.size()) {
    return absl::OutOfRangeError(
        absl::StrCat(path_, ": batch ", i, " out of range (", batches_.size(), " batches)"));
  }
  for (int c : columns) {
    if (c < 0 || static_cast<size_t>(c) >= schema_.size()) {
      return absl::InvalidArgumentError(absl::StrCat(path_, ": column index ", c, " out of range (",
                                                     schema_.size(), " columns)"));
    }
  }
  const columnar_batch_info& info = batches_[i];
  const size_t rows = static_cast<size_t>(info.rows);
  auto bad = [&](size_t c, const std::string& what) {
    return corrupt(path_, absl::StrCat("batch ", i, " column ", c + 1, " \"",
                                       schema_.fields[c].name, "\": ", what));
  };
  std::vector<column_ptr> decoded(schema_.size());
  try {
    kj::ArrayPtr<const capnp::word> words(
        reinterpret_cast<const capnp::word*>(file_->data() + info.offset), info.length / 8);
    capnp::FlatArrayMessageReader msg(words, options_for(info.length));
    if (msg.getEnd() != words.end())
      return corrupt(path_, absl::StrCat("batch ", i, ": message does not fill its frame"));
    auto root = msg.getRoot<wire::ColumnarBatch>();
    if (root.getRows() != info.rows) {
      return corrupt(path_, absl::StrCat("batch ", i, " holds ", root.getRows(),
                                         " rows, the footer says ", info.rows));
    }
    auto chunks = root.getColumns();
    if (chunks.size() != schema_.size()) {
      return corrupt(path_, absl::StrCat("batch ", i, " has ", chunks.size(),
                                         " columns, the schema ", schema_.size()));
    }
    for (int ci : columns) {
      const size_t c = static_cast<size_t>(ci);
      if (decoded[c]) continue;
      auto chunk = chunks[static_cast<unsigned>(c)];
      const type_id t = schema_.fields[c].type;
      auto col = std::make_shared<column>(t);
      auto values = chunk.getValues();
      auto offsets = chunk.getOffsets();
      auto chars = chunk.getChars();
      const bool str = t == type_id::string;
      if (str ? values.size() != 0 : offsets.size() != 0 || chars.size() != 0)
        return bad(c, "blobs of another type present");
      switch (t) {
        case type_id::int64:
        case type_id::date:
          if (!copy_fixed(values, rows, col->i64()))
            return bad(c, absl::StrCat(values.size(), " value bytes for ", rows, " rows"));
          break;
        case type_id::float64:
          if (!copy_fixed(values, rows, col->f64()))
            return bad(c, absl::StrCat(values.size(), " value bytes for ", rows, " rows"));
          break;
        case type_id::boolean:
          if (!copy_fixed(values, rows, col->b()))
            return bad(c, absl::StrCat(values.size(), " value bytes for ", rows, " rows"));
          if (!all_zero_one(col->b().data(), rows)) return bad(c, "boolean other than 0 or 1");
          break;
        case type_id::string: {
          auto& off = col->offsets();
          if (!copy_fixed(offsets, rows + 1, off))
            return bad(c, absl::StrCat(offsets.size(), " offset bytes for ", rows, " rows"));
          uint32_t prev = off[0], decreased = 0;
          for (size_t r = 1; r <= rows; ++r) {
            decreased |= off[r] < prev;
            prev = off[r];
          }
          if (off[0] != 0 || decreased != 0 || off[rows] != chars.size())
            return bad(c, "string offsets out of order or not matching the characters");
          col->chars().assign(reinterpret_cast<const char*>(chars.begin()), chars.size());
          break;
        }
      }
      auto valid = chunk.getValid();
      if (valid.size() != 0) {
        if (!copy_fixed(valid, rows, col->valid()))
          return bad(c, absl::StrCat(valid.size(), " validity bytes for ", rows, " rows"));
        if (!all_zero_one(col->valid().data(), rows)) return bad(c, "validity other than 0 or 1");
      }
      col->set_size(rows);
      decoded[c] = std::move(col);
    }
  } catch (const kj::Exception& e) {
    return corrupt(path_, absl::StrCat("batch ", i, ": ", e.getDescription().cStr()));
  }
  out->schema.fields.clear();
  out->columns.clear();
  for (int c : columns) {
    out->schema.fields.push_back(schema_.fields[c]);
    out->columns.push_back(decoded[c]);
  }
  out->rows = rows;
  return absl::OkStatus();
}

// --- batch skipping ---

namespace {

// compare_int_double of the executor (exec/expr_kernels.h): exact.
int compare_int_double(int64_t a, double b) {
  if (b >= 9223372036854775808.0) return -1;
  if (b < -9223372036854775808.0) return 1;
  const double t = std::trunc(b);
  const int64_t bi = static_cast<int64_t>(t);
  if (a != bi) return a < bi ? -1 : 1;
  return t < b ? -1 : (t > b ? 1 : 0);
}

template <class T>
int three_way(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// -1/0/1 comparing a statistic (the column's type) with the constant, or
// nullopt when the executor would not compare them. Neither is NaN.
std::optional<int> compare_stat(const value& s, const value& c) {
  if (const auto* si = std::get_if<int64_t>(&s)) {
    if (const auto* ci = std::get_if<int64_t>(&c)) return three_way(*si, *ci);
    if (const auto* cd = std::get_if<double>(&c)) return compare_int_double(*si, *cd);
    return std::nullopt;
  }
  if (const auto* sd = std::get_if<double>(&s)) {
    if (const auto* cd = std::get_if<double>(&c)) return three_way(*sd, *cd);
    if (const auto* ci = std::get_if<int64_t>(&c)) return -compare_int_double(*ci, *sd);
    return std::nullopt;
  }
  if (const auto* sdt = std::get_if<date_value>(&s)) {
    if (const auto* cdt = std::get_if<date_value>(&c)) return three_way(sdt->days, cdt->days);
    return std::nullopt;
  }
  if (const auto* sb = std::get_if<bool>(&s)) {
    if (const auto* cb = std::get_if<bool>(&c)) return three_way(int{*sb}, int{*cb});
    return std::nullopt;
  }
  if (const auto* ss = std::get_if<std::string>(&s)) {
    if (const auto* cs = std::get_if<std::string>(&c)) {
      const int r = ss->compare(*cs);  // bytewise (char_traits<char> compares unsigned)
      return r < 0 ? -1 : (r > 0 ? 1 : 0);
    }
    return std::nullopt;
  }
  return std::nullopt;
}

// Whether some non-NULL value v in [lo, hi] may satisfy `v op c`.
bool bound_may_hold(const column_stats& st, bound_op op, const value& c) {
  const auto lo = compare_stat(st.min, c);
  const auto hi = compare_stat(st.max, c);
  if (!lo || !hi) return true;
  switch (op) {
    case bound_op::eq:
      return *lo <= 0 && *hi >= 0;
    case bound_op::ne:
      return !(*lo == 0 && *hi == 0);
    case bound_op::lt:
      return *lo < 0;
    case bound_op::le:
      return *lo <= 0;
    case bound_op::gt:
      return *hi > 0;
    case bound_op::ge:
      return *hi >= 0;
  }
  return true;
}

}  // namespace

bool may_match(const columnar_batch_info& info, const std::vector<column_bound>& bounds) {
  if (info.rows == 0) return false;
  for (const column_bound& b : bounds) {
    if (b.column < 0 || static_cast<size_t>(b.column) >= info.stats.size()) continue;
    const column_stats& st = info.stats[static_cast<size_t>(b.column)];
    if (st.nulls >= info.rows) return false;  // only NULLs: nothing compares true
    if (is_null(b.constant)) return false;    // x op NULL is never true
    if (const auto* d = std::get_if<double>(&b.constant); d && std::isnan(*d)) {
      if (b.op != bound_op::ne) return false;  // NaN is unordered: only <> holds
      continue;
    }
    if (!st.has_min_max) continue;
    if (!bound_may_hold(st, b.op, b.constant)) return false;
  }
  return true;
}

// --- splits ---

absl::StatusOr<std::vector<columnar_split>> make_columnar_splits(
    const std::vector<std::string>& files, uint64_t target_bytes) {
  if (target_bytes == 0) return absl::InvalidArgumentError("split size must be positive");
  std::vector<columnar_split> out;
  std::optional<schema> first;
  for (const std::string& path : files) {
    auto r = first ? columnar_reader::open(path, *first) : columnar_reader::open(path);
    if (!r.ok()) return r.status();
    if (!first) first = (*r)->file_schema();
    const size_t n = (*r)->num_batches();
    if (n == 0) continue;
    uint64_t total = 0;
    for (size_t i = 0; i < n; ++i) total += (*r)->batch_info(i).length;
    // As many splits as the rounded ratio (within 2/3..3/2 of the target,
    // batch granularity permitting) of about equal bytes: a split ends where
    // taking the next batch would overshoot its share by more than it falls short.
    const uint64_t parts =
        std::min<uint64_t>(n, std::max<uint64_t>(1, (total + target_bytes / 2) / target_bytes));
    const uint64_t share = std::min(target_bytes, total / parts);
    uint64_t acc = 0;
    size_t start = 0;
    for (size_t i = 0; i < n; ++i) {
      acc += (*r)->batch_info(i).length;
      if (i + 1 == n || acc + (*r)->batch_info(i + 1).length / 2 >= share) {
        out.push_back(columnar_split{path, start, i + 1 - start});
        start = i + 1;
        acc = 0;
      }
    }
  }
  return out;
}

}  // namespace tranche
