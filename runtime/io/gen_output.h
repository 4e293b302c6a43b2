// What the data generators (`gen sample`, `gen tpch`) share to write text
// fast: digits straight into a buffer, and whole buffers to a file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace tranche {

// Writes v's decimal digits at p; returns the end.
inline char* put_uint(char* p, uint64_t v) {
  char tmp[20];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) *p++ = tmp[--n];
  return p;
}

// Writes all n bytes (retrying short writes and EINTR); the error names `path`.
[[nodiscard]] absl::Status write_all(int fd, const std::string& path, const char* p, size_t n);

}  // namespace tranche
