// Tests of the session statements' parser (sql/statement.h): CREATE [OR
// REPLACE] TEMP|TEMPORARY VIEW|TABLE, DROP VIEW, SET, RESET, SHOW SETTINGS,
// SHOW VIEWS: what each yields (names, values, the query's text and
// positions), that is_ddl and is_session_statement tell them apart, that
// every error names what is wrong and where, and the refusal a cluster gives.
#include <gtest/gtest.h>

#include "statement_test_util.h"

namespace tranche::sql {
namespace {

TEST(SessionStatement, CreateTempViewKeepsTheQueryAtItsOwnPosition) {
  const std::string sql = "CREATE TEMP VIEW v AS SELECT a FROM t WHERE a > 1";
  auto v = parse_as<create_temp_view>(sql);
  EXPECT_EQ(v.name, "v");
  EXPECT_EQ(v.name_pos.line, 1);
  EXPECT_EQ(v.name_pos.column, 18);
  EXPECT_FALSE(v.or_replace);
  // Everything before the query blanked: the same length, the query in place.
  EXPECT_EQ(v.query, std::string(22, ' ') + "SELECT a FROM t WHERE a > 1");
  EXPECT_EQ(v.query_pos.line, 1);
  EXPECT_EQ(v.query_pos.column, 23);
}

TEST(SessionStatement, CreateOrReplaceTemporaryViewAnyCaseWithSemicolonAndComments) {
  const std::string sql =
      "create or REPLACE Temporary view \"My View\" -- a comment\n"
      "  as /* block */ WITH x AS (SELECT 1 AS k) SELECT k FROM x ; -- trailing\n";
  auto v = parse_as<create_temp_view>(sql);
  EXPECT_EQ(v.name, "My View");
  EXPECT_TRUE(v.or_replace);
  EXPECT_EQ(v.query_pos.line, 2);
  EXPECT_EQ(v.query_pos.column, 18);
  // Line breaks kept, the ';' and the trailing comment cut.
  EXPECT_EQ(v.query, std::string(55, ' ') + "\n" + std::string(17, ' ') +
                         "WITH x AS (SELECT 1 AS k) SELECT k FROM x");
}

TEST(SessionStatement, CreateTempTableTakesAParenthesizedQueryToo) {
  auto t = parse_as<create_temp_table>("CREATE OR REPLACE TEMP TABLE top AS (SELECT 1);");
  EXPECT_EQ(t.name, "top");
  EXPECT_TRUE(t.or_replace);
  EXPECT_EQ(t.query, std::string(36, ' ') + "(SELECT 1)");
  EXPECT_EQ(t.query_pos.column, 37);
  auto t2 = parse_as<create_temp_table>("CREATE TEMPORARY TABLE t2 AS SELECT 'a;b' AS s");
  EXPECT_EQ(t2.name, "t2");
  EXPECT_FALSE(t2.or_replace);
  EXPECT_EQ(t2.query.substr(29), "SELECT 'a;b' AS s");
}

TEST(SessionStatement, DropView) {
  auto d = parse_as<drop_view>("DROP VIEW v");
  EXPECT_EQ(d.name, "v");
  EXPECT_FALSE(d.if_exists);
  EXPECT_EQ(d.name_pos.column, 11);
  auto e = parse_as<drop_view>("drop view if exists \"V 2\";");
  EXPECT_EQ(e.name, "V 2");
  EXPECT_TRUE(e.if_exists);
  EXPECT_EQ(e.name_pos.column, 21);
}

TEST(SessionStatement, SetTakesStringsNumbersAndWords) {
  auto s = parse_as<set_setting>("SET Parallelism = 4");
  EXPECT_EQ(s.name, "parallelism");
  EXPECT_EQ(s.name_pos.column, 5);
  EXPECT_EQ(s.value, "4");
  EXPECT_EQ(s.value_pos.column, 19);

  s = parse_as<set_setting>("set queue to 'night''s';");
  EXPECT_EQ(s.name, "queue");
  EXPECT_EQ(s.value, "night's");
  EXPECT_EQ(s.value_pos.column, 14);

  s = parse_as<set_setting>("SET priority = -3");
  EXPECT_EQ(s.value, "-3");
  EXPECT_EQ(s.value_pos.column, 16);
  EXPECT_EQ(parse_as<set_setting>("SET x = +2.5").value, "+2.5");
  EXPECT_EQ(parse_as<set_setting>("SET x = 1e3").value, "1e3");

  // Words as written, keywords too (ON is one).
  EXPECT_EQ(parse_as<set_setting>("SET explain TO ON").value, "ON");
  EXPECT_EQ(parse_as<set_setting>("SET explain = off").value, "off");
  EXPECT_EQ(parse_as<set_setting>("SET queue TO DEFAULT").value, "DEFAULT");

  // Names may be dotted and may be keywords; always lowercased.
  s = parse_as<set_setting>("SET Tranche.Split_Bytes = 1048576");
  EXPECT_EQ(s.name, "tranche.split_bytes");
  EXPECT_EQ(parse_as<set_setting>("SET LIMIT = 10").name, "limit");

  // Odd spacing, comments and line breaks.
  s = parse_as<set_setting>("  SET/*c*/x\n=\n  'y' -- why\n");
  EXPECT_EQ(s.name, "x");
  EXPECT_EQ(s.value, "y");
  EXPECT_EQ(s.value_pos.line, 3);
  EXPECT_EQ(s.value_pos.column, 3);
}

TEST(SessionStatement, ResetAndShow) {
  auto r = parse_as<reset_setting>("RESET Parallelism;");
  EXPECT_EQ(r.name, "parallelism");
  EXPECT_EQ(r.name_pos.column, 7);
  EXPECT_EQ(parse_as<reset_setting>("reset ALL").name, "all");
  EXPECT_EQ(parse_as<reset_setting>("RESET tranche.queue").name, "tranche.queue");
  parse_as<show_settings>("SHOW SETTINGS");
  parse_as<show_settings>("show settings ;");
  parse_as<show_views>("Show Views");
  parse_as<show_tables>("SHOW TABLES");
}

TEST(SessionStatement, SessionStatementsAreNotCatalogStatements) {
  for (const char* sql : {"CREATE TEMP VIEW v AS SELECT 1", "CREATE TEMP TABLE t AS SELECT 1",
                          "DROP VIEW v", "SET a = 1", "RESET a", "SHOW SETTINGS", "SHOW VIEWS"}) {
    auto s = parse_statement(sql);
    ASSERT_TRUE(s.ok()) << sql << ": " << s.status();
    EXPECT_TRUE(is_session_statement(*s)) << sql;
    EXPECT_FALSE(is_ddl(*s)) << sql;
  }
  for (const char* sql :
       {"SELECT 1", "COPY (SELECT 1) TO '/x'", "SHOW TABLES", "DROP TABLE t", "DESCRIBE t",
        "CREATE EXTERNAL TABLE t (a INT) LOCATION 'x' FORMAT CSV"}) {
    auto s = parse_statement(sql);
    ASSERT_TRUE(s.ok()) << sql << ": " << s.status();
    EXPECT_FALSE(is_session_statement(*s)) << sql;
  }
  // SET and RESET stay usable as column names.
  EXPECT_TRUE(std::holds_alternative<select_statement>(*parse_statement("SELECT set FROM t")));
}

TEST(SessionStatement, ErrorsNameWhatAndWhere) {
  const std::pair<std::string, std::string> cases[] = {
      {"CREATE TABLE t AS SELECT 1",
       "line 1, column 1: only CREATE EXTERNAL TABLE (a set of files named by LOCATION) and, in a "
       "session, CREATE TEMPORARY TABLE name AS <query> are supported"},
      {"CREATE VIEW v AS SELECT 1",
       "line 1, column 1: only temporary views are supported: CREATE TEMPORARY VIEW name AS "
       "<query>, in a session"},
      {"CREATE OR REPLACE VIEW v AS SELECT 1",
       "line 1, column 19: expected TEMP or TEMPORARY, got \"VIEW\""},
      {"CREATE OR TEMP VIEW v AS SELECT 1", "line 1, column 11: expected REPLACE, got \"TEMP\""},
      {"CREATE TEMP INDEX i AS SELECT 1",
       "line 1, column 13: expected VIEW or TABLE, got \"INDEX\""},
      {"CREATE TEMP VIEW AS SELECT 1", "line 1, column 18: expected view name, got \"AS\""},
      {"CREATE TEMP TABLE s.t AS SELECT 1",
       "line 1, column 19: qualified names are not supported: table name \"s\" is a single name"},
      {"CREATE TEMP VIEW v SELECT 1", "line 1, column 20: expected AS, got \"SELECT\""},
      {"CREATE TEMP VIEW v (a) AS SELECT 1", "line 1, column 20: expected AS, got \"(\""},
      {"CREATE TEMP VIEW v AS",
       "line 1, column 22: expected a query (SELECT or WITH), got end of input"},
      {"CREATE TEMP VIEW v AS ;",
       "line 1, column 23: expected a query (SELECT or WITH), got \";\""},
      {"CREATE TEMP VIEW v AS DROP TABLE t",
       "line 1, column 23: expected a query (SELECT or WITH), got \"DROP\""},
      {"CREATE TEMP VIEW v AS SELECT 1; SELECT 2",
       "line 1, column 33: expected end of statement, got \"SELECT\""},
      {"DROP VIEW", "line 1, column 10: expected view name, got end of input"},
      {"DROP VIEW IF v", "line 1, column 14: expected EXISTS, got \"v\""},
      {"DROP VIEW v w", "line 1, column 13: expected end of statement, got \"w\""},
      {"DROP INDEX i", "line 1, column 6: expected TABLE or VIEW, got \"INDEX\""},
      {"SET", "line 1, column 4: expected a setting name, got end of input"},
      {"SET = 1", "line 1, column 5: expected a setting name, got \"=\""},
      {"SET x 1", "line 1, column 7: expected \"=\" or TO, got \"1\""},
      {"SET x =",
       "line 1, column 8: expected a value (a quoted string, a number or a word), got end of "
       "input"},
      {"SET x = (1)",
       "line 1, column 9: expected a value (a quoted string, a number or a word), got \"(\""},
      {"SET x = \"quoted\"",
       "line 1, column 9: expected a value (a quoted string, a number or a word), got \"quoted\""},
      {"SET x = - on", "line 1, column 11: expected a number after \"-\", got \"ON\""},
      {"SET x = 1, 2", "line 1, column 10: expected end of statement, got \",\""},
      {"SET x = a b", "line 1, column 11: expected end of statement, got \"b\""},
      {"SET x. = 1", "line 1, column 8: expected a setting name, got \"=\""},
      {"SET x = 'unterminated", "line 1, column 9: unterminated string literal"},
      {"RESET", "line 1, column 6: expected a setting name, got end of input"},
      {"RESET a b", "line 1, column 9: expected end of statement, got \"b\""},
      {"SHOW VIEW", "line 1, column 6: expected TABLES, SETTINGS or VIEWS, got \"VIEW\""},
      {"SHOW SETTINGS x", "line 1, column 15: expected end of statement, got \"x\""},
  };
  for (const auto& [sql, message] : cases) EXPECT_EQ(error_of(sql), message) << sql;
}

TEST(SessionStatement, AClusterRefusesThemNamingTheStatement) {
  auto refusal = [](const std::string& sql) {
    auto s = parse_statement(sql);
    EXPECT_TRUE(s.ok()) << sql;
    absl::Status st = s.ok() ? session_statement_error(*s, sql) : s.status();
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << sql;
    return std::string(st.message());
  };
  const std::string where = "; run it in a session (tranche shell, or a session's notebook)";
  EXPECT_EQ(refusal("CREATE TEMP VIEW v AS SELECT 1"),
            "line 1, column 1: CREATE TEMPORARY VIEW keeps its view in a session" + where);
  EXPECT_EQ(refusal("\n  create or replace temporary table t as select 1"),
            "line 2, column 3: CREATE TEMPORARY TABLE keeps its table in a session" + where);
  EXPECT_EQ(refusal("DROP VIEW v"),
            "line 1, column 1: DROP VIEW drops a session's temporary view" + where);
  EXPECT_EQ(refusal("SET a = 1"), "line 1, column 1: SET changes a session's setting" + where);
  EXPECT_EQ(refusal("RESET ALL"), "line 1, column 1: RESET resets a session's setting" + where);
  EXPECT_EQ(refusal("SHOW SETTINGS"),
            "line 1, column 1: SHOW SETTINGS lists a session's settings" + where);
  EXPECT_EQ(refusal("/* hi */ SHOW VIEWS"),
            "line 1, column 10: SHOW VIEWS lists a session's temporary views" + where);
  // Anything else is no session statement: nothing to refuse.
  auto q = parse_statement("SELECT 1");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(session_statement_error(*q, "SELECT 1").ok());
  EXPECT_EQ(statement_name(*q), "SELECT");
}

}  // namespace
}  // namespace tranche::sql
