// The admin token (see auth.h).
#include "auth/auth.h"
#include "auth/hmac.h"

namespace tranche {
namespace {

constexpr std::string_view kLabel = "tranche admin token v1";

}  // namespace

absl::StatusOr<admin_token> admin_token::load(const std::string& path) {
  auto secret = cluster_secret::load(path);
  if (!secret.ok()) return secret.status();
  admin_token t;
  t.verifier_ = auth_internal::keyed_hmac(*secret, kLabel);
  return t;
}

admin_token admin_token::from_text(std::string_view token) {
  admin_token t;
  t.verifier_ = auth_internal::hmac_sha256(token, kLabel);
  return t;
}

bool admin_token::matches(std::string_view presented) const {
  if (verifier_.empty() || presented.empty()) return false;
  return proofs_equal(auth_internal::hmac_sha256(presented, kLabel), verifier_);
}

}  // namespace tranche
