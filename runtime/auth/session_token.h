// A session's token: 256 random bits from OpenSSL's CSPRNG, written as
// "trs_" + 64 lowercase hex digits. The head hands it once to the requester;
// it and the kernel keep only its SHA-256 digest and compare a presented
// token's digest in constant time. redact_tokens() keeps tokens out of log
// lines, error messages and history records.
#pragma once

#include <string>
#include <string_view>

namespace tranche {

inline constexpr std::string_view kSessionTokenPrefix = "trs_";

// A fresh token. Aborts if the CSPRNG fails (as random_nonce does).
[[nodiscard]] std::string new_session_token();
// The SHA-256 digest of `token`, as 64 lowercase hex digits.
[[nodiscard]] std::string token_digest(std::string_view token);
// Whether `presented` hashes to `digest_hex`, in time independent of where
// the digests differ. False for an empty or malformed digest.
[[nodiscard]] bool token_matches(std::string_view presented, std::string_view digest_hex);
// `bytes` random bytes as lowercase hex (launch secrets, session ids).
[[nodiscard]] std::string random_hex(size_t bytes);
// `text` with every "trs_..." run of letters and digits replaced by
// "trs_<redacted>".
[[nodiscard]] std::string redact_tokens(std::string_view text);

}  // namespace tranche
