// Encoding of what a client submits (schemas/program.capnp `Program`): SQL
// text, the tables it names bound to file globs, its queue and priority, and
// the temporary views of the session submitting it.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tranche/client.h"

namespace tranche {

struct program_request {
  std::string sql;
  std::vector<table_binding> tables;
  submit_options options;  // queue, priority and the session's views
  std::string submitter;   // user@host, for the console (tranchectl programs)
};

[[nodiscard]] std::vector<char> encode_program(const program_request& p);
// Refuses what check_program refuses, as "malformed program: ...".
[[nodiscard]] absl::StatusOr<program_request> decode_program(const char* data, size_t size);

// InvalidArgument for a table binding without a name or a glob, and for a
// view without a name or a query or whose name an earlier view has
// (case-insensitive): `view 2 has an empty name`, `view "v" is given twice`.
// The SDK checks before it submits; the head's decoder checks again.
[[nodiscard]] absl::Status check_program(const program_request& p);

}  // namespace tranche
