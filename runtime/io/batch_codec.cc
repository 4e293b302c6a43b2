// Implementation of batch_codec.h over the generated schemas/batch.capnp.h.
// kj::Exception from Cap'n Proto stops here: decode_batch is where untrusted
// bytes enter, so it catches and reports them as a Status.
#include "io/batch_codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "schemas/batch.capnp.h"

namespace tranche {
namespace {

absl::Status malformed(const std::string& what) {
  return absl::InvalidArgumentError("malformed batch: " + what);
}

void encode_column(const column& c, size_t rows, wire::Column::Builder out) {
  switch (c.type()) {
    case type_id::int64:
    case type_id::date: {
      auto ints = out.initInts(static_cast<unsigned>(rows));
      for (size_t i = 0; i < rows; ++i) ints.set(static_cast<unsigned>(i), c.i64()[i]);
      break;
    }
    case type_id::float64: {
      auto floats = out.initFloats(static_cast<unsigned>(rows));
      for (size_t i = 0; i < rows; ++i) floats.set(static_cast<unsigned>(i), c.f64()[i]);
      break;
    }
    case type_id::boolean: {
      auto bools = out.initBools(static_cast<unsigned>(rows));
      for (size_t i = 0; i < rows; ++i) bools[i] = c.b()[i] != 0 ? 1 : 0;
      break;
    }
    case type_id::string: {
      auto offsets = out.initOffsets(static_cast<unsigned>(rows + 1));
      for (size_t i = 0; i <= rows; ++i) offsets.set(static_cast<unsigned>(i), c.offsets()[i]);
      const size_t n = c.offsets()[rows];
      auto chars = out.initChars(static_cast<unsigned>(n));
      if (n > 0) std::memcpy(chars.begin(), c.chars().data(), n);
      break;
    }
  }
  if (c.has_nulls()) {
    auto valid = out.initValid(static_cast<unsigned>(rows));
    for (size_t i = 0; i < rows; ++i) valid[i] = c.valid()[i] != 0 ? 1 : 0;
  }
}

// The single value list a column of type t uses; every other one must be empty.
absl::Status check_lists(wire::Column::Reader c, type_id t, size_t rows, size_t index) {
  const bool ints = t == type_id::int64 || t == type_id::date;
  const bool str = t == type_id::string;
  auto fail = [&](const char* what) {
    return malformed(absl::StrCat("column ", index, " (", std::string(type_name(t)), "): ", what));
  };
  if (c.getInts().size() != (ints ? rows : 0)) return fail("wrong number of ints");
  if (c.getFloats().size() != (t == type_id::float64 ? rows : 0))
    return fail("wrong number of floats");
  if (c.getBools().size() != (t == type_id::boolean ? rows : 0))
    return fail("wrong number of bools");
  if (c.getOffsets().size() != (str ? rows + 1 : 0)) return fail("wrong number of string offsets");
  if (!str && c.getChars().size() != 0) return fail("characters in a non-string column");
  if (c.getValid().size() != 0 && c.getValid().size() != rows)
    return fail("validity map length differs from the row count");
  return absl::OkStatus();
}

absl::StatusOr<column_ptr> decode_column(wire::Column::Reader c, type_id t, size_t rows,
                                         size_t index) {
  absl::Status st = check_lists(c, t, rows, index);
  if (!st.ok()) return st;
  auto fail = [&](const std::string& what) {
    return malformed(absl::StrCat("column ", index, ": ", what));
  };
  auto out = std::make_shared<column>(t);
  switch (t) {
    case type_id::int64:
    case type_id::date: {
      auto ints = c.getInts();
      auto& v = out->i64();
      v.resize(rows);
      for (size_t i = 0; i < rows; ++i) v[i] = ints[static_cast<unsigned>(i)];
      break;
    }
    case type_id::float64: {
      auto floats = c.getFloats();
      auto& v = out->f64();
      v.resize(rows);
      for (size_t i = 0; i < rows; ++i) v[i] = floats[static_cast<unsigned>(i)];
      break;
    }
    case type_id::boolean: {
      auto bools = c.getBools();
      auto& v = out->b();
      v.assign(bools.begin(), bools.end());
      for (uint8_t x : v)
        if (x > 1) return fail("boolean value other than 0 or 1");
      break;
    }
    case type_id::string: {
      auto offsets = c.getOffsets();
      auto chars = c.getChars();
      auto& v = out->offsets();
      v.resize(rows + 1);
      for (size_t i = 0; i <= rows; ++i) {
        v[i] = offsets[static_cast<unsigned>(i)];
        if (i > 0 && v[i] < v[i - 1]) return fail("string offsets decrease");
      }
      if (v[rows] > chars.size()) return fail("string offsets beyond the characters");
      out->chars().assign(reinterpret_cast<const char*>(chars.begin()), chars.size());
      break;
    }
  }
  auto valid = c.getValid();
  if (valid.size() != 0) {
    out->valid().assign(valid.begin(), valid.end());
    for (uint8_t x : out->valid())
      if (x > 1) return fail("validity byte other than 0 or 1");
  }
  out->set_size(rows);
  return column_ptr(std::move(out));
}

absl::StatusOr<batch> decode_message(capnp::FlatArrayMessageReader& reader) {
  auto root = reader.getRoot<wire::Batch>();
  batch out;
  auto fields = root.getSchema().getFields();
  for (auto f : fields) {
    const auto t = static_cast<uint16_t>(f.getType());
    if (t > static_cast<uint16_t>(type_id::date)) {
      return malformed(absl::StrCat("unknown column type ", t));
    }
    auto name = f.getName();
    out.schema.fields.push_back(
        field{std::string(name.begin(), name.size()), static_cast<type_id>(t)});
  }
  const uint64_t rows = root.getRows();
  auto cols = root.getColumns();
  if (cols.size() != fields.size()) {
    return malformed(absl::StrCat(cols.size(), " columns for ", fields.size(), " schema fields"));
  }
  // A list holds fewer than 2^29 elements, so with any column a larger row
  // count cannot match its lists.
  if (cols.size() > 0 && rows >= (uint64_t{1} << 29)) {
    return malformed(absl::StrCat("row count ", rows, " too large"));
  }
  out.rows = static_cast<size_t>(rows);
  for (unsigned i = 0; i < cols.size(); ++i) {
    auto col = decode_column(cols[i], out.schema.fields[i].type, out.rows, i);
    if (!col.ok()) return col.status();
    out.columns.push_back(std::move(*col));
  }
  return out;
}

}  // namespace

std::vector<char> encode_batch(const batch& b) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<wire::Batch>();
  auto fields = root.initSchema().initFields(static_cast<unsigned>(b.schema.size()));
  for (size_t i = 0; i < b.schema.size(); ++i) {
    const field& f = b.schema.fields[i];
    fields[static_cast<unsigned>(i)].setName(capnp::Text::Reader(f.name.c_str(), f.name.size()));
    fields[static_cast<unsigned>(i)].setType(static_cast<wire::TypeId>(f.type));
  }
  root.setRows(b.rows);
  auto cols = root.initColumns(static_cast<unsigned>(b.columns.size()));
  for (size_t i = 0; i < b.columns.size(); ++i)
    encode_column(*b.columns[i], b.rows, cols[static_cast<unsigned>(i)]);
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  return std::vector<char>(reinterpret_cast<const char*>(bytes.begin()),
                           reinterpret_cast<const char*>(bytes.end()));
}

absl::StatusOr<batch> decode_batch(const char* data, size_t size) {
  if (size % sizeof(capnp::word) != 0) {
    return malformed(absl::StrCat("size ", size, " is not a multiple of 8"));
  }
  if (size == 0) return malformed("empty message");
  kj::Array<capnp::word> copy;
  const capnp::word* words = reinterpret_cast<const capnp::word*>(data);
  if (reinterpret_cast<uintptr_t>(data) % alignof(capnp::word) != 0) {
    copy = kj::heapArray<capnp::word>(size / sizeof(capnp::word));
    std::memcpy(copy.begin(), data, size);
    words = copy.begin();
  }
  capnp::ReaderOptions options;
  // Proportional to the message as well: a list of zero-sized structs (say
  // 30 million schema fields) costs Cap'n Proto's reader one word per element
  // but no bytes on the wire, so a fixed limit let a few hundred bytes make
  // the decoder build that many fields. An honest batch reads each word about
  // once.
  options.traversalLimitInWords = std::min<uint64_t>(kMaxBatchWireBytes / sizeof(capnp::word),
                                                     size / sizeof(capnp::word) * 4 + 64);
  options.nestingLimit = 64;
  try {
    kj::ArrayPtr<const capnp::word> array(words, size / sizeof(capnp::word));
    capnp::FlatArrayMessageReader reader(array, options);
    if (reader.getEnd() != array.end()) return malformed("trailing bytes after the message");
    return decode_message(reader);
  } catch (const kj::Exception& e) {
    return malformed(std::string(e.getDescription().cStr()));
  }
}

}  // namespace tranche
