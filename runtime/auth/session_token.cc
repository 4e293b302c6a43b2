// Session tokens (see session_token.h).
#include "auth/session_token.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>

namespace tranche {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string to_hex(const unsigned char* data, size_t n) {
  std::string out(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 15];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool is_token_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    std::fputs("tranche: RAND_bytes failed; refusing to make a predictable token\n", stderr);
    std::abort();
  }
  return to_hex(reinterpret_cast<const unsigned char*>(raw.data()), bytes);
}

std::string new_session_token() { return std::string(kSessionTokenPrefix) + random_hex(32); }

std::string token_digest(std::string_view token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  return to_hex(digest, sizeof digest);
}

bool token_matches(std::string_view presented, std::string_view digest_hex) {
  if (digest_hex.size() != 2 * SHA256_DIGEST_LENGTH) return false;
  unsigned char want[SHA256_DIGEST_LENGTH];
  for (size_t i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    const int hi = hex_value(digest_hex[2 * i]), lo = hex_value(digest_hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    want[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  unsigned char got[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(presented.data()), presented.size(), got);
  return CRYPTO_memcmp(want, got, sizeof want) == 0;
}

std::string redact_tokens(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t at = text.find(kSessionTokenPrefix, i);
    if (at == std::string_view::npos) break;
    size_t end = at + kSessionTokenPrefix.size();
    while (end < text.size() && is_token_char(text[end])) ++end;
    out.append(text.substr(i, at - i));
    if (end == at + kSessionTokenPrefix.size()) {
      out.append(kSessionTokenPrefix);  // "trs_" alone hides nothing
    } else {
      out.append("trs_<redacted>");
    }
    i = end;
  }
  out.append(text.substr(i));
  return out;
}

}  // namespace tranche
