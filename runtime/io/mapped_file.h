// A read-only memory mapping of a whole file, with errors as absl::Status
// named after the path ("t.csv: No such file or directory"). The CSV reader
// and schema inference read files through it; only this file touches mmap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tranche {

class mapped_file {
 public:
  static absl::StatusOr<std::unique_ptr<mapped_file>> open(const std::string& path);
  ~mapped_file();
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;

  [[nodiscard]] const char* data() const { return data_; }
  [[nodiscard]] size_t size() const { return size_; }
  // Hints that [offset, offset + length) is about to be read front to back,
  // so the kernel starts reading it ahead (asynchronously: parsing overlaps
  // the I/O of a file that is not in the page cache).
  void will_read(uint64_t offset, uint64_t length) const;

 private:
  mapped_file(const char* data, size_t size) : data_(data), size_(size) {}
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// "path: <strerror(err)>" with a status code chosen from errno.
[[nodiscard]] absl::Status errno_status(const std::string& path, int err);

}  // namespace tranche
