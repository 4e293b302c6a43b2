// Implementation of parser.h, the query grammar: [WITH ...] SELECT ...
// [UNION ALL SELECT ...] [ORDER BY ...] [LIMIT n], the select list, FROM
// items (tables, derived tables) and joins; also the parser's AST node and
// source-text helpers. Expressions are expr_parser.cc's; the parser class is
// parser_impl.h's.
#include "sql/parser.h"

#include <algorithm>
#include <charconv>
#include <system_error>

#include "sql/parser_impl.h"

namespace tranche::sql {
namespace parser_impl {
namespace {

bool is_plain_identifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

// --- AST nodes and source text ---

ast_ptr parser::node(ast_kind kind, const token& at) {
  auto n = std::make_unique<ast_expr>();
  n->kind = kind;
  n->pos = at.pos;
  n->begin = at.begin;
  n->end = at.end;
  return n;
}

// Adopts `child` as an operand, widening the span and height.
absl::Status parser::adopt(ast_expr& parent, ast_ptr child) {
  parent.begin = std::min(parent.begin, child->begin);
  parent.end = std::max(parent.end, child->end);
  parent.height = std::max(parent.height, child->height + 1);
  parent.args.push_back(std::move(child));
  if (parent.height > kMaxHeight) return error_at(parent.pos, "expression nested too deeply");
  return absl::OkStatus();
}

std::string parser::normalized_text(size_t from, size_t to) const {
  std::string out;
  for (size_t k = from; k < to && k < tokens_.size(); ++k) {
    const token& t = tokens_[k];
    if (k > from) out += sql_.substr(tokens_[k - 1].end, t.begin - tokens_[k - 1].end);
    std::string raw(sql_.substr(t.begin, t.end - t.begin));
    if (t.kind == token_kind::identifier || t.kind == token_kind::keyword) {
      out += to_lower(raw);
    } else if (t.kind == token_kind::quoted_identifier && is_plain_identifier(to_lower(t.text))) {
      out += to_lower(t.text);
    } else {
      out += raw;
    }
  }
  return out;
}

// --- query grammar ---

// The whole statement: a query and an optional trailing ';'.
absl::StatusOr<query_stmt> parser::statement() {
  SQL_ASSIGN_OR_RETURN(query_stmt q, parse_query());
  accept_symbol(";");
  if (peek().kind != token_kind::end) return unexpected(peek(), "end of input");
  return q;
}

// [WITH name AS (query), ...] select [UNION ALL select ...] [ORDER BY ...] [LIMIT n]
absl::StatusOr<query_stmt> parser::parse_query() {
  query_stmt q;
  if (!text_) text_ = std::make_shared<const std::string>(sql_);
  q.sql = text_;
  q.pos = peek().pos;
  if (accept_keyword("with")) {
    do {
      if (!peek().is_identifier()) return unexpected(peek(), "name of a common table expression");
      common_table c;
      c.pos = peek().pos;
      c.name = next().text;
      SQL_RETURN_IF_ERROR(expect_keyword("as"));
      SQL_ASSIGN_OR_RETURN(c.query, parse_parenthesized_query());
      q.with.push_back(std::move(c));
    } while (accept_symbol(","));
  }
  for (;;) {
    auto term = std::make_shared<select_stmt>();
    term->sql = q.sql;
    SQL_RETURN_IF_ERROR(parse_select_core(*term));
    q.terms.push_back(std::move(term));
    if (!peek().is_keyword("union")) break;
    next();
    if (!peek().is_keyword("all"))
      return error_at(peek().pos,
                      "only UNION ALL is supported (UNION without ALL would remove duplicates)");
    next();
  }
  std::vector<order_item> order_by;
  int64_t limit = -1;
  SQL_RETURN_IF_ERROR(parse_order_limit(&order_by, &limit));
  if (q.terms.size() == 1) {
    q.terms[0]->order_by = std::move(order_by);
    q.terms[0]->limit = limit;
  } else {
    q.order_by = std::move(order_by);
    q.limit = limit;
  }
  return q;
}

// ( query ), counting one level of nesting.
absl::StatusOr<std::shared_ptr<const query_stmt>> parser::parse_parenthesized_query() {
  if (!peek().is_symbol("(")) return unexpected(peek(), "\"(\"");
  const token& open = next();
  SQL_RETURN_IF_ERROR(enter(open));
  SQL_ASSIGN_OR_RETURN(query_stmt inner, parse_query());
  --depth_;
  if (!peek().is_symbol(")")) return unexpected(peek(), "\")\"");
  next();
  return std::make_shared<const query_stmt>(std::move(inner));
}

absl::Status parser::parse_select_core(select_stmt& s) {
  SQL_RETURN_IF_ERROR(expect_keyword("select"));
  if (accept_keyword("distinct")) {
    s.distinct = true;
  } else {
    accept_keyword("all");
  }
  do {
    SQL_ASSIGN_OR_RETURN(select_item item, parse_select_item());
    s.items.push_back(std::move(item));
  } while (accept_symbol(","));
  SQL_RETURN_IF_ERROR(expect_keyword("from"));
  SQL_RETURN_IF_ERROR(parse_from_item(s, join_kind::comma));
  for (;;) {
    join_kind kind;
    if (accept_symbol(",")) {
      kind = join_kind::comma;
    } else if (accept_keyword("join")) {
      kind = join_kind::inner;
    } else if (accept_keyword("inner")) {
      SQL_RETURN_IF_ERROR(expect_keyword("join"));
      kind = join_kind::inner;
    } else if (accept_keyword("left")) {
      accept_keyword("outer");
      SQL_RETURN_IF_ERROR(expect_keyword("join"));
      kind = join_kind::left;
    } else if (accept_keyword("cross")) {
      SQL_RETURN_IF_ERROR(expect_keyword("join"));
      kind = join_kind::cross;
    } else {
      break;
    }
    SQL_RETURN_IF_ERROR(parse_from_item(s, kind));
    if (kind == join_kind::inner || kind == join_kind::left) {
      SQL_RETURN_IF_ERROR(expect_keyword("on"));
      SQL_ASSIGN_OR_RETURN(s.from.back().on, parse_expr());
    }
  }
  if (accept_keyword("where")) {
    SQL_ASSIGN_OR_RETURN(s.where, parse_expr());
  }
  if (accept_keyword("group")) {
    SQL_RETURN_IF_ERROR(expect_keyword("by"));
    do {
      SQL_ASSIGN_OR_RETURN(ast_ptr e, parse_expr());
      s.group_by.push_back(std::move(e));
    } while (accept_symbol(","));
  }
  if (accept_keyword("having")) {
    SQL_ASSIGN_OR_RETURN(s.having, parse_expr());
  }
  return absl::OkStatus();
}

// table [[AS] alias] | (query) [AS] alias
absl::Status parser::parse_from_item(select_stmt& s, join_kind kind) {
  from_item item;
  item.join = kind;
  item.pos = peek().pos;
  if (peek().is_symbol("(")) {
    if (!at_query_start(1)) return unexpected(peek(1), "SELECT (a derived table)");
    SQL_ASSIGN_OR_RETURN(item.derived, parse_parenthesized_query());
  } else {
    if (!peek().is_identifier()) return unexpected(peek(), "table name");
    item.table = next().text;
  }
  if (accept_keyword("as")) {
    if (!peek().is_identifier()) return unexpected(peek(), "alias");
    item.alias = next().text;
  } else if (peek().is_identifier()) {
    item.alias = next().text;
  }
  if (item.derived && item.alias.empty())
    return error_at(item.pos, "a derived table needs an alias: (SELECT ...) AS name");
  s.from.push_back(std::move(item));
  return absl::OkStatus();
}

absl::Status parser::parse_order_limit(std::vector<order_item>* order_by, int64_t* limit) {
  if (accept_keyword("order")) {
    SQL_RETURN_IF_ERROR(expect_keyword("by"));
    do {
      SQL_ASSIGN_OR_RETURN(order_item item, parse_order_item());
      order_by->push_back(std::move(item));
    } while (accept_symbol(","));
  }
  if (accept_keyword("limit")) {
    const token& t = peek();
    if (t.kind == token_kind::end) return unexpected(t, "");
    int64_t n = -1;
    auto [ptr, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), n);
    if (t.kind != token_kind::integer || ec != std::errc() || n < 0)
      return error_at(t.pos, "LIMIT must be a non-negative integer");
    *limit = n;
    next();
  }
  return absl::OkStatus();
}

// --- grammar ---
absl::StatusOr<select_item> parser::parse_select_item() {
  select_item item;
  item.pos = peek().pos;
  if (accept_symbol("*")) {
    item.star = true;
    return item;
  }
  if (peek().is_identifier() && peek(1).is_symbol(".") && peek(2).is_symbol("*")) {
    item.star = true;
    item.star_qualifier = next().text;
    next();
    next();
    return item;
  }
  SQL_ASSIGN_OR_RETURN(item.expr, parse_expr());
  if (accept_keyword("as")) {
    if (!peek().is_identifier()) return unexpected(peek(), "alias");
    item.alias = next().text;
    item.has_alias = true;
  } else if (peek().is_identifier()) {
    item.alias = next().text;
    item.has_alias = true;
  }
  return item;
}

absl::StatusOr<order_item> parser::parse_order_item() {
  order_item item;
  SQL_ASSIGN_OR_RETURN(item.expr, parse_expr());
  if (accept_keyword("desc")) {
    item.ascending = false;
  } else {
    accept_keyword("asc");
  }
  item.nulls_first = !item.ascending;
  if (at_word("nulls")) {
    next();
    if (at_word("first")) {
      item.nulls_first = true;
    } else if (at_word("last")) {
      item.nulls_first = false;
    } else {
      return unexpected(peek(), "FIRST or LAST");
    }
    next();
  }
  return item;
}

}  // namespace parser_impl

absl::StatusOr<query_stmt> parse_query(std::string_view sql) {
  SQL_ASSIGN_OR_RETURN(std::vector<token> tokens, tokenize(sql));
  return parser_impl::parser(sql, std::move(tokens)).statement();
}

}  // namespace tranche::sql
