// The wire form of a batch (schemas/batch.capnp): what block fetches, results
// to clients and spilled blocks carry between processes. Decoding treats the
// bytes as hostile: every length, offset and enum is checked, and a malformed
// message is an InvalidArgument error, never a crash.
#pragma once

#include <cstddef>
#include <vector>

#include "absl/status/statusor.h"
#include "tranche/batch.h"

namespace tranche {

// decode_batch refuses messages that make the reader traverse more than this
// (it bounds the work and memory a hostile message can cause). Keep batches
// well below it: 65536 rows of a few columns are a few MiB. Cap'n Proto also
// caps one list at 2^29 - 1 elements, so a batch must have fewer rows than
// that and less than 512 MiB of text per string column.
inline constexpr size_t kMaxBatchWireBytes = size_t{256} << 20;

// A single unpacked Cap'n Proto message, a multiple of 8 bytes long.
[[nodiscard]] std::vector<char> encode_batch(const batch& b);

// Parses what encode_batch produced; `data` needs no particular alignment.
// Errors: InvalidArgument "malformed batch: ...".
[[nodiscard]] absl::StatusOr<batch> decode_batch(const char* data, size_t size);

}  // namespace tranche
