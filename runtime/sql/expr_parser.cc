// The expression grammar of the SQL parser (parser.h; the parser class is
// parser_impl.h's). One method per grammar rule, lowest precedence
// first: OR < AND < NOT < comparison/IS/LIKE/IN/BETWEEN < + - < * / % < unary
// minus < primary. EXTRACT, SUBSTRING and INTERVAL are words, not reserved
// keywords, so columns may still carry those names. Decimal literals combined
// by + - * are folded exactly (fold_decimal).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

#include "sql/parser_impl.h"

namespace tranche::sql::parser_impl {
namespace {

bool comparison_op(const token& t, expr_op* op) {
  if (t.kind != token_kind::symbol) return false;
  static constexpr std::pair<std::string_view, expr_op> kOps[] = {
      {"=", expr_op::eq},  {"<>", expr_op::ne}, {"!=", expr_op::ne}, {"<", expr_op::lt},
      {"<=", expr_op::le}, {">", expr_op::gt},  {">=", expr_op::ge}};
  for (const auto& [text, o] : kOps) {
    if (t.text == text) {
      *op = o;
      return true;
    }
  }
  return false;
}

bool at_predicate(const token& t) {
  return t.is_keyword("like") || t.is_keyword("in") || t.is_keyword("between");
}

// `a op b` over two decimal literals (one with a point), computed exactly
// in scaled integers and rounded once to the nearest DOUBLE: SQL gives
// .06 + 0.01 the DECIMAL value 0.07, which binary doubles would miss
// (TPC-H Q6's BETWEEN .06 - 0.01 AND .06 + 0.01). Null when it does not apply.
ast_ptr fold_decimal(const ast_expr& a, expr_op op, const ast_expr& b) {
  if (a.kind != ast_kind::literal || b.kind != ast_kind::literal || a.decimal_scale < 0 ||
      b.decimal_scale < 0 || (a.decimal_scale == 0 && b.decimal_scale == 0))
    return nullptr;
  if (op != expr_op::add && op != expr_op::sub && op != expr_op::mul) return nullptr;
  auto scaled = [](const ast_expr& e, int scale, long double* out) {
    long double v = e.literal_type == type_id::int64
                        ? static_cast<long double>(std::get<int64_t>(e.literal))
                        : static_cast<long double>(std::get<double>(e.literal));
    for (int i = 0; i < scale; ++i) v *= 10;
    *out = std::nearbyintl(v);
    return std::fabs(static_cast<double>(*out)) < 9007199254740992.0;  // 2^53
  };
  const int scale = op == expr_op::mul ? a.decimal_scale + b.decimal_scale
                                       : std::max(a.decimal_scale, b.decimal_scale);
  if (scale > 15) return nullptr;
  long double x = 0, y = 0;
  if (!scaled(a, op == expr_op::mul ? a.decimal_scale : scale, &x) ||
      !scaled(b, op == expr_op::mul ? b.decimal_scale : scale, &y))
    return nullptr;
  const long double r = op == expr_op::add ? x + y : op == expr_op::sub ? x - y : x * y;
  if (std::fabs(static_cast<double>(r)) >= 9007199254740992.0) return nullptr;
  double divisor = 1;
  for (int i = 0; i < scale; ++i) divisor *= 10;
  auto n = std::make_unique<ast_expr>();
  n->kind = ast_kind::literal;
  n->pos = a.pos;
  n->begin = std::min(a.begin, b.begin);
  n->end = std::max(a.end, b.end);
  n->literal = static_cast<double>(r) / divisor;  // both exact: one rounding
  n->literal_type = type_id::float64;
  n->decimal_scale = scale;
  return n;
}

}  // namespace

absl::StatusOr<ast_ptr> parser::make_binary(const token& op_token, expr_op op, ast_ptr lhs,
                                            ast_ptr rhs) {
  if (ast_ptr folded = fold_decimal(*lhs, op, *rhs)) return folded;
  ast_ptr n = node(ast_kind::binary, op_token);
  n->op = op;
  SQL_RETURN_IF_ERROR(adopt(*n, std::move(lhs)));
  SQL_RETURN_IF_ERROR(adopt(*n, std::move(rhs)));
  return n;
}

absl::StatusOr<ast_ptr> parser::parse_expr() { return parse_or(); }

absl::StatusOr<ast_ptr> parser::parse_or() {
  SQL_ASSIGN_OR_RETURN(ast_ptr lhs, parse_and());
  while (peek().is_keyword("or")) {
    const token& op = next();
    SQL_ASSIGN_OR_RETURN(ast_ptr rhs, parse_and());
    SQL_ASSIGN_OR_RETURN(lhs, make_binary(op, expr_op::or_, std::move(lhs), std::move(rhs)));
  }
  return lhs;
}

absl::StatusOr<ast_ptr> parser::parse_and() {
  SQL_ASSIGN_OR_RETURN(ast_ptr lhs, parse_not());
  while (peek().is_keyword("and")) {
    const token& op = next();
    SQL_ASSIGN_OR_RETURN(ast_ptr rhs, parse_not());
    SQL_ASSIGN_OR_RETURN(lhs, make_binary(op, expr_op::and_, std::move(lhs), std::move(rhs)));
  }
  return lhs;
}

absl::StatusOr<ast_ptr> parser::parse_not() {
  if (!peek().is_keyword("not")) return parse_comparison();
  const token& op = next();
  SQL_RETURN_IF_ERROR(enter(op));
  SQL_ASSIGN_OR_RETURN(ast_ptr operand, parse_not());
  --depth_;
  ast_ptr n = node(ast_kind::unary, op);
  n->op = expr_op::not_;
  SQL_RETURN_IF_ERROR(adopt(*n, std::move(operand)));
  return n;
}

absl::StatusOr<ast_ptr> parser::parse_comparison() {
  SQL_ASSIGN_OR_RETURN(ast_ptr lhs, parse_additive());
  for (;;) {
    expr_op op;
    if (comparison_op(peek(), &op)) {
      const token& op_token = next();
      SQL_ASSIGN_OR_RETURN(ast_ptr rhs, parse_additive());
      SQL_ASSIGN_OR_RETURN(lhs, make_binary(op_token, op, std::move(lhs), std::move(rhs)));
    } else if (peek().is_keyword("is")) {
      const token& is_token = next();
      ast_ptr n = node(ast_kind::is_null, is_token);
      n->negated = accept_keyword("not");
      if (!peek().is_keyword("null")) return unexpected(peek(), "NULL");
      n->end = next().end;
      SQL_RETURN_IF_ERROR(adopt(*n, std::move(lhs)));
      lhs = std::move(n);
    } else if (at_predicate(peek()) || (peek().is_keyword("not") && at_predicate(peek(1)))) {
      SQL_ASSIGN_OR_RETURN(lhs, parse_predicate(std::move(lhs)));
    } else {
      return lhs;
    }
  }
}

// lhs [NOT] LIKE pattern | [NOT] IN (items) | [NOT] BETWEEN low AND high.
absl::StatusOr<ast_ptr> parser::parse_predicate(ast_ptr lhs) {
  const bool negated = accept_keyword("not");
  const token& kw = next();
  SQL_RETURN_IF_ERROR(enter(kw));
  ast_ptr n = node(kw.text == "like" ? ast_kind::like
                   : kw.text == "in" ? ast_kind::in_list
                                     : ast_kind::between,
                   kw);
  n->negated = negated;
  SQL_RETURN_IF_ERROR(adopt(*n, std::move(lhs)));
  if (n->kind == ast_kind::in_list && peek().is_symbol("(") && at_query_start(1)) {
    n->kind = ast_kind::in_subquery;
    SQL_ASSIGN_OR_RETURN(n->subquery, parse_parenthesized_query());
    n->end = tokens_[i_ - 1].end;
  } else if (n->kind == ast_kind::in_list) {
    if (!peek().is_symbol("(")) return unexpected(peek(), "\"(\"");
    next();
    do {
      SQL_ASSIGN_OR_RETURN(ast_ptr item, parse_expr());
      SQL_RETURN_IF_ERROR(adopt(*n, std::move(item)));
    } while (accept_symbol(","));
    if (!peek().is_symbol(")")) return unexpected(peek(), "\")\"");
    n->end = next().end;
  } else {
    // The bounds are additive expressions, so BETWEEN's AND is not a
    // logical AND.
    SQL_ASSIGN_OR_RETURN(ast_ptr rhs, parse_additive());
    SQL_RETURN_IF_ERROR(adopt(*n, std::move(rhs)));
    if (n->kind == ast_kind::between) {
      SQL_RETURN_IF_ERROR(expect_keyword("and"));
      SQL_ASSIGN_OR_RETURN(ast_ptr high, parse_additive());
      SQL_RETURN_IF_ERROR(adopt(*n, std::move(high)));
    }
  }
  --depth_;
  return n;
}

absl::StatusOr<ast_ptr> parser::parse_additive() {
  SQL_ASSIGN_OR_RETURN(ast_ptr lhs, parse_multiplicative());
  while (peek().is_symbol("+") || peek().is_symbol("-")) {
    const token& op = next();
    if (at_word("interval") && peek(1).kind == token_kind::string) {
      SQL_ASSIGN_OR_RETURN(lhs, parse_interval(op, std::move(lhs)));
      continue;
    }
    SQL_ASSIGN_OR_RETURN(ast_ptr rhs, parse_multiplicative());
    SQL_ASSIGN_OR_RETURN(lhs, make_binary(op, op.text == "+" ? expr_op::add : expr_op::sub,
                                          std::move(lhs), std::move(rhs)));
  }
  return lhs;
}

// date +|- INTERVAL 'n' DAY|MONTH|YEAR [(precision)], also spelled
// INTERVAL 'n unit'.
absl::StatusOr<ast_ptr> parser::parse_interval(const token& op, ast_ptr date) {
  next();
  const token& text = next();
  std::string_view spec = text.text;
  while (!spec.empty() && spec.front() == ' ') spec.remove_prefix(1);
  while (!spec.empty() && spec.back() == ' ') spec.remove_suffix(1);
  std::string unit;
  size_t space = spec.find(' ');
  if (space != std::string_view::npos) {
    unit = to_lower(spec.substr(space + 1));
    while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
    spec = spec.substr(0, space);
  }
  if (!spec.empty() && spec.front() == '+') spec.remove_prefix(1);
  int64_t count = 0;
  auto [ptr, ec] = std::from_chars(spec.data(), spec.data() + spec.size(), count);
  // The bound keeps years * 12 and the negation exact; larger intervals
  // leave the calendar anyway.
  if (spec.empty() || ec != std::errc() || ptr != spec.data() + spec.size() || count > 10000000 ||
      count < -10000000)
    return error_at(text.pos, absl::StrCat("invalid interval '", text.text, "'"));
  ast_ptr n = node(ast_kind::date_add, op);
  n->negated = op.text == "-";
  SQL_RETURN_IF_ERROR(adopt(*n, std::move(date)));
  n->end = text.end;
  if (unit.empty()) {
    const std::string word = to_lower(peek().text);
    if (peek().kind != token_kind::identifier ||
        (word != "day" && word != "month" && word != "year"))
      return unexpected(peek(), "DAY, MONTH or YEAR");
    n->end = next().end;
    unit = word;
    // The standard's leading field precision, as TPC-H writes it:
    // INTERVAL '90' DAY (3) — at most 3 digits.
    if (peek().is_symbol("(")) {
      next();
      const token& digits = next();
      int64_t precision = 0;
      auto [p, e] =
          std::from_chars(digits.text.data(), digits.text.data() + digits.text.size(), precision);
      if (digits.kind != token_kind::integer || e != std::errc() ||
          p != digits.text.data() + digits.text.size() || precision < 1 || precision > 9)
        return unexpected(digits, "a precision from 1 to 9");
      if (!peek().is_symbol(")")) return unexpected(peek(), "\")\"");
      n->end = next().end;
      const size_t sign = !spec.empty() && spec.front() == '-' ? 1 : 0;
      if (static_cast<int64_t>(spec.size() - sign) > precision)
        return error_at(text.pos, absl::StrCat("interval '", text.text, "' has more than ",
                                               precision, " digits"));
    }
  }
  if (unit == "day" || unit == "days") {
    n->op = expr_op::add_days;
  } else if (unit == "month" || unit == "months") {
    n->op = expr_op::add_months;
  } else if (unit == "year" || unit == "years") {
    n->op = expr_op::add_months;
    count *= 12;
  } else {
    return error_at(text.pos, absl::StrCat("invalid interval '", text.text, "'"));
  }
  n->literal = n->negated ? -count : count;
  n->literal_type = type_id::int64;
  return n;
}

absl::StatusOr<ast_ptr> parser::parse_multiplicative() {
  SQL_ASSIGN_OR_RETURN(ast_ptr lhs, parse_unary());
  while (peek().is_symbol("*") || peek().is_symbol("/") || peek().is_symbol("%")) {
    const token& op = next();
    expr_op o = op.text == "*" ? expr_op::mul : op.text == "/" ? expr_op::div : expr_op::mod;
    SQL_ASSIGN_OR_RETURN(ast_ptr rhs, parse_unary());
    SQL_ASSIGN_OR_RETURN(lhs, make_binary(op, o, std::move(lhs), std::move(rhs)));
  }
  return lhs;
}

absl::StatusOr<ast_ptr> parser::parse_unary() {
  if (!peek().is_symbol("-") && !peek().is_symbol("+")) return parse_primary();
  const token& op = next();
  bool minus = op.text == "-";
  // A minus directly before a number is part of the literal, so that
  // -9223372036854775808 is representable and -1 stays a constant.
  if (minus && (peek().kind == token_kind::integer || peek().kind == token_kind::decimal)) {
    const token& number = next();
    SQL_ASSIGN_OR_RETURN(ast_ptr lit, number_literal(number, true));
    lit->pos = op.pos;
    lit->begin = op.begin;
    return lit;
  }
  SQL_RETURN_IF_ERROR(enter(op));
  SQL_ASSIGN_OR_RETURN(ast_ptr operand, parse_unary());
  --depth_;
  if (!minus) {  // unary plus is the identity, but the span includes the sign
    operand->begin = op.begin;
    return operand;
  }
  ast_ptr n = node(ast_kind::unary, op);
  n->op = expr_op::neg;
  SQL_RETURN_IF_ERROR(adopt(*n, std::move(operand)));
  return n;
}

absl::StatusOr<ast_ptr> parser::number_literal(const token& t, bool negative) {
  ast_ptr n = node(ast_kind::literal, t);
  std::string digits = negative ? "-" + t.text : t.text;
  const char* first = digits.data();
  const char* last = digits.data() + digits.size();
  if (t.kind == token_kind::integer) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(first, last, v);
    if (ec != std::errc() || ptr != last)
      return error_at(t.pos,
                      absl::StrCat("integer literal ", digits, " is out of range for BIGINT"));
    n->literal = v;
    n->literal_type = type_id::int64;
    n->decimal_scale = 0;
  } else {
    // from_chars does not take a leading '.', so give it a zero.
    std::string text = digits;
    if (!t.text.empty() && t.text[0] == '.') text = (negative ? "-0" : "0") + t.text;
    double v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size())
      return error_at(t.pos,
                      absl::StrCat("numeric literal ", digits, " is out of range for DOUBLE"));
    n->literal = v;
    n->literal_type = type_id::float64;
    const size_t point = t.text.find('.');
    if (t.text.find_first_of("eE") == std::string::npos && point != std::string::npos)
      n->decimal_scale = static_cast<int>(t.text.size() - point - 1);
  }
  return n;
}

absl::StatusOr<ast_ptr> parser::parse_primary() {
  const token& t = peek();
  switch (t.kind) {
    case token_kind::integer:
    case token_kind::decimal:
      next();
      return number_literal(t, false);
    case token_kind::string: {
      next();
      ast_ptr n = node(ast_kind::literal, t);
      n->literal = t.text;
      n->literal_type = type_id::string;
      return n;
    }
    case token_kind::identifier:
    case token_kind::quoted_identifier:
      return parse_name();
    case token_kind::keyword:
      if (t.text == "true" || t.text == "false") {
        next();
        ast_ptr n = node(ast_kind::literal, t);
        n->literal = t.text == "true";
        n->literal_type = type_id::boolean;
        return n;
      }
      if (t.text == "null") {
        next();
        ast_ptr n = node(ast_kind::literal, t);
        n->untyped_null = true;
        n->literal_type = type_id::string;
        return n;
      }
      if (t.text == "cast") return parse_cast();
      if (t.text == "case") return parse_case();
      if (t.text == "exists") {
        next();
        ast_ptr n = node(ast_kind::exists, t);
        if (!peek().is_symbol("(") || !at_query_start(1)) return unexpected(peek(), "\"(SELECT\"");
        SQL_ASSIGN_OR_RETURN(n->subquery, parse_parenthesized_query());
        n->end = tokens_[i_ - 1].end;
        return n;
      }
      break;
    case token_kind::symbol:
      if (t.text == "(" && at_query_start(1)) {
        ast_ptr n = node(ast_kind::scalar_subquery, t);
        SQL_ASSIGN_OR_RETURN(n->subquery, parse_parenthesized_query());
        n->end = tokens_[i_ - 1].end;
        return n;
      }
      if (t.text == "(") {
        const token& open = next();
        SQL_RETURN_IF_ERROR(enter(open));
        SQL_ASSIGN_OR_RETURN(ast_ptr inner, parse_expr());
        --depth_;
        if (!peek().is_symbol(")")) return unexpected(peek(), "\")\"");
        inner->begin = open.begin;
        inner->end = next().end;
        return inner;
      }
      break;
    case token_kind::end:
      break;
  }
  return unexpected(t, "an expression");
}

// Column reference, function call or DATE '...' literal.
absl::StatusOr<ast_ptr> parser::parse_name() {
  const token& name = next();
  bool unquoted = name.kind == token_kind::identifier;
  if (unquoted && to_lower(name.text) == "date" && peek().kind == token_kind::string) {
    const token& s = next();
    int64_t days = 0;
    if (!parse_date(s.text, &days))
      return error_at(s.pos, absl::StrCat("invalid date literal '", s.text, "'"));
    ast_ptr n = node(ast_kind::literal, name);
    n->end = s.end;
    n->literal = date_value{days};
    n->literal_type = type_id::date;
    return n;
  }
  if (unquoted && to_lower(name.text) == "interval" && peek().kind == token_kind::string)
    return error_at(name.pos, "INTERVAL is only supported added to or subtracted from a DATE");
  if (unquoted && peek().is_symbol("(")) {
    if (to_lower(name.text) == "extract") return parse_extract(name);
    if (to_lower(name.text) == "substring") return parse_substring(name);
  }
  if (peek().is_symbol("(")) return parse_call(name);
  ast_ptr n = node(ast_kind::column_ref, name);
  if (accept_symbol(".")) {
    if (!peek().is_identifier()) return unexpected(peek(), "column name");
    const token& column = next();
    n->qualifier = name.text;
    n->qualifier_pos = name.pos;
    n->name = column.text;
    n->pos = column.pos;
    n->end = column.end;
  } else {
    n->name = name.text;
  }
  return n;
}

absl::StatusOr<ast_ptr> parser::parse_call(const token& name) {
  ast_ptr n = node(ast_kind::call, name);
  n->function = to_lower(name.text);
  const token& open = next();
  SQL_RETURN_IF_ERROR(enter(open));
  size_t first_arg_token = i_;
  n->distinct = peek().is_keyword("distinct");
  if (n->distinct) next();
  if (!n->distinct && peek().is_symbol("*") && peek(1).is_symbol(")")) {
    n->star = true;
    next();
  } else if (!peek().is_symbol(")")) {
    do {
      SQL_ASSIGN_OR_RETURN(ast_ptr arg, parse_expr());
      SQL_RETURN_IF_ERROR(adopt(*n, std::move(arg)));
    } while (accept_symbol(","));
  }
  --depth_;
  if (!peek().is_symbol(")")) return unexpected(peek(), "\")\"");
  n->call_name = absl::StrCat(n->function, "(", normalized_text(first_arg_token, i_), ")");
  n->end = next().end;
  return n;
}

// Tokens [from, to) as written, with identifiers and keywords lowercased so
// that SUM(Price) and sum(price) get the same default name.
// CASE [operand] WHEN x THEN y ... [ELSE z] END
absl::StatusOr<ast_ptr> parser::parse_case() {
  const token& case_token = next();
  ast_ptr n = node(ast_kind::case_, case_token);
  SQL_RETURN_IF_ERROR(enter(case_token));
  if (!peek().is_keyword("when")) {
    SQL_ASSIGN_OR_RETURN(ast_ptr operand, parse_expr());
    SQL_RETURN_IF_ERROR(adopt(*n, std::move(operand)));
    n->has_case_operand = true;
  }
  if (!peek().is_keyword("when")) return unexpected(peek(), "WHEN");
  while (accept_keyword("when")) {
    SQL_ASSIGN_OR_RETURN(ast_ptr when, parse_expr());
    SQL_RETURN_IF_ERROR(adopt(*n, std::move(when)));
    SQL_RETURN_IF_ERROR(expect_keyword("then"));
    SQL_ASSIGN_OR_RETURN(ast_ptr then, parse_expr());
    SQL_RETURN_IF_ERROR(adopt(*n, std::move(then)));
  }
  if (accept_keyword("else")) {
    SQL_ASSIGN_OR_RETURN(ast_ptr otherwise, parse_expr());
    SQL_RETURN_IF_ERROR(adopt(*n, std::move(otherwise)));
    n->has_else = true;
  }
  --depth_;
  if (!peek().is_keyword("end")) return unexpected(peek(), "END");
  n->end = next().end;
  return n;
}

// EXTRACT(YEAR|MONTH|DAY FROM date)
absl::StatusOr<ast_ptr> parser::parse_extract(const token& name) {
  ast_ptr n = node(ast_kind::extract, name);
  SQL_RETURN_IF_ERROR(enter(next()));
  const token& field = peek();
  std::string f = to_lower(field.text);
  if (field.kind != token_kind::identifier || (f != "year" && f != "month" && f != "day"))
    return unexpected(field, "YEAR, MONTH or DAY");
  next();
  n->op = f == "year"    ? expr_op::extract_year
          : f == "month" ? expr_op::extract_month
                         : expr_op::extract_day;
  SQL_RETURN_IF_ERROR(expect_keyword("from"));
  SQL_ASSIGN_OR_RETURN(ast_ptr date, parse_expr());
  SQL_RETURN_IF_ERROR(adopt(*n, std::move(date)));
  --depth_;
  if (!peek().is_symbol(")")) return unexpected(peek(), "\")\"");
  n->end = next().end;
  return n;
}

// SUBSTRING(s FROM start [FOR length]) or SUBSTRING(s, start [, length])
absl::StatusOr<ast_ptr> parser::parse_substring(const token& name) {
  ast_ptr n = node(ast_kind::substring, name);
  SQL_RETURN_IF_ERROR(enter(next()));
  SQL_ASSIGN_OR_RETURN(ast_ptr s, parse_expr());
  SQL_RETURN_IF_ERROR(adopt(*n, std::move(s)));
  const bool keywords = peek().is_keyword("from");
  if (!keywords && !peek().is_symbol(",")) return unexpected(peek(), "FROM or \",\"");
  next();
  SQL_ASSIGN_OR_RETURN(ast_ptr start, parse_expr());
  SQL_RETURN_IF_ERROR(adopt(*n, std::move(start)));
  if (keywords ? at_word("for") : peek().is_symbol(",")) {
    next();
    SQL_ASSIGN_OR_RETURN(ast_ptr length, parse_expr());
    SQL_RETURN_IF_ERROR(adopt(*n, std::move(length)));
  }
  --depth_;
  if (!peek().is_symbol(")")) return unexpected(peek(), "\")\"");
  n->end = next().end;
  return n;
}

absl::StatusOr<ast_ptr> parser::parse_cast() {
  const token& cast_token = next();
  ast_ptr n = node(ast_kind::cast, cast_token);
  if (!peek().is_symbol("(")) return unexpected(peek(), "\"(\"");
  SQL_RETURN_IF_ERROR(enter(next()));
  SQL_ASSIGN_OR_RETURN(ast_ptr operand, parse_expr());
  --depth_;
  SQL_RETURN_IF_ERROR(adopt(*n, std::move(operand)));
  SQL_RETURN_IF_ERROR(expect_keyword("as"));
  SQL_ASSIGN_OR_RETURN(n->cast_type, parse_type());
  if (!peek().is_symbol(")")) return unexpected(peek(), "\")\"");
  n->end = next().end;
  return n;
}

absl::StatusOr<type_id> parser::parse_type() {
  const token& t = peek();
  if (t.kind != token_kind::identifier) return unexpected(t, "a type name");
  next();
  std::string name = to_lower(t.text);
  type_id type;
  bool takes_params = false;
  if (name == "bigint" || name == "int" || name == "integer" || name == "smallint") {
    type = type_id::int64;
  } else if (name == "double" || name == "float" || name == "real") {
    type = type_id::float64;
    if (name == "double" && at_word("precision")) next();
  } else if (name == "decimal" || name == "numeric") {
    type = type_id::float64;  // SQL v1 has no fixed-point type
    takes_params = true;
  } else if (name == "boolean" || name == "bool") {
    type = type_id::boolean;
  } else if (name == "varchar" || name == "text" || name == "string") {
    type = type_id::string;
    takes_params = name == "varchar";
  } else if (name == "date") {
    type = type_id::date;
  } else {
    return error_at(t.pos, absl::StrCat("unknown type \"", t.text, "\""));
  }
  if (takes_params && accept_symbol("(")) {
    do {
      if (peek().kind != token_kind::integer) return unexpected(peek(), "an integer");
      next();
    } while (accept_symbol(","));
    SQL_RETURN_IF_ERROR(expect_symbol(")"));
  }
  return type;
}

}  // namespace tranche::sql::parser_impl
