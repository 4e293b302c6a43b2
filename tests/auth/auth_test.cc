// Unit tests of cluster authentication: the HMAC known answer, the full
// handshake and each way it must fail (wrong secret on either side, replay,
// expiry, malformed input), the secret file's checks, and that the secret
// never shows up in an error message.
#include "auth/auth.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "auth/hmac.h"

namespace tranche {
namespace {

// Distinctive, so that a leak into any message is unmistakable.
constexpr char kCanary[] = "canary-Zq7xW3-the-cluster-secret";

std::string hex(const std::vector<char>& bytes) {
  return absl::BytesToHexString(std::string(bytes.begin(), bytes.end()));
}

std::vector<char> wrong_size(size_t n) { return std::vector<char>(n, 'x'); }

struct fake_clock {
  int64_t now = 1000;
  std::function<int64_t()> fn() {
    return [this] { return now; };
  }
};

// One party's side of a handshake against `book`; returns the head's verdict.
absl::Status handshake(challenge_book& book, const cluster_secret& party_secret,
                       const std::string& role = "worker") {
  auto cn = random_nonce();
  auto ch = book.issue(role, cn);
  if (!ch.ok()) return ch.status();
  if (absl::Status s = check_server(party_secret, role, cn, ch->server_nonce, ch->server_proof);
      !s.ok())
    return s;
  return book.verify(ch->id, client_proof(party_secret, role, cn, ch->server_nonce));
}

TEST(Hmac, Rfc4231TestCase2) {
  auto mac = auth_internal::hmac_sha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(hex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Proofs, NonceIsRandomAndFullSize) {
  auto a = random_nonce(), b = random_nonce();
  EXPECT_EQ(a.size(), kNonceSize);
  EXPECT_NE(a, b);
}

TEST(Proofs, ClientAndServerProofsDiffer) {
  auto secret = cluster_secret::from_bytes(kCanary);
  auto cn = random_nonce(), sn = random_nonce();
  EXPECT_EQ(client_proof(secret, "worker", cn, sn).size(), 32u);
  EXPECT_NE(client_proof(secret, "worker", cn, sn), server_proof(secret, "worker", cn, sn));
  EXPECT_NE(client_proof(secret, "worker", cn, sn), client_proof(secret, "client", cn, sn));
}

TEST(Proofs, EqualityChecksSizeAndBytes) {
  std::vector<char> a{'a', 'b', 'c'};
  EXPECT_TRUE(proofs_equal(a, a));
  EXPECT_FALSE(proofs_equal(a, {'a', 'b', 'd'}));
  EXPECT_FALSE(proofs_equal(a, {'a', 'b'}));
  EXPECT_FALSE(proofs_equal(a, {}));
}

TEST(Handshake, SucceedsWithTheSameSecret) {
  fake_clock clock;
  challenge_book book(cluster_secret::from_bytes(kCanary), clock.fn());
  EXPECT_TRUE(handshake(book, cluster_secret::from_bytes(kCanary)).ok());
  EXPECT_TRUE(handshake(book, cluster_secret::from_bytes(kCanary), "client").ok());
  EXPECT_EQ(book.outstanding(), 0u);
}

TEST(Handshake, PartyWithWrongSecretIsRejectedByTheHead) {
  fake_clock clock;
  challenge_book book(cluster_secret::from_bytes(kCanary), clock.fn());
  auto party = cluster_secret::from_bytes("another-secret-of-enough-length");
  auto cn = random_nonce();
  auto ch = book.issue("worker", cn);
  ASSERT_TRUE(ch.ok());
  // The party cannot tell yet (the head's proof fails for it too), but even
  // if it ignores that and sends its proof, the head refuses.
  absl::Status s = book.verify(ch->id, client_proof(party, "worker", cn, ch->server_nonce));
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "authentication failed: wrong cluster secret");
}

TEST(Handshake, HeadWithWrongSecretIsDetectedByTheParty) {
  fake_clock clock;
  challenge_book fake_head(cluster_secret::from_bytes("not-the-cluster-secret-at-all"), clock.fn());
  absl::Status s = handshake(fake_head, cluster_secret::from_bytes(kCanary));
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "authentication failed: the head holds a different cluster secret");
}

TEST(Handshake, PartyRejectsAShortServerNonce) {
  auto secret = cluster_secret::from_bytes(kCanary);
  auto cn = random_nonce();
  auto sn = wrong_size(4);
  absl::Status s = check_server(secret, "worker", cn, sn, server_proof(secret, "worker", cn, sn));
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
}

TEST(Handshake, ProofForOneRoleDoesNotAuthenticateAnother) {
  fake_clock clock;
  auto secret = cluster_secret::from_bytes(kCanary);
  challenge_book book(secret, clock.fn());
  auto cn = random_nonce();
  auto ch = book.issue("worker", cn);
  ASSERT_TRUE(ch.ok());
  EXPECT_FALSE(book.verify(ch->id, client_proof(secret, "client", cn, ch->server_nonce)).ok());
}

TEST(Handshake, ReplayedProofFails) {
  fake_clock clock;
  auto secret = cluster_secret::from_bytes(kCanary);
  challenge_book book(secret, clock.fn());
  auto cn = random_nonce();
  auto ch = book.issue("worker", cn);
  ASSERT_TRUE(ch.ok());
  auto proof = client_proof(secret, "worker", cn, ch->server_nonce);
  ASSERT_TRUE(book.verify(ch->id, proof).ok());
  absl::Status again = book.verify(ch->id, proof);
  EXPECT_EQ(again.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(again.message(), "authentication failed: unknown or expired challenge");
}

TEST(Handshake, FailedAttemptBurnsTheChallenge) {
  fake_clock clock;
  auto secret = cluster_secret::from_bytes(kCanary);
  challenge_book book(secret, clock.fn());
  auto cn = random_nonce();
  auto ch = book.issue("worker", cn);
  ASSERT_TRUE(ch.ok());
  EXPECT_FALSE(book.verify(ch->id, wrong_size(32)).ok());
  // Even the right proof is now too late: one guess per challenge.
  absl::Status s = book.verify(ch->id, client_proof(secret, "worker", cn, ch->server_nonce));
  EXPECT_EQ(s.message(), "authentication failed: unknown or expired challenge");
}

TEST(Handshake, ExpiredChallengeFails) {
  fake_clock clock;
  auto secret = cluster_secret::from_bytes(kCanary);
  challenge_book book(secret, clock.fn(), /*ttl_ms=*/500);
  auto cn = random_nonce();
  auto ch = book.issue("worker", cn);
  ASSERT_TRUE(ch.ok());
  clock.now += 500;
  absl::Status s = book.verify(ch->id, client_proof(secret, "worker", cn, ch->server_nonce));
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "authentication failed: unknown or expired challenge");
}

TEST(Handshake, ChallengeWithinTtlSucceeds) {
  fake_clock clock;
  auto secret = cluster_secret::from_bytes(kCanary);
  challenge_book book(secret, clock.fn(), /*ttl_ms=*/500);
  auto cn = random_nonce();
  auto ch = book.issue("worker", cn);
  ASSERT_TRUE(ch.ok());
  clock.now += 499;
  EXPECT_TRUE(book.verify(ch->id, client_proof(secret, "worker", cn, ch->server_nonce)).ok());
}

TEST(Handshake, UnknownIdFails) {
  fake_clock clock;
  challenge_book book(cluster_secret::from_bytes(kCanary), clock.fn());
  EXPECT_EQ(book.verify(42, wrong_size(32)).code(), absl::StatusCode::kPermissionDenied);
}

TEST(Handshake, BadClientNonceSizeIsRejected) {
  fake_clock clock;
  challenge_book book(cluster_secret::from_bytes(kCanary), clock.fn());
  for (size_t n : {0, 16, 31, 33}) {
    auto ch = book.issue("worker", wrong_size(n));
    EXPECT_EQ(ch.status().code(), absl::StatusCode::kInvalidArgument) << n;
    EXPECT_NE(ch.status().message().find("expected 32"), std::string::npos);
  }
  EXPECT_EQ(book.outstanding(), 0u);
}

TEST(Handshake, MalformedRoleIsRejected) {
  fake_clock clock;
  challenge_book book(cluster_secret::from_bytes(kCanary), clock.fn());
  for (const char* role : {"", "head", "head|worker", "a|b"})
    EXPECT_EQ(book.issue(role, random_nonce()).status().code(), absl::StatusCode::kInvalidArgument)
        << role;
  EXPECT_FALSE(book.issue(std::string(65, 'w'), random_nonce()).ok());
}

TEST(Handshake, OutstandingChallengesAreBoundedOldestDropped) {
  fake_clock clock;
  auto secret = cluster_secret::from_bytes(kCanary);
  challenge_book book(secret, clock.fn());
  auto first_cn = random_nonce();
  auto first = book.issue("worker", first_cn);
  ASSERT_TRUE(first.ok());
  auto second_cn = random_nonce();
  auto second = book.issue("worker", second_cn);
  ASSERT_TRUE(second.ok());
  for (size_t i = 2; i < challenge_book::kMaxOutstanding + 1; ++i)
    ASSERT_TRUE(book.issue("worker", random_nonce()).ok());
  EXPECT_EQ(book.outstanding(), challenge_book::kMaxOutstanding);
  EXPECT_FALSE(
      book.verify(first->id, client_proof(secret, "worker", first_cn, first->server_nonce)).ok());
  EXPECT_TRUE(
      book.verify(second->id, client_proof(secret, "worker", second_cn, second->server_nonce))
          .ok());
}

TEST(Handshake, ExpiredChallengesAreForgotten) {
  fake_clock clock;
  challenge_book book(cluster_secret::from_bytes(kCanary), clock.fn(), 100);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(book.issue("worker", random_nonce()).ok());
  clock.now += 100;
  ASSERT_TRUE(book.issue("worker", random_nonce()).ok());
  EXPECT_EQ(book.outstanding(), 1u);
}

class SecretFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/tranche_auth_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content, mode_t mode) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    ::chmod(path.c_str(), mode);
    return path;
  }
  static mode_t mode_of(const std::string& path) {
    struct stat st;
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return st.st_mode & 07777;
  }
  // The secret loaded from `path` authenticates against `reference`.
  static bool agrees(const cluster_secret& loaded, const cluster_secret& reference) {
    auto cn = random_nonce(), sn = random_nonce();
    return client_proof(loaded, "worker", cn, sn) == client_proof(reference, "worker", cn, sn);
  }

  std::string dir_;
};

TEST_F(SecretFile, MissingFileIsNotFound) {
  std::string path = dir_ + "/nope";
  auto s = cluster_secret::load(path);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.status().message(), path + ": No such file or directory");
}

TEST_F(SecretFile, TooShortIsRefused) {
  std::string path = write("short", "only-15-bytes!!\n", 0600);
  auto s = cluster_secret::load(path);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().message(), path + ": the cluster secret must be at least 16 bytes");
}

TEST_F(SecretFile, ReadableByOthersIsRefused) {
  std::string path = write("open", std::string(kCanary) + "\n", 0644);
  auto s = cluster_secret::load(path);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            path + ": the secret file is readable by others (mode 0644); chmod 600 it");
  path = write("group", std::string(kCanary) + "\n", 0640);
  EXPECT_FALSE(cluster_secret::load(path).ok());
  path = write("gw", std::string(kCanary) + "\n", 0620);
  EXPECT_NE(cluster_secret::load(path).status().message().find("writable by others"),
            std::string::npos);
}

TEST_F(SecretFile, Mode0600IsAcceptedAndTrailingNewlineStripped) {
  for (const char* tail : {"", "\n", "\r\n", "  \n"}) {
    std::string path = write("ok", std::string(kCanary) + tail, 0600);
    auto s = cluster_secret::load(path);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_TRUE(agrees(*s, cluster_secret::from_bytes(kCanary)));
    std::filesystem::remove(path);
  }
  EXPECT_TRUE(cluster_secret::load(write("ro", std::string(kCanary), 0400)).ok());
}

TEST_F(SecretFile, DirectoryIsRefused) { EXPECT_FALSE(cluster_secret::load(dir_).ok()); }

TEST_F(SecretFile, GenerateCreates0600AndLoadsBack) {
  std::string path = dir_ + "/secret";
  auto made = cluster_secret::generate(path);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(std::filesystem::file_size(path), 65u);  // 64 hex digits and a newline
  auto loaded = cluster_secret::load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(agrees(*loaded, *made));

  auto again = cluster_secret::generate(path);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  auto reloaded = cluster_secret::load(path);
  ASSERT_TRUE(reloaded.ok());
  EXPECT_TRUE(agrees(*reloaded, *made));  // untouched
}

TEST_F(SecretFile, TwoGeneratedSecretsDiffer) {
  auto a = cluster_secret::generate(dir_ + "/a");
  auto b = cluster_secret::generate(dir_ + "/b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(agrees(*a, *b));
}

TEST_F(SecretFile, SecretNeverAppearsInAnyMessage) {
  std::vector<absl::Status> errors;
  errors.push_back(cluster_secret::load(write("open", kCanary, 0644)).status());
  errors.push_back(cluster_secret::load(write("gw", kCanary, 0620)).status());
  errors.push_back(cluster_secret::generate(write("exists", kCanary, 0600)).status());
  errors.push_back(cluster_secret::load(write("short", "canary-Zq7x", 0600)).status());

  fake_clock clock;
  auto secret = cluster_secret::from_bytes(kCanary);
  challenge_book book(secret, clock.fn());
  errors.push_back(handshake(book, cluster_secret::from_bytes("a-different-secret-value")));
  challenge_book fake_head(cluster_secret::from_bytes("a-different-secret-value"), clock.fn());
  errors.push_back(handshake(fake_head, secret));
  errors.push_back(book.verify(7, {}));
  errors.push_back(book.issue("bad|role", random_nonce()).status());
  errors.push_back(book.issue("worker", {}).status());

  for (const absl::Status& s : errors) {
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.ToString().find("canary-Zq7x"), std::string::npos) << s;
  }
}

}  // namespace
}  // namespace tranche
