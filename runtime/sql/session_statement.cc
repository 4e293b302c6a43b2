// The session statements of statement.h: CREATE [OR REPLACE] TEMP|TEMPORARY
// VIEW|TABLE name AS <query>, SET, RESET, and the refusal a cluster answers
// them with (DROP VIEW and SHOW SETTINGS / VIEWS share DROP TABLE's and SHOW
// TABLES' parsing in statement.cc). parse_statement (statement.cc) hands them here
// with the cursor at their first word. A session kernel executes them; the
// planner only refuses them (session_statement_error).
#include <array>

#include "absl/strings/str_cat.h"
#include "sql/statement_parser.h"

namespace tranche::sql {
namespace {

// A setting's name: words (keywords too: SET limit = 5 is fine, setting
// names are not SQL) joined by '.', lowercased.
absl::Status setting_name(statement_parser& p, std::string* out, source_pos* pos) {
  *pos = p.peek().pos;
  for (;;) {
    const token& t = p.peek();
    if (!t.is_identifier() && t.kind != token_kind::keyword)
      return p.unexpected(t, "a setting name");
    absl::StrAppend(out, to_lower(t.text));
    p.next();
    if (!p.accept_symbol(".")) return absl::OkStatus();
    out->push_back('.');
  }
}

}  // namespace

absl::StatusOr<statement> parse_create_temp(statement_parser& p) {
  p.next();  // CREATE
  bool or_replace = false;
  if (p.at_word("or")) {
    p.next();
    SQL_RETURN_IF_ERROR(p.expect_word("replace"));
    or_replace = true;
  }
  if (!p.at_word("temp") && !p.at_word("temporary"))
    return p.unexpected(p.peek(), "TEMP or TEMPORARY");
  p.next();
  const bool view = p.at_word("view");
  if (!view && !p.at_word("table")) return p.unexpected(p.peek(), "VIEW or TABLE");
  p.next();
  std::string name;
  source_pos name_pos;
  SQL_RETURN_IF_ERROR(p.name(view ? "view name" : "table name", &name, &name_pos));
  SQL_RETURN_IF_ERROR(p.expect_word("as"));
  const token& q = p.peek();
  if (!q.is_keyword("select") && !q.is_keyword("with") && !q.is_symbol("("))
    return p.unexpected(q, "a query (SELECT or WITH)");
  // The query: every token to the end but a final ';'. A ';' before that
  // ends the statement, and what follows it is not ours to take.
  const size_t first = p.index();
  while (p.peek().kind != token_kind::end) {
    if (p.peek().is_symbol(";") && p.peek(1).kind != token_kind::end)
      return p.unexpected(p.peek(1), "end of statement");
    p.next();
  }
  size_t last = p.index() - 1;
  if (p.at(last).is_symbol(";")) --last;
  std::string query = p.blanked_span(first, last);
  if (view) return create_temp_view{name, name_pos, or_replace, std::move(query), q.pos};
  return create_temp_table{name, name_pos, or_replace, std::move(query), q.pos};
}

absl::StatusOr<statement> parse_set(statement_parser& p) {
  p.next();  // SET
  set_setting s;
  SQL_RETURN_IF_ERROR(setting_name(p, &s.name, &s.name_pos));
  if (!p.accept_symbol("=")) {
    if (!p.at_word("to")) return p.unexpected(p.peek(), "\"=\" or TO");
    p.next();
  }
  const token& v = p.peek();
  s.value_pos = v.pos;
  if (v.kind == token_kind::string) {
    s.value = v.text;
  } else if (v.is_symbol("-") || v.is_symbol("+")) {
    const token& n = p.peek(1);
    if (n.kind != token_kind::integer && n.kind != token_kind::decimal)
      return p.unexpected(n, absl::StrCat("a number after \"", v.text, "\""));
    s.value = absl::StrCat(v.text, n.text);
    p.next();
  } else if (v.kind == token_kind::integer || v.kind == token_kind::decimal) {
    s.value = v.text;
  } else if (v.kind == token_kind::identifier || v.kind == token_kind::keyword) {
    s.value = p.as_written(v);
  } else {
    return p.unexpected(v, "a value (a quoted string, a number or a word)");
  }
  p.next();
  SQL_RETURN_IF_ERROR(p.expect_end());
  return s;
}

absl::StatusOr<statement> parse_reset(statement_parser& p) {
  p.next();  // RESET
  reset_setting r;
  SQL_RETURN_IF_ERROR(setting_name(p, &r.name, &r.name_pos));
  SQL_RETURN_IF_ERROR(p.expect_end());
  return r;
}

namespace {

// Per statement kind, in the variant's order: its name, and for a session
// statement what it does there.
struct statement_kind {
  const char* name;
  const char* in_session;
};
constexpr std::array<statement_kind, 13> kKinds = {{
    {"SELECT", nullptr},
    {"CREATE EXTERNAL TABLE", nullptr},
    {"DROP TABLE", nullptr},
    {"SHOW TABLES", nullptr},
    {"DESCRIBE", nullptr},
    {"COPY", nullptr},
    {"CREATE TEMPORARY VIEW", "keeps its view in a session"},
    {"CREATE TEMPORARY TABLE", "keeps its table in a session"},
    {"DROP VIEW", "drops a session's temporary view"},
    {"SET", "changes a session's setting"},
    {"RESET", "resets a session's setting"},
    {"SHOW SETTINGS", "lists a session's settings"},
    {"SHOW VIEWS", "lists a session's temporary views"},
}};
static_assert(std::variant_size_v<statement> == kKinds.size());

}  // namespace

std::string statement_name(const statement& s) { return kKinds[s.index()].name; }

absl::Status session_statement_error(const statement& s, std::string_view sql) {
  const char* does = kKinds[s.index()].in_session;
  if (does == nullptr) return absl::OkStatus();
  source_pos pos;
  if (auto tokens = tokenize(sql); tokens.ok() && !tokens->empty()) pos = tokens->front().pos;
  return error_at(pos, absl::StrCat(kKinds[s.index()].name, " ", does,
                                    "; run it in a session (tranche shell, or a session's "
                                    "notebook)"));
}

}  // namespace tranche::sql
