// The head's side of the handshake: outstanding challenges, each verified at
// most once and only within its time to live. See auth.h for the protocol.
#include <openssl/rand.h>

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "auth/auth.h"

namespace tranche {
namespace {

constexpr size_t kMaxRoleSize = 64;

absl::Status check_role(std::string_view role) {
  // These rules are what keeps head and party messages apart (see auth.h).
  if (role.empty() || role.size() > kMaxRoleSize || role == "head" ||
      role.find('|') != std::string_view::npos)
    return absl::InvalidArgumentError(
        absl::StrCat("authentication: invalid role \"",
                     absl::CHexEscape(std::string(role.substr(0, kMaxRoleSize))),
                     "\" (1 to 64 bytes, no '|', not \"head\")"));
  return absl::OkStatus();
}

// Random rather than sequential ids, so that a stranger cannot name (and, by
// failing once, burn) another connection's challenge.
uint64_t random_id() {
  std::vector<char> bytes = random_nonce();
  uint64_t id = 0;
  for (size_t i = 0; i < sizeof id; ++i) id = id << 8 | static_cast<unsigned char>(bytes[i]);
  return id;
}

}  // namespace

challenge_book::challenge_book(cluster_secret secret, std::function<int64_t()> now_ms,
                               int64_t ttl_ms)
    : secret_(std::move(secret)), now_ms_(std::move(now_ms)), ttl_ms_(ttl_ms) {}

absl::StatusOr<challenge_book::challenge> challenge_book::issue(
    std::string_view role, const std::vector<char>& client_nonce) {
  if (absl::Status s = check_role(role); !s.ok()) return s;
  if (client_nonce.size() != kNonceSize)
    return absl::InvalidArgumentError(absl::StrCat("authentication: the client nonce has ",
                                                   client_nonce.size(), " bytes, expected ",
                                                   kNonceSize));
  const int64_t now = now_ms_();
  drop_expired(now);
  while (by_id_.size() >= kMaxOutstanding) erase(by_id_.find(id_by_seq_.begin()->second));

  challenge c;
  do c.id = random_id();
  while (by_id_.contains(c.id));
  c.server_nonce = random_nonce();
  c.server_proof = server_proof(secret_, role, client_nonce, c.server_nonce);
  // Store the expected answer rather than the nonces: verify is then one compare.
  const uint64_t seq = next_seq_++;
  by_id_.emplace(c.id,
                 pending{client_proof(secret_, role, client_nonce, c.server_nonce), now, seq});
  id_by_seq_.emplace(seq, c.id);
  return c;
}

absl::Status challenge_book::verify(uint64_t id, const std::vector<char>& proof) {
  const int64_t now = now_ms_();
  auto it = by_id_.find(id);
  if (it == by_id_.end() || now - it->second.issued_ms >= ttl_ms_) {
    if (it != by_id_.end()) erase(it);
    return absl::PermissionDeniedError("authentication failed: unknown or expired challenge");
  }
  const bool ok = proofs_equal(it->second.expected_proof, proof);
  erase(it);  // single use, whatever the outcome
  if (!ok) return absl::PermissionDeniedError("authentication failed: wrong cluster secret");
  return absl::OkStatus();
}

void challenge_book::drop_expired(int64_t now) {
  // Issue order is time order for a monotonic clock, so expiry is a prefix.
  while (!id_by_seq_.empty()) {
    auto it = by_id_.find(id_by_seq_.begin()->second);
    if (now - it->second.issued_ms < ttl_ms_) break;
    erase(it);
  }
}

void challenge_book::erase(std::unordered_map<uint64_t, pending>::iterator it) {
  id_by_seq_.erase(it->second.seq);
  by_id_.erase(it);
}

}  // namespace tranche
