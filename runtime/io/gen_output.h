// What the data generators (`gen sample`, `gen tpch`) share to write text
// fast: digits straight into a buffer, whole buffers to a file, and files
// written on every core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
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

// Runs job(0) .. job(n - 1) on up to one thread per core; the first error
// (in job order) after all have run, else OK.
[[nodiscard]] absl::Status run_on_all_cores(size_t n,
                                            const std::function<absl::Status(size_t)>& job);

// Writes all n bytes (retrying short writes and EINTR); the error names `path`.
[[nodiscard]] absl::Status write_all(int fd, const std::string& path, const char* p, size_t n);

}  // namespace tranche
