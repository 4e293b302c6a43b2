// Implementation of exec/spill.h over POSIX file descriptors: mkstemp in the
// spill directory, unlink at once, buffered write(), and pread() to read back
// (reading does not disturb further appends).
#include "exec/spill.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "io/batch_codec.h"

namespace tranche {

absl::StatusOr<std::unique_ptr<spill_file>> spill_file::create(const std::string& dir,
                                                               size_t buffer_bytes) {
  std::string path = (dir.empty() ? std::string(".") : dir) + "/tranche-spill-XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0)
    return absl::UnavailableError("cannot create a spill file in \"" + dir +
                                  "\": " + std::strerror(errno));
  ::unlink(path.c_str());
  return std::unique_ptr<spill_file>(new spill_file(fd, dir, buffer_bytes));
}

spill_file::~spill_file() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status spill_file::io_error(const char* what) const {
  return absl::UnavailableError(std::string(what) + " spill file in \"" + dir_ +
                                "\": " + std::strerror(errno));
}

absl::Status spill_file::append(const batch& b) {
  if (b.rows == 0) return absl::OkStatus();
  const std::vector<char> wire = encode_batch(b);
  const uint64_t n = wire.size();
  const char* len = reinterpret_cast<const char*>(&n);
  buffer_.insert(buffer_.end(), len, len + sizeof n);
  buffer_.insert(buffer_.end(), wire.begin(), wire.end());
  bytes_ += sizeof n + n;
  rows_ += b.rows;
  batch_bytes_ += approx_bytes(b);
  return buffer_.size() >= buffer_bytes_ ? flush() : absl::OkStatus();
}

absl::Status spill_file::flush() {
  size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t w = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return io_error("cannot write a");
    done += static_cast<size_t>(w);
  }
  buffer_.clear();
  return absl::OkStatus();
}

absl::Status spill_file::release_buffer() {
  if (auto st = flush(); !st.ok()) return st;
  std::vector<char>().swap(buffer_);
  return absl::OkStatus();
}

absl::Status spill_file::read_at(uint64_t pos, char* dst, size_t n) {
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd_, dst + done, n - done, static_cast<off_t>(pos + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return io_error("cannot read a");
    if (r == 0) return absl::DataLossError("spill file in \"" + dir_ + "\" is truncated");
    done += static_cast<size_t>(r);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> spill_file::read_next(uint64_t* offset, batch* out) {
  if (!buffer_.empty())
    if (auto st = flush(); !st.ok()) return st;
  const uint64_t pos = *offset;
  if (pos >= bytes_) return false;
  uint64_t n = 0;
  if (bytes_ - pos < sizeof n)
    return absl::DataLossError("spill file in \"" + dir_ + "\" is corrupt");
  if (auto st = read_at(pos, reinterpret_cast<char*>(&n), sizeof n); !st.ok()) return st;
  if (n > bytes_ - pos - sizeof n)
    return absl::DataLossError("spill file in \"" + dir_ + "\" is corrupt");
  std::vector<char> data(n);
  if (auto st = read_at(pos + sizeof n, data.data(), n); !st.ok()) return st;
  auto b = decode_batch(data.data(), data.size());
  if (!b.ok()) return b.status();
  *out = *std::move(b);
  *offset = pos + sizeof n + n;
  return true;
}

absl::Status spill_file::read_all(const std::function<absl::Status(batch)>& f) {
  uint64_t pos = 0;
  for (;;) {
    batch b;
    auto more = read_next(&pos, &b);
    if (!more.ok()) return more.status();
    if (!*more) return absl::OkStatus();
    if (auto st = f(std::move(b)); !st.ok()) return st;
  }
}

}  // namespace tranche
