// session_client against a fake kernel (fake_kernel.h): submitting and
// polling statements, their outputs, cancel, the statement list, and the
// errors a user sees for a refused token and an unreachable session.
#include "cli/session_client.h"

#include <gtest/gtest.h>

#include "fake_kernel.h"

namespace {

using namespace tranche_test;
using tranche::cli::session_client;
using tranche::cli::statement_id;
using tranche::cli::statement_info;

// Polls a statement until it ends (at most 10 s).
statement_info wait_end(session_client& c, statement_id id) {
  statement_info last;
  EXPECT_TRUE(eventually(
      [&] {
        auto s = c.statement(id);
        if (s.ok()) last = *s;
        return s.ok() && s->ended();
      },
      10s));
  return last;
}

TEST(SessionClient, RunsStatementsAndReadsTheirRows) {
  fake_kernel k;
  ASSERT_TRUE(k.ok());
  session_client c(k.endpoint(), kToken);
  auto s = c.session();
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->id, "s-4f2a");
  EXPECT_EQ(s->name, "explore");
  EXPECT_EQ(s->state, "idle");
  EXPECT_EQ(s->node, 2);
  EXPECT_EQ(s->idle_timeout_s, 1200);

  auto id = c.submit("SELECT a, b, c FROM t");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->value, 1);
  const statement_info done = wait_end(c, *id);
  EXPECT_EQ(done.state, "available");
  EXPECT_EQ(done.code, "SELECT a, b, c FROM t");
  ASSERT_TRUE(done.completed.has_value());
  EXPECT_GE(*done.completed, done.started);
  ASSERT_TRUE(done.output.has_value());
  const auto& o = *done.output;
  EXPECT_EQ(o.status, "ok");
  EXPECT_EQ(o.columns, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(o.types, (std::vector<std::string>{"BIGINT", "VARCHAR", "DOUBLE"}));
  using row = std::vector<std::optional<std::string>>;
  ASSERT_EQ(o.rows.size(), 3u);
  EXPECT_EQ(o.rows[0], (row{"1", "x", "1.5"}));
  EXPECT_EQ(o.rows[1], (row{std::nullopt, "<b>x</b>", std::nullopt}));
  EXPECT_EQ(o.rows[2], (row{"42", "héllo", "-2.25"}));
  EXPECT_EQ(o.row_count, 3);
  EXPECT_FALSE(o.truncated);
  EXPECT_EQ(o.error, "");

  auto big = c.submit("SELECT BIG");
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->value, 2);
  const statement_info b = wait_end(c, *big);
  ASSERT_TRUE(b.output.has_value());
  EXPECT_TRUE(b.output->truncated);
  EXPECT_EQ(b.output->row_count, 1000);
  EXPECT_EQ(b.output->rows.size(), 3u);

  auto list = c.statements();
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->total_statements, 2);
  ASSERT_EQ(list->statements.size(), 2u);
  EXPECT_EQ(list->statements[0].id, statement_id{1});
  EXPECT_EQ(list->statements[1].code, "SELECT BIG");
}

TEST(SessionClient, AnErrorOutputCarriesTheKernelsMessage) {
  fake_kernel k;
  session_client c(k.endpoint(), kToken);
  auto id = c.submit("SELECT 1/0");
  ASSERT_TRUE(id.ok()) << id.status();
  const statement_info s = wait_end(c, *id);
  EXPECT_EQ(s.state, "error");
  ASSERT_TRUE(s.output.has_value());
  EXPECT_EQ(s.output->status, "error");
  EXPECT_EQ(s.output->error, "line 1, column 8: division by zero");
}

TEST(SessionClient, CancelEndsARunningStatementAndNotAnEndedOne) {
  fake_kernel k;
  session_client c(k.endpoint(), kToken);
  auto id = c.submit("SELECT SLEEP(100)");
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(eventually([&] { return c.statement(*id)->state == "running"; }, 10s));
  EXPECT_EQ(c.session()->state, "busy");
  ASSERT_TRUE(c.cancel(*id).ok());
  EXPECT_EQ(c.statement(*id)->state, "cancelled");
  EXPECT_EQ(c.statement(*id)->output->status, "cancelled");
  const absl::Status again = c.cancel(*id);
  EXPECT_TRUE(absl::IsFailedPrecondition(again)) << again;
  EXPECT_NE(again.message().find("already ended"), std::string::npos) << again;
  EXPECT_TRUE(absl::IsNotFound(c.statement(statement_id{99}).status()));
}

TEST(SessionClient, ARefusedTokenIsPermissionDenied) {
  fake_kernel k;
  session_client c(k.endpoint(), "trs_" + std::string(64, 'f'));
  auto s = c.session();
  ASSERT_TRUE(absl::IsPermissionDenied(s.status())) << s.status();
  EXPECT_EQ(s.status().message(),
            "the session refused the token (401): missing or wrong session token");
  EXPECT_TRUE(absl::IsPermissionDenied(c.submit("SELECT 1").status()));
  EXPECT_TRUE(k.codes().empty());
}

TEST(SessionClient, AnUnreachableSessionIsUnavailableNamingItsEndpoint) {
  std::string endpoint;
  {
    fake_kernel k;  // a port that was just free, and is closed again
    endpoint = k.endpoint();
  }
  session_client c(endpoint, kToken);
  auto s = c.session();
  ASSERT_TRUE(absl::IsUnavailable(s.status())) << s.status();
  EXPECT_NE(s.status().message().find(endpoint), std::string::npos) << s.status();
  session_client bad("no-port-here", kToken);
  EXPECT_TRUE(absl::IsInvalidArgument(bad.session().status()));
}

}  // namespace
