// Encoding of what a client submits (schemas/program.capnp `Program`): SQL
// text, the tables it names bound to file globs, and its queue and priority.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tranche/client.h"

namespace tranche {

struct program_request {
  std::string sql;
  std::vector<table_binding> tables;
  submit_options options;  // queue and priority
  std::string submitter;   // user@host, for the console (tranchectl programs)
};

[[nodiscard]] std::vector<char> encode_program(const program_request& p);
[[nodiscard]] absl::StatusOr<program_request> decode_program(const char* data, size_t size);

}  // namespace tranche
