// Spill files of batches, internal to exec: a blocking operator that runs out
// of its memory budget (the hash join, exec/hash_join.h) appends batches to a
// spill_file and later reads them back in order. Batches travel in their wire
// form (io/batch_codec.h), each preceded by its 8-byte length.
//
// The file is unlinked as soon as it is created: only the open descriptor
// keeps it, so it disappears when the spill_file is destroyed, on error
// paths and when the process dies, and never outlives the operator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tranche/batch.h"

namespace tranche {

class spill_file {
 public:
  // Creates an (already unlinked) file in `dir`, which must exist; appends
  // collect in a buffer of up to `buffer_bytes` before each write.
  // Errors: Unavailable with the system's reason, naming the directory.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<spill_file>> create(const std::string& dir,
                                                                          size_t buffer_bytes);
  ~spill_file();
  spill_file(const spill_file&) = delete;
  spill_file& operator=(const spill_file&) = delete;

  // Appends `b` (its first b.rows rows). Small batches collect in a buffer.
  [[nodiscard]] absl::Status append(const batch& b);
  // Calls f on every appended batch, in order (flushes the buffer first).
  [[nodiscard]] absl::Status read_all(const std::function<absl::Status(batch)>& f);
  // Reads the batch that starts at byte `*offset` (0 for the first) into
  // `*out` and advances `*offset` past it; false (and `*out` untouched) at the
  // end. Lets a caller stream several files at once (the sort's k-way merge).
  // Flushes the buffer first, so appends may go on in between.
  [[nodiscard]] absl::StatusOr<bool> read_next(uint64_t* offset, batch* out);
  // Writes out the buffer and frees its memory, for a file that is complete
  // but read only later (a sort's runs wait for the merge together).
  [[nodiscard]] absl::Status release_buffer();

  [[nodiscard]] uint64_t bytes() const { return bytes_; }  // written, with lengths
  [[nodiscard]] uint64_t rows() const { return rows_; }
  [[nodiscard]] uint64_t batch_bytes() const {
    return batch_bytes_;
  }  // approx_bytes of the batches

 private:
  spill_file(int fd, std::string dir, size_t buffer_bytes)
      : fd_(fd), dir_(std::move(dir)), buffer_bytes_(buffer_bytes) {}
  absl::Status flush();
  absl::Status read_at(uint64_t pos, char* dst, size_t n);
  absl::Status io_error(const char* what) const;

  int fd_ = -1;
  std::string dir_;
  size_t buffer_bytes_;
  std::vector<char> buffer_;
  uint64_t bytes_ = 0;
  uint64_t rows_ = 0;
  uint64_t batch_bytes_ = 0;
};

}  // namespace tranche
