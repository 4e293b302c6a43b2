// Shared conversions and checks of the logical and plan codecs (see
// codec_common.h): schemas, sort keys, CSV formats, column lists, and the
// framing of untrusted bytes. Expressions live in expr_codec.cc.
#include "plan/codec_common.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "capnp/serialize.h"
#include "kj/exception.h"

namespace tranche::codec {
namespace {

static_assert(same_ordinal(type_id::int64, wire::TypeId::INT64) &&
              same_ordinal(type_id::float64, wire::TypeId::FLOAT64) &&
              same_ordinal(type_id::boolean, wire::TypeId::BOOLEAN) &&
              same_ordinal(type_id::string, wire::TypeId::STRING) &&
              same_ordinal(type_id::date, wire::TypeId::DATE));

// Limits for hostile bytes. Cap'n Proto charges a list of zero-sized elements
// one word per element against the traversal limit, so a message of a few
// words could otherwise claim millions of (default, valid-looking) fields or
// sort keys; a limit proportional to the message keeps what we allocate
// proportional to what we received. Honest messages are traversed about once
// (each pointer is fetched once), so 4x leaves ample slack.
constexpr uint64_t k_max_message_words = 64ull << 20;  // 512 MiB
constexpr uint64_t k_traversal_factor = 4;
// Each expression level costs Cap'n Proto two nesting levels (the args list
// and its element), so 256 levels of expression inside a plan need a little
// over 512; our own depth checks fire first and name the cause.
constexpr int k_nesting_limit = 1024;

}  // namespace

absl::Status malformed(absl::string_view what) { return absl::InvalidArgumentError(what); }

absl::Status within(absl::string_view where, const absl::Status& s) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(where, ": ", s.message()));
}

std::string type_label(type_id t) { return std::string(type_name(t)); }

std::vector<type_id> types_of(const schema& s) {
  std::vector<type_id> out;
  out.reserve(s.size());
  for (const auto& f : s.fields) out.push_back(f.type);
  return out;
}

// ---- encoding

void write_schema(wire::Schema::Builder b, const schema& s) {
  auto fields = b.initFields(s.fields.size());
  for (size_t i = 0; i < s.fields.size(); ++i) {
    const auto& name = s.fields[i].name;
    fields[i].setName(capnp::Text::Reader(name.data(), name.size()));
    fields[i].setType(static_cast<wire::TypeId>(s.fields[i].type));
  }
}

void write_sort_keys(capnp::List<wire::SortKey>::Builder b, const std::vector<sort_key>& v) {
  for (size_t i = 0; i < v.size(); ++i) {
    b[i].setColumn(v[i].column);
    b[i].setAscending(v[i].ascending);
    b[i].setNullsFirst(v[i].nulls_first);
  }
}

void write_format(wire::CsvFormat::Builder b, const csv_format& f) {
  b.setDelimiter(static_cast<uint8_t>(f.delimiter));
  b.setHeader(f.header);
  b.setColumnar(f.columnar);
}

void write_ints(capnp::List<int32_t>::Builder b, const std::vector<int>& v) {
  for (size_t i = 0; i < v.size(); ++i) b.set(i, v[i]);
}

std::vector<char> to_bytes(capnp::MessageBuilder& m) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(m);
  auto bytes = words.asChars();
  return std::vector<char>(bytes.begin(), bytes.end());
}

// ---- decoding

absl::Status read_type(wire::TypeId t, type_id* out) {
  auto raw = static_cast<uint16_t>(t);
  if (raw > static_cast<uint16_t>(wire::TypeId::DATE))
    return malformed(absl::StrCat("unknown type ", raw));
  *out = static_cast<type_id>(raw);
  return absl::OkStatus();
}

absl::Status read_schema(wire::Schema::Reader r, schema* out) {
  auto fields = r.getFields();
  out->fields.clear();
  out->fields.reserve(fields.size());
  for (auto f : fields) {
    field x;
    auto name = f.getName();
    x.name.assign(name.begin(), name.size());
    CODEC_RETURN_IF_ERROR(
        within(absl::StrCat("field ", out->fields.size()), read_type(f.getType(), &x.type)));
    out->fields.push_back(std::move(x));
  }
  return absl::OkStatus();
}

absl::Status read_sort_keys(capnp::List<wire::SortKey>::Reader r, size_t width,
                            std::vector<sort_key>* out) {
  out->clear();
  out->reserve(r.size());
  for (auto k : r) {
    int32_t c = k.getColumn();
    if (c < 0 || static_cast<size_t>(c) >= width)
      return malformed(absl::StrCat("sort key ", out->size(), ": column ", c,
                                    " out of range: the input has ", width, " columns"));
    out->push_back(sort_key{c, k.getAscending(), k.getNullsFirst()});
  }
  return absl::OkStatus();
}

absl::Status read_format(wire::CsvFormat::Reader r, csv_format* out) {
  uint8_t d = r.getDelimiter();
  if (d == '\n' || d == '\r' || d == '"' || d == 0)
    return malformed(absl::StrCat("CSV delimiter byte ", d, " cannot separate fields"));
  out->delimiter = static_cast<char>(d);
  out->header = r.getHeader();
  out->columnar = r.getColumnar();
  return absl::OkStatus();
}

absl::Status read_columns(capnp::List<int32_t>::Reader r, size_t width, absl::string_view what,
                          std::vector<int>* out) {
  out->clear();
  out->reserve(r.size());
  for (int32_t c : r) {
    if (c < 0 || static_cast<size_t>(c) >= width)
      return malformed(absl::StrCat(what, " ", out->size(), " is column ", c,
                                    ", out of range: there are ", width, " columns"));
    out->push_back(c);
  }
  return absl::OkStatus();
}

absl::Status check_output(const schema& got, const std::vector<type_id>& produced,
                          absl::string_view producer) {
  if (got.size() != produced.size())
    return malformed(
        absl::StrCat(got.size(), " columns, but the ", producer, " produces ", produced.size()));
  for (size_t i = 0; i < produced.size(); ++i) {
    if (got.fields[i].type != produced[i])
      return malformed(absl::StrCat("column ", i, " \"", got.fields[i].name, "\" is ",
                                    type_label(got.fields[i].type), ", but the ", producer,
                                    " produces ", type_label(produced[i])));
  }
  return absl::OkStatus();
}

absl::Status read_message(const char* data, size_t size, absl::string_view prefix,
                          absl::FunctionRef<absl::Status(capnp::MessageReader&)> fn) {
  auto fail = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(prefix, ": ", what));
  };
  if (data == nullptr || size == 0) return fail("empty message");
  if (size % sizeof(capnp::word) != 0)
    return fail(absl::StrCat(size, " bytes is not a whole number of 8-byte words"));
  uint64_t words = size / sizeof(capnp::word);
  if (words > k_max_message_words)
    return fail(absl::StrCat(size, " bytes exceeds the limit of ",
                             k_max_message_words * sizeof(capnp::word), " bytes"));

  // FlatArrayMessageReader reads words in place and needs them aligned.
  kj::Array<capnp::word> copy;
  kj::ArrayPtr<const capnp::word> view;
  if (reinterpret_cast<uintptr_t>(data) % alignof(capnp::word) == 0) {
    view = kj::arrayPtr(reinterpret_cast<const capnp::word*>(data), words);
  } else {
    copy = kj::heapArray<capnp::word>(words);
    std::memcpy(copy.begin(), data, size);
    view = copy.asPtr();
  }

  capnp::ReaderOptions options;
  options.traversalLimitInWords = std::min(k_max_message_words, words * k_traversal_factor + 64);
  options.nestingLimit = k_nesting_limit;
  try {
    capnp::FlatArrayMessageReader reader(view, options);
    if (reader.getEnd() != view.end())
      return fail(absl::StrCat((view.end() - reader.getEnd()) * sizeof(capnp::word),
                               " bytes after the end of the message"));
    // An empty root would read as a message of all defaults; no encoder sends one.
    if (reader.getRoot<capnp::AnyPointer>().isNull()) return fail("message has no root object");
    absl::Status s = fn(reader);
    if (!s.ok()) return fail(s.message());
    return absl::OkStatus();
  } catch (const kj::Exception& e) {
    return fail(e.getDescription().cStr());
  }
}

}  // namespace tranche::codec
