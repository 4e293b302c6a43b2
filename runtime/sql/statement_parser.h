// The token cursor that parse_statement's two halves share: statement.cc
// (the catalog's DDL and COPY) and session_statement.cc (the statements a
// session kernel runs itself: temporary views and tables, settings). Words
// such as CREATE or VIEW are matched as identifiers or keywords alike, so
// none of them needs reserving in the lexer. Internal to sql/.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "sql/lexer.h"
#include "sql/statement.h"

namespace tranche::sql {

class statement_parser {
 public:
  statement_parser(std::vector<token> tokens, std::string_view sql)
      : tokens_(std::move(tokens)), sql_(sql) {}

  // A word: an unquoted identifier or a keyword, compared case-insensitively.
  [[nodiscard]] bool at_word(std::string_view w, size_t ahead = 0) const {
    const token& t = peek(ahead);
    return (t.kind == token_kind::identifier || t.kind == token_kind::keyword) &&
           equals_ignore_case(t.text, w);
  }
  [[nodiscard]] const token& peek(size_t ahead = 0) const {
    return tokens_[std::min(i_ + ahead, tokens_.size() - 1)];
  }
  const token& next() {
    const token& t = tokens_[i_];
    if (i_ + 1 < tokens_.size()) ++i_;
    return t;
  }

  // `line L, column C: expected <what>, got <t>`.
  [[nodiscard]] absl::Status unexpected(const token& t, std::string_view what) const {
    return error_at(t.pos, absl::StrCat("expected ", absl::string_view(what.data(), what.size()),
                                        ", got ", describe_token(t)));
  }
  [[nodiscard]] absl::Status expect_word(std::string_view w) {
    if (!at_word(w)) return unexpected(peek(), to_upper(w));
    next();
    return absl::OkStatus();
  }
  bool accept_symbol(std::string_view s) {
    if (!peek().is_symbol(s)) return false;
    next();
    return true;
  }
  [[nodiscard]] absl::Status expect_symbol(std::string_view s) {
    if (!accept_symbol(s)) return unexpected(peek(), absl::StrCat("\"", std::string(s), "\""));
    return absl::OkStatus();
  }
  // The end of the statement, after an optional ';'.
  [[nodiscard]] absl::Status expect_end() {
    accept_symbol(";");
    if (peek().kind != token_kind::end) return unexpected(peek(), "end of statement");
    return absl::OkStatus();
  }

  // A table, view or column name: an identifier, quoted or not, never qualified.
  [[nodiscard]] absl::Status name(std::string_view what, std::string* out, source_pos* pos) {
    const token& t = peek();
    if (!t.is_identifier()) return unexpected(t, what);
    *out = t.text;
    *pos = t.pos;
    next();
    if (peek().is_symbol("."))
      return error_at(t.pos, absl::StrCat("qualified names are not supported: ", std::string(what),
                                          " \"", t.text, "\" is a single name"));
    return absl::OkStatus();
  }

  // The statement's text from token `first` to the end of token `last`
  // (inclusive) with everything before it blanked, line breaks kept, one
  // space a character: compile_sql's errors in it then carry the statement's
  // own line and column.
  [[nodiscard]] std::string blanked_span(size_t first, size_t last) const {
    const size_t begin = tokens_[first].begin;
    const size_t end = tokens_[last].end;
    std::string out;
    out.reserve(end);
    for (size_t b = 0; b < begin; ++b) {
      const char ch = sql_[b];
      if (ch == '\n' || ch == '\r') {
        out.push_back(ch);
      } else if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) {
        out.push_back(' ');  // one per character: columns count characters
      }
    }
    out.append(sql_.substr(begin, end - begin));
    return out;
  }

  // The token's text as written in the statement (a keyword's `text` is lowercased).
  [[nodiscard]] std::string as_written(const token& t) const {
    return std::string(sql_.substr(t.begin, t.end - t.begin));
  }

  [[nodiscard]] size_t index() const { return i_; }
  [[nodiscard]] const token& at(size_t i) const { return tokens_[i]; }

  // How a token is echoed in "expected X, got Y".
  [[nodiscard]] static std::string describe_token(const token& t) {
    switch (t.kind) {
      case token_kind::end:
        return "end of input";
      case token_kind::string:
        return absl::StrCat("'", t.text, "'");
      case token_kind::keyword:
        return absl::StrCat("\"", to_upper(t.text), "\"");
      default:
        return absl::StrCat("\"", t.text, "\"");
    }
  }

 private:
  std::vector<token> tokens_;
  std::string_view sql_;
  size_t i_ = 0;
};

// The session statements (session_statement.cc). Each starts with the cursor
// at its first word: CREATE (followed by OR or TEMP/TEMPORARY), SET, RESET.
[[nodiscard]] absl::StatusOr<statement> parse_create_temp(statement_parser& p);
[[nodiscard]] absl::StatusOr<statement> parse_set(statement_parser& p);
[[nodiscard]] absl::StatusOr<statement> parse_reset(statement_parser& p);

}  // namespace tranche::sql
