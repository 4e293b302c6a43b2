// Implementation of block_store (see block_store.h).
#include "store/block_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "io/batch_codec.h"
#include "io/mapped_file.h"

namespace tranche {

namespace {

std::string describe_ref(const block_ref& ref) {
  return absl::StrCat("block of program ", ref.program, " portion ", ref.portion, " task ",
                      ref.task, " partition ", ref.partition);
}

// Writes all of `data`, retrying short writes.
absl::Status write_all(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return errno_status(path, n < 0 ? errno : EIO);
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

block_store::block_store(block_store_options options) : options_(std::move(options)) {}

block_store::~block_store() {
  std::error_code ec;
  for (const auto& [k, e] : blocks_)
    if (!e->path.empty()) std::filesystem::remove(e->path, ec);
}

absl::StatusOr<std::shared_ptr<block_store::entry>> block_store::spill(
    const block_ref& ref, const std::vector<batch_ptr>& batches) {
  auto e = std::make_shared<entry>();
  {
    std::lock_guard<std::mutex> lock(mu_);
    e->path = absl::StrCat(options_.spill_dir, "/", ref.program, "-", ref.portion, "-", ref.task,
                           "-", ref.partition, ".", next_file_++, ".blk");
  }
  std::error_code ec;
  std::filesystem::create_directories(options_.spill_dir, ec);
  if (ec)
    return absl::InternalError(absl::StrCat(options_.spill_dir, ": ", ec.message()));
  const int fd = ::open(e->path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errno_status(e->path, errno);
  absl::Status status;
  uint64_t offset = 0;
  for (const auto& b : batches) {
    std::vector<char> bytes = encode_batch(*b);
    status = write_all(fd, bytes.data(), bytes.size(), e->path);
    if (!status.ok()) break;
    e->frames.push_back(frame{offset, bytes.size()});
    e->sizes.push_back(bytes.size());
    offset += bytes.size();
  }
  ::close(fd);
  if (!status.ok()) {
    std::filesystem::remove(e->path, ec);
    return status;
  }
  e->bytes = static_cast<int64_t>(offset);
  return e;
}

absl::Status block_store::put(const block_ref& ref, std::vector<batch_ptr> batches) {
  std::vector<uint64_t> sizes;
  sizes.reserve(batches.size());
  int64_t bytes = 0;
  for (const auto& b : batches) {
    sizes.push_back(approx_bytes(*b));
    bytes += static_cast<int64_t>(sizes.back());
  }
  bool to_disk = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (dropped_.count(ref.program)) return absl::OkStatus();
    to_disk = !options_.spill_dir.empty() && memory_bytes_ + bytes > options_.memory_budget;
  }
  std::shared_ptr<entry> e;
  if (to_disk) {
    auto spilled = spill(ref, batches);
    if (!spilled.ok())
      return absl::Status(spilled.status().code(),
                          absl::StrCat("spilling a ", describe_ref(ref), ": ",
                                       spilled.status().message()));
    e = *std::move(spilled);
  } else {
    e = std::make_shared<entry>();
    e->batches = std::move(batches);
    e->sizes = std::move(sizes);
    e->bytes = bytes;
  }
  std::string stale;  // a file to delete outside the lock
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (dropped_.count(ref.program)) {
      stale = e->path;  // the program ended while the block was being written
    } else {
      auto& slot = blocks_[key_of(ref)];
      if (slot) {  // a rerun of the same task on this node replaces its block
        (slot->path.empty() ? memory_bytes_ : spilled_bytes_) -= slot->bytes;
        stale = slot->path;
      }
      (e->path.empty() ? memory_bytes_ : spilled_bytes_) += e->bytes;
      if (!e->path.empty()) ++spilled_blocks_;
      slot = std::move(e);
    }
  }
  if (!stale.empty()) {
    std::error_code ec;
    std::filesystem::remove(stale, ec);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const block_store::entry>> block_store::find(
    const block_ref& ref) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = blocks_.find(key_of(ref));
  if (it == blocks_.end())
    return absl::NotFoundError(absl::StrCat("no ", describe_ref(ref), " on node ", ref.node));
  return it->second;
}

bool block_store::describe(const block_ref& ref, std::vector<uint64_t>* sizes) const {
  auto e = find(ref);
  if (!e.ok()) return false;
  *sizes = (*e)->sizes;
  return true;
}

std::optional<size_t> block_store::batch_count(const block_ref& ref) const {
  auto e = find(ref);
  if (!e.ok()) return std::nullopt;
  return (*e)->sizes.size();
}

absl::StatusOr<std::vector<char>> block_store::read_frame(const entry& e, size_t i) const {
  const frame& f = e.frames[i];
  const int fd = ::open(e.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status(e.path, errno);
  std::vector<char> out(f.length);
  size_t done = 0;
  while (done < f.length) {
    ssize_t n = ::pread(fd, out.data() + done, f.length - done,
                        static_cast<off_t>(f.offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      return errno_status(e.path, err);
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return out;
}

absl::StatusOr<std::shared_ptr<const block_store::entry>> block_store::find_batch(
    const block_ref& ref, size_t i) const {
  auto e = find(ref);
  if (!e.ok()) return e.status();
  const size_t n = (*e)->sizes.size();
  if (i >= n)
    return absl::OutOfRangeError(
        absl::StrCat(describe_ref(ref), " has ", n, " batches, asked for batch ", i));
  return e;
}

absl::StatusOr<batch_ptr> block_store::batch_at(const block_ref& ref, size_t i) const {
  auto e = find_batch(ref, i);
  if (!e.ok()) return e.status();
  if ((*e)->path.empty()) return (*e)->batches[i];
  auto bytes = read_frame(**e, i);
  if (!bytes.ok()) return bytes.status();
  auto b = decode_batch(bytes->data(), bytes->size());
  if (!b.ok()) return b.status();
  return std::make_shared<batch>(*std::move(b));
}

absl::StatusOr<std::vector<char>> block_store::encoded_at(const block_ref& ref, size_t i) const {
  auto e = find_batch(ref, i);
  if (!e.ok()) return e.status();
  if ((*e)->path.empty()) return encode_batch(*(*e)->batches[i]);
  return read_frame(**e, i);
}

void block_store::drop_program(uint64_t program) {
  std::vector<std::string> files;
  {
    std::lock_guard<std::mutex> lock(mu_);
    dropped_.insert(program);
    for (auto it = blocks_.begin(); it != blocks_.end();) {
      if (std::get<0>(it->first) != program) {
        ++it;
        continue;
      }
      const entry& e = *it->second;
      (e.path.empty() ? memory_bytes_ : spilled_bytes_) -= e.bytes;
      if (!e.path.empty()) files.push_back(e.path);
      it = blocks_.erase(it);
    }
  }
  std::error_code ec;
  for (const auto& f : files) std::filesystem::remove(f, ec);
}

size_t block_store::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return blocks_.size();
}

int64_t block_store::memory_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return memory_bytes_;
}

int64_t block_store::spilled_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return spilled_bytes_;
}

uint64_t block_store::spilled_blocks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return spilled_blocks_;
}

}  // namespace tranche
