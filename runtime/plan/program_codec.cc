// Implementation of the Program codec (see program_codec.h). Decoding treats
// the bytes as untrusted: every failure is an InvalidArgument, never a crash.
#include "plan/program_codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "schemas/program.capnp.h"

namespace tranche {

namespace {

// With its length: a std::string converts to capnp::Text::Reader through
// c_str(), which cut the text at its first NUL byte, so a program holding one
// (found by tools/fuzz) re-encoded as a different program.
capnp::Text::Reader text(const std::string& s) { return capnp::Text::Reader(s.data(), s.size()); }
// The same on the way in: Text::Reader -> std::string also stops at a NUL.
std::string str(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }

}  // namespace

std::vector<char> encode_program(const program_request& p) {
  capnp::MallocMessageBuilder mb;
  auto root = mb.initRoot<wire::Program>();
  root.setSql(text(p.sql));
  if (p.options.queue != kDefaultQueue) root.setQueue(text(p.options.queue));
  root.setPriority(p.options.priority);
  if (!p.submitter.empty()) root.setSubmitter(text(p.submitter));
  auto tables = root.initTables(static_cast<unsigned>(p.tables.size()));
  for (size_t i = 0; i < p.tables.size(); ++i) {
    tables[i].setName(text(p.tables[i].name));
    tables[i].setGlob(text(p.tables[i].glob));
    tables[i].setDelimiter(static_cast<uint8_t>(p.tables[i].delimiter));
    tables[i].setHeader(p.tables[i].header);
    tables[i].setColumnar(p.tables[i].columnar);
  }
  auto views = root.initViews(static_cast<unsigned>(p.options.views.size()));
  for (size_t i = 0; i < p.options.views.size(); ++i) {
    views[i].setName(text(p.options.views[i].name));
    views[i].setSql(text(p.options.views[i].sql));
  }
  auto words = capnp::messageToFlatArray(mb);
  auto bytes = words.asChars();
  return std::vector<char>(bytes.begin(), bytes.end());
}

absl::StatusOr<program_request> decode_program(const char* data, size_t size) {
  if (size % sizeof(capnp::word) != 0 || size == 0)
    return absl::InvalidArgumentError("malformed program: size is not a whole number of words");
  kj::Array<capnp::word> aligned = kj::heapArray<capnp::word>(size / sizeof(capnp::word));
  std::memcpy(aligned.begin(), data, size);
  program_request out;
  try {
    capnp::ReaderOptions opts;
    // Proportional to the message too (as codec_common.cc): lists of
    // zero-sized or aliased structs cost no bytes on the wire.
    opts.traversalLimitInWords = std::min<uint64_t>(16u << 20, size / sizeof(capnp::word) * 4 + 64);
    opts.nestingLimit = 64;
    capnp::FlatArrayMessageReader reader(aligned, opts);
    auto root = reader.getRoot<wire::Program>();
    if (!root.isSql())
      return absl::UnimplementedError("dataflow programs are not supported yet; submit SQL");
    out.sql = str(root.getSql());
    if (root.hasQueue() && root.getQueue().size() > 0) out.options.queue = str(root.getQueue());
    out.options.priority = root.getPriority();
    if (root.hasSubmitter()) out.submitter = str(root.getSubmitter());
    for (auto t : root.getTables()) {
      table_binding b;
      b.name = str(t.getName());
      b.glob = str(t.getGlob());
      b.delimiter = static_cast<char>(t.getDelimiter());
      b.header = t.getHeader();
      b.columnar = t.getColumnar();
      out.tables.push_back(std::move(b));
    }
    for (auto v : root.getViews()) out.options.views.push_back({str(v.getName()), str(v.getSql())});
  } catch (const kj::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed program: ", e.getDescription().cStr()));
  }
  if (auto s = check_program(out); !s.ok())
    return absl::InvalidArgumentError(absl::StrCat("malformed program: ", s.message()));
  return out;
}

absl::Status check_program(const program_request& p) {
  for (size_t i = 0; i < p.tables.size(); ++i) {
    const table_binding& t = p.tables[i];
    if (t.name.empty())
      return absl::InvalidArgumentError(
          absl::StrCat("table binding ", i + 1, " (glob \"", t.glob, "\") has an empty name"));
    if (t.glob.empty())
      return absl::InvalidArgumentError(
          absl::StrCat("table binding \"", t.name, "\" has an empty glob"));
  }
  for (size_t i = 0; i < p.options.views.size(); ++i) {
    const view_binding& v = p.options.views[i];
    if (v.name.empty())
      return absl::InvalidArgumentError(absl::StrCat("view ", i + 1, " has an empty name"));
    if (v.sql.empty())
      return absl::InvalidArgumentError(absl::StrCat("view \"", v.name, "\" has an empty query"));
    for (size_t j = 0; j < i; ++j)
      if (absl::EqualsIgnoreCase(p.options.views[j].name, v.name))
        return absl::InvalidArgumentError(absl::StrCat("view \"", v.name, "\" is given twice"));
  }
  return absl::OkStatus();
}

}  // namespace tranche
