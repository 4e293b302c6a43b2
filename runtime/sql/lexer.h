// The SQL v1 lexer: turns statement text into tokens carrying their byte span
// and line/column, so that every later error can point at the offending
// token. Called by the parser (parser.cc) once per statement.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sql/diagnostics.h"

namespace tranche::sql {

enum class token_kind : uint8_t {
  identifier,         // unquoted; `text` as written
  quoted_identifier,  // "..."; `text` is the unescaped content
  keyword,            // reserved word; `text` is lowercase
  integer,            // digits only; `text` as written
  decimal,            // 1.5, .5, 1e3; `text` as written
  string,             // '...'; `text` is the unescaped content
  symbol,             // operator or punctuation; `text` is the symbol ("<=", "(")
  end,                // end of input
};

struct token {
  token_kind kind = token_kind::end;
  std::string text;
  size_t begin = 0;  // byte span in the statement
  size_t end = 0;
  source_pos pos;

  [[nodiscard]] bool is_keyword(std::string_view kw) const {
    return kind == token_kind::keyword && text == kw;
  }
  [[nodiscard]] bool is_symbol(std::string_view s) const {
    return kind == token_kind::symbol && text == s;
  }
  [[nodiscard]] bool is_identifier() const {
    return kind == token_kind::identifier || kind == token_kind::quoted_identifier;
  }
};

// Every token of `sql`, ending with one token_kind::end. Comments and
// whitespace are skipped. Errors: unterminated strings, quoted identifiers and
// comments, malformed numbers, characters outside the language.
[[nodiscard]] absl::StatusOr<std::vector<token>> tokenize(std::string_view sql);

// Reserved words that SQL v1 does not implement (JOIN, UNION, EXISTS, ...), so the
// parser can say "JOIN is not supported" instead of a bare syntax error.
[[nodiscard]] bool is_unsupported_keyword(std::string_view lowercase_word);

}  // namespace tranche::sql
