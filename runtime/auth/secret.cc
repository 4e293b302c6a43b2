// Loading and creating the cluster secret file (`tranched --init-secret`).
// Every error names the path and what is wrong with the file, never its
// content: these messages end up in logs.
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "auth/auth.h"

namespace tranche {
namespace {

constexpr size_t kMinSecretSize = 16;
// A secret is a line of text; a larger file is a wrong path (or /dev/zero).
constexpr off_t kMaxSecretFileSize = 4096;

// Closes the descriptor on every return path.
class fd_closer {
 public:
  explicit fd_closer(int fd) : fd_(fd) {}
  ~fd_closer() {
    if (fd_ >= 0) ::close(fd_);
  }
  fd_closer(const fd_closer&) = delete;
  fd_closer& operator=(const fd_closer&) = delete;

 private:
  int fd_;
};

}  // namespace

cluster_secret::~cluster_secret() {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

cluster_secret cluster_secret::from_bytes(std::string bytes) {
  return cluster_secret(std::move(bytes));
}

absl::StatusOr<cluster_secret> cluster_secret::load(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, path);
  fd_closer closer(fd);
  // fstat on the open descriptor, not stat on the path: the file checked is
  // the file read, even if someone swaps the path in between.
  struct stat st;
  if (::fstat(fd, &st) != 0) return absl::ErrnoToStatus(errno, path);
  if (!S_ISREG(st.st_mode))
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": the secret file is not a regular file"));
  const unsigned mode = st.st_mode & 07777;
  if (mode & 077) {
    // Writable by others is as bad as readable: whoever can replace the
    // secret can impersonate the head.
    const char* what = (mode & 044) ? "readable" : (mode & 022) ? "writable" : "accessible";
    return absl::PermissionDeniedError(absl::StrFormat(
        "%s: the secret file is %s by others (mode %04o); chmod 600 it", path, what, mode));
  }
  if (st.st_size > kMaxSecretFileSize)
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the secret file is larger than ", kMaxSecretFileSize, " bytes"));

  std::string bytes(static_cast<size_t>(kMaxSecretFileSize) + 1, '\0');
  size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      OPENSSL_cleanse(bytes.data(), bytes.size());
      return absl::ErrnoToStatus(err, path);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  // A file that grew past the limit after fstat.
  if (got > static_cast<size_t>(kMaxSecretFileSize)) {
    OPENSSL_cleanse(bytes.data(), bytes.size());
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the secret file is larger than ", kMaxSecretFileSize, " bytes"));
  }
  // Trailing whitespace (the newline of `echo` or an editor, a CR) is not part
  // of the secret; stripping it keeps head and workers agreeing on the bytes.
  size_t len = got;
  while (len > 0 && absl::ascii_isspace(static_cast<unsigned char>(bytes[len - 1]))) --len;
  cluster_secret secret(std::move(bytes));  // wipes every byte read on every path below
  secret.bytes_.resize(len);
  if (len < kMinSecretSize)
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the cluster secret must be at least ", kMinSecretSize, " bytes"));
  return secret;
}

absl::StatusOr<cluster_secret> cluster_secret::generate(const std::string& path) {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1)
    return absl::InternalError(absl::StrCat(path, ": the random number generator failed"));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(2 * sizeof raw + 1);
  for (unsigned char b : raw) {
    text.push_back(kHex[b >> 4]);
    text.push_back(kHex[b & 15]);
  }
  OPENSSL_cleanse(raw, sizeof raw);
  cluster_secret secret(text);
  text.push_back('\n');

  // O_EXCL: an existing secret is never overwritten (that would lock every
  // worker out); O_NOFOLLOW: a planted symlink cannot redirect the write.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    OPENSSL_cleanse(text.data(), text.size());
    if (err == EEXIST)
      return absl::AlreadyExistsError(
          absl::StrCat(path, ": the secret file already exists; refusing to overwrite it"));
    return absl::ErrnoToStatus(err, path);
  }
  fd_closer closer(fd);
  size_t done = 0;
  int err = 0;
  // The umask may only have narrowed 0600; fchmod makes the mode exact anyway.
  if (::fchmod(fd, 0600) != 0) err = errno;
  while (err == 0 && done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      err = errno;
    else
      done += static_cast<size_t>(n);
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  OPENSSL_cleanse(text.data(), text.size());
  if (err != 0) {
    // A half-written secret must not be mistaken for a good one later.
    ::unlink(path.c_str());
    return absl::ErrnoToStatus(err, path);
  }
  return secret;
}

}  // namespace tranche
