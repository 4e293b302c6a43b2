// The shell's plain logic: cutting typed lines into statements, and printing
// a statement's result as the CLI's table.
#include "cli/shell_text.h"

#include <gtest/gtest.h>

#include <sstream>

namespace {

using tranche::cli::statement_info;
using tranche::cli::statement_output;
using tranche::cli::statement_splitter;
using strings = std::vector<std::string>;

TEST(StatementSplitter, OneLineMayHoldSeveralStatementsAndARemainder) {
  statement_splitter s;
  EXPECT_EQ(s.feed("SELECT 1; SELECT 2;SELECT"), (strings{"SELECT 1", "SELECT 2"}));
  EXPECT_TRUE(s.pending());
  EXPECT_EQ(s.feed("  3"), strings{});
  EXPECT_EQ(s.feed(";"), (strings{"SELECT\n  3"}));
  EXPECT_FALSE(s.pending());
}

TEST(StatementSplitter, SemicolonsInQuotesAndCommentsDoNotEndAStatement) {
  statement_splitter s;
  EXPECT_EQ(s.feed("SELECT 'a;b', \"c;d\" -- e;f"), strings{});
  EXPECT_TRUE(s.pending());
  EXPECT_EQ(s.feed("/* g; */ FROM t;"), (strings{"SELECT 'a;b', \"c;d\" -- e;f\n/* g; */ FROM t"}));
  // '' inside a string is an escaped quote, not its end.
  EXPECT_EQ(s.feed("SELECT 'it''s; fine';"), (strings{"SELECT 'it''s; fine'"}));
}

TEST(StatementSplitter, QuotesAndBlockCommentsSpanLines) {
  statement_splitter s;
  EXPECT_EQ(s.feed("SELECT 'line one;"), strings{});
  EXPECT_EQ(s.feed("line two;' AS x; /* open"), (strings{"SELECT 'line one;\nline two;' AS x"}));
  EXPECT_TRUE(s.pending()) << "inside a block comment";
  EXPECT_EQ(s.feed("still; */"), strings{});
  EXPECT_FALSE(s.pending()) << "only a comment is left";
}

TEST(StatementSplitter, BlankAndCommentOnlyInputYieldsNothing) {
  statement_splitter s;
  EXPECT_EQ(s.feed(""), strings{});
  EXPECT_EQ(s.feed("-- just a note; really"), strings{});
  EXPECT_EQ(s.feed(" ; ;; /* x */ ;"), strings{});
  EXPECT_FALSE(s.pending());
  EXPECT_EQ(s.finish(), std::nullopt);
}

TEST(StatementSplitter, FinishYieldsTheUnterminatedStatementAndResetForgetsIt) {
  statement_splitter s;
  EXPECT_EQ(s.feed("SELECT 1; SELECT"), (strings{"SELECT 1"}));
  EXPECT_EQ(s.feed("2"), strings{});
  EXPECT_EQ(s.finish(), std::optional<std::string>("SELECT\n2"));
  EXPECT_FALSE(s.pending());
  EXPECT_EQ(s.feed("SELECT 'x"), strings{});
  s.reset();
  EXPECT_FALSE(s.pending());
  EXPECT_EQ(s.feed("SELECT 3;"), (strings{"SELECT 3"}));
}

statement_info finished(statement_output o) {
  statement_info s;
  s.id.value = 3;
  s.state = o.status == "ok" ? "available" : o.status;
  s.started = 100.0;
  s.completed = 100.123;
  s.output = std::move(o);
  return s;
}

TEST(StatementResult, PrintsAnAlignedTableWithNullsRowsAndTime) {
  statement_output o;
  o.status = "ok";
  o.columns = {"n", "name", "x"};
  o.types = {"BIGINT", "VARCHAR", "DOUBLE"};
  o.rows = {{"1", "a", "1.5"}, {std::nullopt, "longer", std::nullopt}, {"42", "é", "-2.25"}};
  o.row_count = 3;
  std::ostringstream out, err;
  EXPECT_TRUE(print_statement_result(finished(o), out, err));
  EXPECT_EQ(out.str(),
            "n    | name   | x\n"
            "-----+--------+------\n"
            "   1 | a      |   1.5\n"
            "NULL | longer |  NULL\n"
            "  42 | é      | -2.25\n"
            "(3 rows, 0.123 s)\n");
  EXPECT_EQ(err.str(), "");
}

TEST(StatementResult, SaysWhenOnlyTheFirstRowsWereKept) {
  statement_output o;
  o.status = "ok";
  o.columns = {"n"};
  o.types = {"BIGINT"};
  o.rows = {{"1"}, {"2"}};
  o.row_count = 1000;
  o.truncated = true;
  std::ostringstream out, err;
  EXPECT_TRUE(print_statement_result(finished(o), out, err));
  EXPECT_NE(out.str().find("(1000 rows, 0.123 s)\n(showing the first 2 of 1000 rows)\n"),
            std::string::npos)
      << out.str();
}

TEST(StatementResult, PrintsErrorsOnStderrAndCancelled) {
  statement_output o;
  o.status = "error";
  o.error = "line 1, column 8: unknown column \"z\"";
  std::ostringstream out, err;
  EXPECT_FALSE(print_statement_result(finished(o), out, err));
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(err.str(), "error: line 1, column 8: unknown column \"z\"\n");

  statement_output c;
  c.status = "cancelled";
  std::ostringstream out2, err2;
  EXPECT_FALSE(print_statement_result(finished(c), out2, err2));
  EXPECT_EQ(out2.str(), "cancelled\n");
}

}  // namespace
