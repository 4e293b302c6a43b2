// Internal to the SQL parser (parser.h): the parser state class that the
// query grammar (parser.cc: WITH, SELECT, FROM items and joins, UNION ALL,
// ORDER BY, LIMIT) and the expression grammar (expr_parser.cc: precedence
// climbing, primary expressions, CASE, CAST, EXTRACT, SUBSTRING, INTERVAL,
// literals) share, with its token helpers. Methods return StatusOr and never
// throw; the first error ends the parse.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "sql/ast.h"
#include "sql/lexer.h"
#include "sql/parser.h"

namespace tranche::sql::parser_impl {

class parser {
 public:
  parser(std::string_view sql, std::vector<token> tokens) : sql_(sql), tokens_(std::move(tokens)) {}

  // The whole statement: a query and an optional trailing ';'.
  absl::StatusOr<query_stmt> statement();

 private:
  // --- AST nodes and source text (parser.cc) ---
  static ast_ptr node(ast_kind kind, const token& at);
  static absl::Status adopt(ast_expr& parent, ast_ptr child);
  std::string normalized_text(size_t from, size_t to) const;

  // --- query grammar (parser.cc) ---
  absl::StatusOr<query_stmt> parse_query();
  absl::StatusOr<std::shared_ptr<const query_stmt>> parse_parenthesized_query();
  absl::Status parse_select_core(select_stmt& s);
  absl::Status parse_from_item(select_stmt& s, join_kind kind);
  absl::Status parse_order_limit(std::vector<order_item>* order_by, int64_t* limit);
  absl::StatusOr<select_item> parse_select_item();
  absl::StatusOr<order_item> parse_order_item();

  // --- expression grammar (expr_parser.cc) ---
  absl::StatusOr<ast_ptr> make_binary(const token& op_token, expr_op op, ast_ptr lhs, ast_ptr rhs);
  absl::StatusOr<ast_ptr> parse_expr();
  absl::StatusOr<ast_ptr> parse_or();
  absl::StatusOr<ast_ptr> parse_and();
  absl::StatusOr<ast_ptr> parse_not();
  absl::StatusOr<ast_ptr> parse_comparison();
  absl::StatusOr<ast_ptr> parse_predicate(ast_ptr lhs);
  absl::StatusOr<ast_ptr> parse_additive();
  absl::StatusOr<ast_ptr> parse_interval(const token& op, ast_ptr date);
  absl::StatusOr<ast_ptr> parse_multiplicative();
  absl::StatusOr<ast_ptr> parse_unary();
  absl::StatusOr<ast_ptr> number_literal(const token& t, bool negative);
  absl::StatusOr<ast_ptr> parse_primary();
  absl::StatusOr<ast_ptr> parse_name();
  absl::StatusOr<ast_ptr> parse_call(const token& name);
  absl::StatusOr<ast_ptr> parse_case();
  absl::StatusOr<ast_ptr> parse_extract(const token& name);
  absl::StatusOr<ast_ptr> parse_substring(const token& name);
  absl::StatusOr<ast_ptr> parse_cast();
  absl::StatusOr<type_id> parse_type();

  // --- token helpers ---
  const token& peek(size_t ahead = 0) const {
    return tokens_[std::min(i_ + ahead, tokens_.size() - 1)];
  }
  const token& next() {
    const token& t = tokens_[i_];
    if (i_ + 1 < tokens_.size()) ++i_;
    return t;
  }
  bool accept_keyword(std::string_view kw) {
    if (!peek().is_keyword(kw)) return false;
    next();
    return true;
  }
  bool accept_symbol(std::string_view s) {
    if (!peek().is_symbol(s)) return false;
    next();
    return true;
  }
  absl::Status expect_keyword(std::string_view kw) {
    if (accept_keyword(kw)) return absl::OkStatus();
    return unexpected(peek(), to_upper(kw));
  }
  absl::Status expect_symbol(std::string_view s) {
    if (accept_symbol(s)) return absl::OkStatus();
    return unexpected(peek(), absl::StrCat("\"", std::string(s), "\""));
  }
  bool at_word(std::string_view lowercase) const {
    return peek().kind == token_kind::identifier && to_lower(peek().text) == lowercase;
  }
  absl::Status unexpected(const token& t, std::string_view expected) const {
    if (t.kind == token_kind::end) return error_at(t.pos, "syntax error: unexpected end of input");
    if (t.kind == token_kind::keyword && is_unsupported_keyword(t.text))
      return error_at(
          t.pos, absl::StrCat("syntax error: ", to_upper(t.text), " is not supported in SQL v1"));
    std::string raw(sql_.substr(t.begin, t.end - t.begin));
    if (raw.size() > 40) raw = raw.substr(0, 37) + "...";
    return error_at(t.pos, absl::StrCat("syntax error: expected ", std::string(expected),
                                        ", got \"", raw, "\""));
  }
  // Counts one level of syntactic nesting; see kMaxNesting.
  absl::Status enter(const token& at) {
    if (++depth_ > kMaxNesting) return error_at(at.pos, "expression nested too deeply");
    return absl::OkStatus();
  }
  bool at_query_start(size_t ahead) const {
    return peek(ahead).is_keyword("select") || peek(ahead).is_keyword("with");
  }

  std::string_view sql_;
  std::shared_ptr<const std::string> text_;  // sql_ as the AST's shared copy
  std::vector<token> tokens_;
  size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace tranche::sql::parser_impl
