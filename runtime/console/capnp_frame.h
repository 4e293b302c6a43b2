// Framing shared by the console's and the sessions' codecs: a built
// message as bytes, and a reader over untrusted bytes that turns every Cap'n
// Proto failure into an InvalidArgument "malformed <what>: ...".
#pragma once

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "capnp/message.h"
#include "capnp/serialize.h"

namespace tranche {

inline capnp::Text::Reader text(const std::string& s) {
  return capnp::Text::Reader(s.data(), s.size());
}
inline std::string str(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }

inline std::vector<char> flat(capnp::MessageBuilder& mb) {
  auto words = capnp::messageToFlatArray(mb);
  auto bytes = words.asChars();
  return std::vector<char>(bytes.begin(), bytes.end());
}

// Runs `body` on a reader of the untrusted bytes; `what` names the message.
template <class Root, class F>
auto with_reader(const char* data, size_t size, const char* what, F body)
    -> decltype(body(std::declval<typename Root::Reader>())) {
  if (size == 0 || size % sizeof(capnp::word) != 0)
    return absl::InvalidArgumentError(
        absl::StrCat("malformed ", what, ": size is not a whole number of words"));
  kj::Array<capnp::word> aligned = kj::heapArray<capnp::word>(size / sizeof(capnp::word));
  std::memcpy(aligned.begin(), data, size);
  try {
    capnp::ReaderOptions opts;
    // Proportional to the message: lists of zero-sized structs cost no bytes.
    opts.traversalLimitInWords =
        std::min<uint64_t>(uint64_t{64} << 20, size / sizeof(capnp::word) * 4 + 64);
    opts.nestingLimit = 16;
    capnp::FlatArrayMessageReader reader(aligned, opts);
    return body(reader.getRoot<Root>());
  } catch (const kj::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed ", what, ": ", e.getDescription().cStr()));
  }
}

}  // namespace tranche
