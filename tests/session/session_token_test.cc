// Session tokens: shape, digest, constant-time match, redaction.
#include "auth/session_token.h"

#include <gtest/gtest.h>

#include <set>

namespace tranche {
namespace {

TEST(SessionToken, IsTrsAnd256RandomBits) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string t = new_session_token();
    ASSERT_EQ(t.size(), 4u + 64u);
    EXPECT_EQ(t.substr(0, 4), "trs_");
    EXPECT_EQ(t.find_first_not_of("0123456789abcdef", 4), std::string::npos);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(SessionToken, DigestIsSha256AndMatchesOnlyItsToken) {
  // SHA-256("abc"), FIPS 180-2's example.
  EXPECT_EQ(token_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string t = new_session_token();
  const std::string d = token_digest(t);
  EXPECT_TRUE(token_matches(t, d));
  EXPECT_FALSE(token_matches(new_session_token(), d));
  std::string one_off = t;
  one_off.back() = one_off.back() == '0' ? '1' : '0';
  EXPECT_FALSE(token_matches(one_off, d));
  EXPECT_FALSE(token_matches("", d));
  EXPECT_FALSE(token_matches(t, ""));
  EXPECT_FALSE(token_matches(t, d.substr(1)));
  std::string bad = d;
  bad[0] = 'z';
  EXPECT_FALSE(token_matches(t, bad));
}

TEST(SessionToken, RedactionHidesEveryTokenAndKeepsTheRest) {
  const std::string t = new_session_token();
  EXPECT_EQ(redact_tokens("token " + t + " shown"), "token trs_<redacted> shown");
  EXPECT_EQ(redact_tokens(t + "," + t), "trs_<redacted>,trs_<redacted>");
  EXPECT_EQ(redact_tokens("Bearer trs_ABCdef01"), "Bearer trs_<redacted>");
  EXPECT_EQ(redact_tokens("no token here, trs_ alone"), "no token here, trs_ alone");
  EXPECT_EQ(redact_tokens(""), "");
}

TEST(SessionToken, RandomHexHasTheAskedLength) {
  EXPECT_EQ(random_hex(4).size(), 8u);
  EXPECT_NE(random_hex(16), random_hex(16));
}

}  // namespace
}  // namespace tranche
