// The files the CLI keeps about sessions: the token loader (environment or
// a file only its owner may read) and the session records that map a
// session id to its endpoint.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "cli/session_client.h"
#include "fake_kernel.h"

namespace {

namespace fs = std::filesystem;
using namespace tranche_test;
using tranche::cli::load_token;
using tranche::cli::read_session_record;
using tranche::cli::session_record;
using tranche::cli::write_session_record;

fs::path write_file(const fs::path& p, const std::string& text, mode_t mode) {
  std::ofstream(p) << text;
  chmod(p.c_str(), mode);
  return p;
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  stat(p.c_str(), &st);
  return st.st_mode & 07777;
}

TEST(TokenLoader, ReadsAnOwnerOnlyFileAndStripsItsNewline) {
  temp_dir d;
  scoped_env env("TRANCHE_TOKEN", "trs_fromtheenvironment");
  const auto f = write_file(d.path() / "token", kToken + "\n", 0600);
  auto t = load_token(f.string());
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, kToken) << "the file wins over the environment";
}

TEST(TokenLoader, RefusesAFileOthersCanReadNamingTheFix) {
  temp_dir d;
  const auto f = write_file(d.path() / "token", kToken + "\n", 0644);
  auto t = load_token(f.string());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(
      t.status().message(),
      "token file " + f.string() + " is readable by others (mode 0644): chmod 600 " + f.string());
  chmod(f.c_str(), 0640);
  EXPECT_NE(load_token(f.string()).status().message().find("(mode 0640)"), std::string::npos);
  chmod(f.c_str(), 0620);
  EXPECT_NE(load_token(f.string()).status().message().find("writable by others"),
            std::string::npos);
  chmod(f.c_str(), 0400);
  EXPECT_TRUE(load_token(f.string()).ok());
}

TEST(TokenLoader, TakesTheEnvironmentAndRefusesWhatIsNotASessionToken) {
  {
    scoped_env env("TRANCHE_TOKEN", kToken);
    auto t = load_token("");
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(*t, kToken);
  }
  {
    scoped_env env("TRANCHE_TOKEN", std::nullopt);
    auto t = load_token("");
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.status().message().find("set TRANCHE_TOKEN or pass --token-file"),
              std::string::npos);
  }
  {
    const std::string secret = "tra_" + std::string(64, 'b');  // an admin token, not a session's
    scoped_env env("TRANCHE_TOKEN", secret);
    auto t = load_token("");
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.status().message().find("start with trs_"), std::string::npos) << t.status();
    EXPECT_EQ(t.status().message().find(secret), std::string::npos) << "never print the token";
  }
  temp_dir d;
  const auto f = write_file(d.path() / "token", "trs_ab cd\n", 0600);
  auto t = load_token(f.string());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message().find("ab cd"), std::string::npos);
  EXPECT_TRUE(absl::IsNotFound(load_token((d.path() / "missing").string()).status()));
}

TEST(SessionRecords, WriteThenReadUnderTrancheHomeOwnerOnly) {
  temp_dir d;
  scoped_env home("TRANCHE_HOME", (d.path() / "th").string());
  auto p = write_session_record(session_record{"s-4f2a", "127.0.0.1:41873", 2, "explore"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*p, d.path() / "th" / "sessions" / "s-4f2a.json");
  EXPECT_EQ(mode_of(*p), 0600u);
  EXPECT_EQ(mode_of(d.path() / "th" / "sessions"), 0700u);
  auto r = read_session_record("s-4f2a");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->id, "s-4f2a");
  EXPECT_EQ(r->endpoint, "127.0.0.1:41873");
  EXPECT_EQ(r->node, 2);
  EXPECT_EQ(r->name, "explore");
  // A second write replaces the first.
  ASSERT_TRUE(write_session_record(session_record{"s-4f2a", "127.0.0.1:5", 3, ""}).ok());
  EXPECT_EQ(read_session_record("s-4f2a")->endpoint, "127.0.0.1:5");
}

TEST(SessionRecords, FallBackToHomeAndNameWhatIsMissingOrWrong) {
  temp_dir d;
  scoped_env th("TRANCHE_HOME", std::nullopt);
  scoped_env home("HOME", d.path().string());
  ASSERT_TRUE(write_session_record(session_record{"s-1", "h:1", 0, ""}).ok());
  EXPECT_TRUE(fs::exists(d.path() / ".tranche" / "sessions" / "s-1.json"));
  auto missing = read_session_record("s-2");
  ASSERT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_NE(missing.status().message().find((d.path() / ".tranche/sessions/s-2.json").string()),
            std::string::npos)
      << missing.status();
  EXPECT_TRUE(absl::IsInvalidArgument(read_session_record("../etc/passwd").status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(write_session_record(session_record{"a/b", "h:1", 0, ""}).status()));
  write_file(d.path() / ".tranche" / "sessions" / "s-3.json", "{not json", 0600);
  EXPECT_TRUE(absl::IsDataLoss(read_session_record("s-3").status()));
}

}  // namespace
