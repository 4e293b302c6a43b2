// Expression constructors (result typing) and rendering for --explain.
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "exec/expr.h"

namespace tranche {
namespace {

bool is_numeric(type_id t) { return t == type_id::int64 || t == type_id::float64; }

}  // namespace

const char* op_symbol(expr_op op) {
  switch (op) {
    case expr_op::add:
      return "+";
    case expr_op::sub:
      return "-";
    case expr_op::mul:
      return "*";
    case expr_op::div:
      return "/";
    case expr_op::mod:
      return "%";
    case expr_op::eq:
      return "=";
    case expr_op::ne:
      return "<>";
    case expr_op::lt:
      return "<";
    case expr_op::le:
      return "<=";
    case expr_op::gt:
      return ">";
    case expr_op::ge:
      return ">=";
    case expr_op::and_:
      return "AND";
    case expr_op::or_:
      return "OR";
    default:
      return "?";
  }
}

expr_ptr col(int index, type_id t) {
  auto e = std::make_shared<expr>();
  e->op = expr_op::column;
  e->index = index;
  e->type = t;
  return e;
}

expr_ptr lit(value v, type_id t) {
  auto e = std::make_shared<expr>();
  e->op = expr_op::literal;
  e->literal = std::move(v);
  e->type = t;
  return e;
}

expr_ptr unary(expr_op op, expr_ptr a) {
  auto e = std::make_shared<expr>();
  e->op = op;
  switch (op) {
    case expr_op::neg:
      e->type = a->type;
      break;
    case expr_op::not_:
    case expr_op::is_null:
    case expr_op::is_not_null:
      e->type = type_id::boolean;
      break;
    default:
      throw std::logic_error("unary: not a unary operator");
  }
  e->args.push_back(std::move(a));
  return e;
}

expr_ptr binary(expr_op op, expr_ptr a, expr_ptr b) {
  auto e = std::make_shared<expr>();
  e->op = op;
  switch (op) {
    case expr_op::add:
    case expr_op::sub:
    case expr_op::mul:
    case expr_op::mod:
      e->type = (a->type == type_id::float64 || b->type == type_id::float64) ? type_id::float64
                                                                             : type_id::int64;
      if (!is_numeric(a->type) || !is_numeric(b->type))
        throw std::logic_error("binary: arithmetic on non-numeric operands");
      break;
    case expr_op::div:
      e->type = type_id::float64;
      break;
    case expr_op::eq:
    case expr_op::ne:
    case expr_op::lt:
    case expr_op::le:
    case expr_op::gt:
    case expr_op::ge:
    case expr_op::and_:
    case expr_op::or_:
      e->type = type_id::boolean;
      break;
    default:
      throw std::logic_error("binary: not a binary operator");
  }
  e->args.push_back(std::move(a));
  e->args.push_back(std::move(b));
  return e;
}

expr_ptr cast(expr_ptr a, type_id to) {
  auto e = std::make_shared<expr>();
  e->op = expr_op::cast;
  e->type = to;
  e->args.push_back(std::move(a));
  return e;
}

expr_ptr nary(expr_op op, std::vector<expr_ptr> args, type_id t) {
  auto e = std::make_shared<expr>();
  e->op = op;
  switch (op) {
    case expr_op::case_:
      e->type = t;
      break;
    case expr_op::like:
    case expr_op::in_list:
      e->type = type_id::boolean;
      break;
    case expr_op::add_days:
    case expr_op::add_months:
      e->type = type_id::date;
      break;
    case expr_op::extract_year:
    case expr_op::extract_month:
    case expr_op::extract_day:
      e->type = type_id::int64;
      break;
    case expr_op::substring:
      e->type = type_id::string;
      break;
    default:
      throw std::logic_error("nary: not an n-ary operator");
  }
  e->args = std::move(args);
  return e;
}

namespace {

std::string join_args(const expr& e, size_t from, const schema* input) {
  std::string out;
  for (size_t i = from; i < e.args.size(); ++i)
    absl::StrAppend(&out, i > from ? ", " : "", to_string(*e.args[i], input));
  return out;
}

}  // namespace

std::string to_string(const expr& e, const schema* input) {
  switch (e.op) {
    case expr_op::column:
      if (input && e.index >= 0 && static_cast<size_t>(e.index) < input->size())
        return input->fields[e.index].name;
      return absl::StrCat("#", e.index);
    case expr_op::literal:
      if (auto* s = std::get_if<std::string>(&e.literal)) return absl::StrCat("'", *s, "'");
      if (std::holds_alternative<date_value>(e.literal))
        return absl::StrCat("DATE '", tranche::to_string(e.literal), "'");
      return tranche::to_string(e.literal);
    case expr_op::neg:
      return absl::StrCat("-", to_string(*e.args[0], input));
    case expr_op::not_:
      return absl::StrCat("NOT ", to_string(*e.args[0], input));
    case expr_op::is_null:
      return absl::StrCat(to_string(*e.args[0], input), " IS NULL");
    case expr_op::is_not_null:
      return absl::StrCat(to_string(*e.args[0], input), " IS NOT NULL");
    case expr_op::cast:
      return absl::StrCat("CAST(", to_string(*e.args[0], input), " AS ",
                          std::string(type_name(e.type)), ")");
    case expr_op::case_: {
      std::string out = "CASE";
      size_t i = 0;
      for (; i + 1 < e.args.size(); i += 2)
        absl::StrAppend(&out, " WHEN ", to_string(*e.args[i], input), " THEN ",
                        to_string(*e.args[i + 1], input));
      if (i < e.args.size()) absl::StrAppend(&out, " ELSE ", to_string(*e.args[i], input));
      return absl::StrCat(out, " END");
    }
    case expr_op::like:
      return absl::StrCat(to_string(*e.args[0], input), " LIKE ", to_string(*e.args[1], input));
    case expr_op::in_list:
      return absl::StrCat(to_string(*e.args[0], input), " IN (", join_args(e, 1, input), ")");
    case expr_op::add_days:
    case expr_op::add_months:
      return absl::StrCat("(", to_string(*e.args[0], input), " + INTERVAL '",
                          to_string(*e.args[1], input), "' ",
                          e.op == expr_op::add_days ? "DAY" : "MONTH", ")");
    case expr_op::extract_year:
    case expr_op::extract_month:
    case expr_op::extract_day:
      return absl::StrCat("EXTRACT(",
                          e.op == expr_op::extract_year    ? "YEAR"
                          : e.op == expr_op::extract_month ? "MONTH"
                                                           : "DAY",
                          " FROM ", to_string(*e.args[0], input), ")");
    case expr_op::substring:
      return absl::StrCat("SUBSTRING(", join_args(e, 0, input), ")");
    default:
      return absl::StrCat("(", to_string(*e.args[0], input), " ", op_symbol(e.op), " ",
                          to_string(*e.args[1], input), ")");
  }
}

}  // namespace tranche
