// Authentication of cluster members (workers) and clients to the head by a
// shared cluster secret, without the secret ever crossing the wire. Plain C++
// with no actors: the head's connection handler owns a challenge_book, and the
// worker/client connector calls check_server and client_proof.
//
// The handshake, for a connecting party with role R ("worker", "client"):
//   1. party -> head:  hello(R, client_nonce)
//   2. head -> party:  challenge id, server_nonce,
//                      server_proof = HMAC(secret, "tranche-v1|head|R|cn|sn")
//   3. party checks server_proof (a head without the secret is detected before
//      the party proves anything), then sends
//                      client_proof = HMAC(secret, "tranche-v1|R|cn|sn")
//   4. head: challenge_book::verify(id, client_proof), at most once per id.
// Nonces are 32 random bytes. Roles may not contain '|', be empty or be
// "head"; with fixed-size nonces that keeps every head message distinct from
// every party message, so one side's proof can never be replayed as the other's.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tranche {

inline constexpr size_t kNonceSize = 32;

class cluster_secret;
namespace auth_internal {
std::vector<char> keyed_hmac(const cluster_secret& secret, std::string_view data);
}

// The shared secret. It has no accessor, printer or comparison on purpose: the
// only code that sees its bytes is the HMAC, so it cannot leak into a log line
// or a Status. The bytes are wiped on destruction.
class cluster_secret {
 public:
  // Reads the secret from `path` (trailing whitespace stripped, so `echo` and
  // editors do not change it). Refuses a file that group or others can access,
  // as ssh does with private keys, and a secret shorter than 16 bytes.
  [[nodiscard]] static absl::StatusOr<cluster_secret> load(const std::string& path);
  // Creates `path` (mode 0600, never overwriting) holding 32 random bytes,
  // hex-encoded, and returns the secret as load() would read it back.
  [[nodiscard]] static absl::StatusOr<cluster_secret> generate(const std::string& path);
  // For tests and for callers that obtained the secret elsewhere.
  [[nodiscard]] static cluster_secret from_bytes(std::string bytes);

  cluster_secret(const cluster_secret&) = default;
  cluster_secret(cluster_secret&&) = default;
  cluster_secret& operator=(const cluster_secret&) = default;
  cluster_secret& operator=(cluster_secret&&) = default;
  ~cluster_secret();

 private:
  explicit cluster_secret(std::string bytes) : bytes_(std::move(bytes)) {}
  friend std::vector<char> auth_internal::keyed_hmac(const cluster_secret&, std::string_view);

  std::string bytes_;
};

// The admin token: what an operator presents instead of the cluster secret
// (tranchectl with TRANCHE_ADMIN_TOKEN) and as the bearer token of the head's
// HTTP API. Only a keyed hash of it is kept (HMAC-SHA256 keyed by the token);
// a presented token is hashed the same way and compared in constant time.
class admin_token {
 public:
  // Reads the token file with cluster_secret::load's rules (a private regular
  // file, trailing whitespace stripped, at least 16 bytes).
  [[nodiscard]] static absl::StatusOr<admin_token> load(const std::string& path);
  [[nodiscard]] static admin_token from_text(std::string_view token);
  [[nodiscard]] bool matches(std::string_view presented) const;

 private:
  admin_token() = default;
  std::vector<char> verifier_;
};

// kNonceSize bytes from the OpenSSL CSPRNG. Aborts if the CSPRNG fails: a
// predictable nonce would silently void the replay protection.
[[nodiscard]] std::vector<char> random_nonce();

// The proofs of the handshake (see the top of this file); 32 bytes each.
[[nodiscard]] std::vector<char> client_proof(const cluster_secret& secret, std::string_view role,
                                             const std::vector<char>& client_nonce,
                                             const std::vector<char>& server_nonce);
[[nodiscard]] std::vector<char> server_proof(const cluster_secret& secret, std::string_view role,
                                             const std::vector<char>& client_nonce,
                                             const std::vector<char>& server_nonce);

// Equality in time independent of where the bytes differ (CRYPTO_memcmp), so a
// forger cannot find a proof byte by byte. False on a size mismatch.
[[nodiscard]] bool proofs_equal(const std::vector<char>& a, const std::vector<char>& b);

// Party side: OK if the head's proof shows it holds the secret; otherwise
// PermissionDenied, and the party must hang up without sending its own proof.
[[nodiscard]] absl::Status check_server(const cluster_secret& secret, std::string_view role,
                                        const std::vector<char>& client_nonce,
                                        const std::vector<char>& server_nonce,
                                        const std::vector<char>& server_proof);

// Milliseconds of std::chrono::steady_clock: the clock for a real challenge_book.
[[nodiscard]] int64_t steady_clock_ms();

// Head side: issues challenges and verifies each at most once. Challenges
// expire after ttl_ms and at most kMaxOutstanding are kept (the oldest are
// dropped), so half-open handshakes cannot grow the head's memory. Not
// thread-safe: one owner (the head's listener) calls it.
class challenge_book {
 public:
  static constexpr size_t kMaxOutstanding = 1024;

  struct challenge {
    uint64_t id = 0;  // opaque; echoed back by the party with its proof
    std::vector<char> server_nonce;
    std::vector<char> server_proof;
  };

  explicit challenge_book(cluster_secret secret, std::function<int64_t()> now_ms,
                          int64_t ttl_ms = 10000);

  // InvalidArgument for a client nonce that is not kNonceSize bytes or a
  // malformed role (empty, "head", containing '|', or over 64 bytes).
  [[nodiscard]] absl::StatusOr<challenge> issue(std::string_view role,
                                                const std::vector<char>& client_nonce);
  // OK, or PermissionDenied. The challenge is forgotten whatever the outcome,
  // so a proof cannot be replayed and a forger gets one guess per challenge.
  [[nodiscard]] absl::Status verify(uint64_t id, const std::vector<char>& client_proof);

  [[nodiscard]] size_t outstanding() const { return by_id_.size(); }

 private:
  struct pending {
    std::vector<char> expected_proof;
    int64_t issued_ms = 0;
    uint64_t seq = 0;
  };
  void drop_expired(int64_t now);
  void erase(std::unordered_map<uint64_t, pending>::iterator it);

  cluster_secret secret_;
  std::function<int64_t()> now_ms_;
  int64_t ttl_ms_;
  uint64_t next_seq_ = 0;
  std::unordered_map<uint64_t, pending> by_id_;
  std::map<uint64_t, uint64_t> id_by_seq_;  // issue order, oldest first
};

}  // namespace tranche
