// The stateless half of the handshake: HMAC, nonces, the two proofs and their
// comparison, and the party-side check of the head's proof. See auth.h for
// the protocol; challenge_book.cc holds the head's state.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "auth/auth.h"
#include "auth/hmac.h"

namespace tranche {
namespace auth_internal {

std::vector<char> hmac_sha256(std::string_view key, std::string_view data) {
  std::vector<char> out(kHmacSize);
  unsigned int len = 0;
  // HMAC() fails only on allocation failure or an unusable digest; a zero
  // proof would then match nothing, but better to stop loudly.
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           reinterpret_cast<unsigned char*>(out.data()), &len) == nullptr ||
      len != kHmacSize) {
    std::fputs("tranche: HMAC-SHA256 failed\n", stderr);
    std::abort();
  }
  return out;
}

std::vector<char> keyed_hmac(const cluster_secret& secret, std::string_view data) {
  return hmac_sha256(secret.bytes_, data);
}

}  // namespace auth_internal

namespace {

std::vector<char> proof(const cluster_secret& secret, std::string_view prefix,
                        std::string_view role, const std::vector<char>& client_nonce,
                        const std::vector<char>& server_nonce) {
  std::string msg;
  msg.reserve(prefix.size() + role.size() + client_nonce.size() + server_nonce.size() + 2);
  msg.append(prefix).append(role).append("|");
  msg.append(client_nonce.begin(), client_nonce.end()).append("|");
  msg.append(server_nonce.begin(), server_nonce.end());
  return auth_internal::keyed_hmac(secret, msg);
}

}  // namespace

std::vector<char> random_nonce() {
  std::vector<char> nonce(kNonceSize);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), kNonceSize) != 1) {
    std::fputs("tranche: RAND_bytes failed; refusing to run with a predictable nonce\n", stderr);
    std::abort();
  }
  return nonce;
}

std::vector<char> client_proof(const cluster_secret& secret, std::string_view role,
                               const std::vector<char>& client_nonce,
                               const std::vector<char>& server_nonce) {
  return proof(secret, "tranche-v1|", role, client_nonce, server_nonce);
}

std::vector<char> server_proof(const cluster_secret& secret, std::string_view role,
                               const std::vector<char>& client_nonce,
                               const std::vector<char>& server_nonce) {
  return proof(secret, "tranche-v1|head|", role, client_nonce, server_nonce);
}

bool proofs_equal(const std::vector<char>& a, const std::vector<char>& b) {
  // The size of a proof is public (always 32), so an early exit leaks nothing.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

absl::Status check_server(const cluster_secret& secret, std::string_view role,
                          const std::vector<char>& client_nonce,
                          const std::vector<char>& server_nonce,
                          const std::vector<char>& server_proof_bytes) {
  // A short server nonce would let a fake head shrink the space of messages
  // we later sign; insist on the full size before anything else.
  if (server_nonce.size() != kNonceSize)
    return absl::PermissionDeniedError(absl::StrCat("authentication failed: the head sent a ",
                                                    server_nonce.size(), "-byte nonce, expected ",
                                                    kNonceSize));
  if (!proofs_equal(server_proof(secret, role, client_nonce, server_nonce), server_proof_bytes))
    return absl::PermissionDeniedError(
        "authentication failed: the head holds a different cluster secret");
  return absl::OkStatus();
}

int64_t steady_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace tranche
