// Expressions, literals and aggregate calls to and from their Cap'n Proto
// form (codec_common.h), with the checks that make a decoded expression one
// the constructors in exec/expr.h could have built over the schema it reads.
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "plan/codec_common.h"

namespace tranche::codec {
namespace {

static_assert(
    same_ordinal(expr_op::column, wire::ExprOp::COLUMN) &&
    same_ordinal(expr_op::literal, wire::ExprOp::LITERAL) &&
    same_ordinal(expr_op::add, wire::ExprOp::ADD) &&
    same_ordinal(expr_op::sub, wire::ExprOp::SUB) &&
    same_ordinal(expr_op::mul, wire::ExprOp::MUL) &&
    same_ordinal(expr_op::div, wire::ExprOp::DIV) &&
    same_ordinal(expr_op::mod, wire::ExprOp::MOD) &&
    same_ordinal(expr_op::neg, wire::ExprOp::NEG) && same_ordinal(expr_op::eq, wire::ExprOp::EQ) &&
    same_ordinal(expr_op::ne, wire::ExprOp::NE) && same_ordinal(expr_op::lt, wire::ExprOp::LT) &&
    same_ordinal(expr_op::le, wire::ExprOp::LE) && same_ordinal(expr_op::gt, wire::ExprOp::GT) &&
    same_ordinal(expr_op::ge, wire::ExprOp::GE) && same_ordinal(expr_op::and_, wire::ExprOp::AND) &&
    same_ordinal(expr_op::or_, wire::ExprOp::OR) &&
    same_ordinal(expr_op::not_, wire::ExprOp::NOT) &&
    same_ordinal(expr_op::is_null, wire::ExprOp::IS_NULL) &&
    same_ordinal(expr_op::is_not_null, wire::ExprOp::IS_NOT_NULL) &&
    same_ordinal(expr_op::cast, wire::ExprOp::CAST) &&
    same_ordinal(expr_op::case_, wire::ExprOp::CASE) &&
    same_ordinal(expr_op::like, wire::ExprOp::LIKE) &&
    same_ordinal(expr_op::in_list, wire::ExprOp::IN_LIST) &&
    same_ordinal(expr_op::add_days, wire::ExprOp::ADD_DAYS) &&
    same_ordinal(expr_op::add_months, wire::ExprOp::ADD_MONTHS) &&
    same_ordinal(expr_op::extract_year, wire::ExprOp::EXTRACT_YEAR) &&
    same_ordinal(expr_op::extract_month, wire::ExprOp::EXTRACT_MONTH) &&
    same_ordinal(expr_op::extract_day, wire::ExprOp::EXTRACT_DAY) &&
    same_ordinal(expr_op::substring, wire::ExprOp::SUBSTRING));
static_assert(same_ordinal(agg_fn::count_star, wire::AggFn::COUNT_STAR) &&
              same_ordinal(agg_fn::count, wire::AggFn::COUNT) &&
              same_ordinal(agg_fn::sum, wire::AggFn::SUM) &&
              same_ordinal(agg_fn::min, wire::AggFn::MIN) &&
              same_ordinal(agg_fn::max, wire::AggFn::MAX) &&
              same_ordinal(agg_fn::avg, wire::AggFn::AVG) &&
              same_ordinal(agg_fn::count_distinct, wire::AggFn::COUNT_DISTINCT));

// An op no decoder accepts: how a null expression pointer is written.
constexpr auto k_invalid_op = static_cast<wire::ExprOp>(0xffff);

// Dates a literal may hold: 0000-01-01 .. 9999-12-31, what parse_date reads.
constexpr int64_t k_min_date = -719528;
constexpr int64_t k_max_date = 2932896;

const char* op_name(expr_op op) {
  switch (op) {
    case expr_op::column:
      return "column";
    case expr_op::literal:
      return "literal";
    case expr_op::add:
      return "add";
    case expr_op::sub:
      return "sub";
    case expr_op::mul:
      return "mul";
    case expr_op::div:
      return "div";
    case expr_op::mod:
      return "mod";
    case expr_op::neg:
      return "neg";
    case expr_op::eq:
      return "eq";
    case expr_op::ne:
      return "ne";
    case expr_op::lt:
      return "lt";
    case expr_op::le:
      return "le";
    case expr_op::gt:
      return "gt";
    case expr_op::ge:
      return "ge";
    case expr_op::and_:
      return "and";
    case expr_op::or_:
      return "or";
    case expr_op::not_:
      return "not";
    case expr_op::is_null:
      return "is null";
    case expr_op::is_not_null:
      return "is not null";
    case expr_op::cast:
      return "cast";
    case expr_op::case_:
      return "case";
    case expr_op::like:
      return "like";
    case expr_op::in_list:
      return "in";
    case expr_op::add_days:
      return "add days";
    case expr_op::add_months:
      return "add months";
    case expr_op::extract_year:
      return "extract year";
    case expr_op::extract_month:
      return "extract month";
    case expr_op::extract_day:
      return "extract day";
    case expr_op::substring:
      return "substring";
  }
  return "?";
}

// The fewest and most operands `op` takes.
struct arity_range {
  size_t min, max;
};
arity_range arity(expr_op op) {
  switch (op) {
    case expr_op::column:
    case expr_op::literal:
      return {0, 0};
    case expr_op::neg:
    case expr_op::not_:
    case expr_op::is_null:
    case expr_op::is_not_null:
    case expr_op::cast:
    case expr_op::extract_year:
    case expr_op::extract_month:
    case expr_op::extract_day:
      return {1, 1};
    case expr_op::case_:
    case expr_op::in_list:
      return {2, SIZE_MAX};
    case expr_op::substring:
      return {2, 3};
    default:
      return {2, 2};
  }
}

bool is_literal_of(const expr& e, type_id t) { return e.op == expr_op::literal && e.type == t; }

bool is_numeric(type_id t) { return t == type_id::int64 || t == type_id::float64; }

// The type the literal's value has, or nullopt-like `false` for NULL.
bool value_type(const value& v, type_id* t) {
  switch (v.index()) {
    case 1:
      *t = type_id::int64;
      return true;
    case 2:
      *t = type_id::float64;
      return true;
    case 3:
      *t = type_id::boolean;
      return true;
    case 4:
      *t = type_id::string;
      return true;
    case 5:
      *t = type_id::date;
      return true;
    default:
      return false;
  }
}

void write_value(wire::Value::Builder b, const value& v) {
  switch (v.index()) {
    case 1:
      b.setInt64(std::get<int64_t>(v));
      break;
    case 2:
      b.setFloat64(std::get<double>(v));
      break;
    case 3:
      b.setBool(std::get<bool>(v));
      break;
    case 4: {
      const auto& s = std::get<std::string>(v);
      b.setText(capnp::Text::Reader(s.data(), s.size()));
      break;
    }
    case 5:
      b.setDate(std::get<date_value>(v).days);
      break;
    default:
      b.setNull();
      break;
  }
}

absl::Status read_value(wire::Value::Reader r, value* out) {
  switch (r.which()) {
    case wire::Value::NULL_:
      *out = std::monostate{};
      return absl::OkStatus();
    case wire::Value::INT64:
      *out = r.getInt64();
      return absl::OkStatus();
    case wire::Value::FLOAT64:
      *out = r.getFloat64();
      return absl::OkStatus();
    case wire::Value::BOOL:
      *out = r.getBool();
      return absl::OkStatus();
    case wire::Value::TEXT: {
      auto t = r.getText();
      *out = std::string(t.begin(), t.size());
      return absl::OkStatus();
    }
    case wire::Value::DATE: {
      int64_t d = r.getDate();
      if (d < k_min_date || d > k_max_date)
        return malformed(absl::StrCat("date literal ", d, " days is outside years 0000-9999"));
      *out = date_value{d};
      return absl::OkStatus();
    }
  }
  return malformed(absl::StrCat("unknown literal kind ", static_cast<int>(r.which())));
}

// Checks the op's result type the way the constructors in expr_build.cc
// derive it, given its (already decoded) operands.
absl::Status check_typing(const expr& e) {
  auto want = [&](type_id t) -> absl::Status {
    if (e.type == t) return absl::OkStatus();
    return malformed(absl::StrCat(op_name(e.op), " has result type ", type_label(e.type),
                                  ", expected ", type_label(t)));
  };
  switch (e.op) {
    case expr_op::column:
    case expr_op::cast:
      return absl::OkStatus();
    case expr_op::literal: {
      type_id t;
      if (value_type(e.literal, &t) && t != e.type)
        return malformed(absl::StrCat("literal of type ", type_label(e.type), " holds a ",
                                      type_label(t), " value"));
      return absl::OkStatus();
    }
    case expr_op::add:
    case expr_op::sub:
    case expr_op::mul:
    case expr_op::mod: {
      type_id a = e.args[0]->type, b = e.args[1]->type;
      if (!is_numeric(a) || !is_numeric(b))
        return malformed(absl::StrCat(op_name(e.op), " of ", type_label(a), " and ", type_label(b),
                                      ": operands must be numeric"));
      return want(a == type_id::float64 || b == type_id::float64 ? type_id::float64
                                                                 : type_id::int64);
    }
    case expr_op::div:
      return want(type_id::float64);
    case expr_op::neg:
      return want(e.args[0]->type);
    case expr_op::case_:
      for (size_t k = 0; k < e.args.size(); ++k) {
        const bool is_condition = k + 1 < e.args.size() && k % 2 == 0;
        const type_id t = is_condition ? type_id::boolean : e.type;
        if (e.args[k]->type != t)
          return malformed(absl::StrCat("case operand ", k, " is ", type_label(e.args[k]->type),
                                        ", expected ", type_label(t)));
      }
      return absl::OkStatus();
    case expr_op::like:
      if (e.args[0]->type != type_id::string || !is_literal_of(*e.args[1], type_id::string))
        return malformed("like needs a text operand and a text literal pattern");
      return want(type_id::boolean);
    case expr_op::in_list:
      for (size_t k = 1; k < e.args.size(); ++k)
        if (!is_literal_of(*e.args[k], e.args[0]->type))
          return malformed(absl::StrCat("in list item ", k - 1, " is not a ",
                                        type_label(e.args[0]->type), " literal"));
      return want(type_id::boolean);
    case expr_op::add_days:
    case expr_op::add_months:
      if (e.args[0]->type != type_id::date || e.args[1]->type != type_id::int64)
        return malformed(absl::StrCat(op_name(e.op), " needs a date and an int64"));
      return want(type_id::date);
    case expr_op::extract_year:
    case expr_op::extract_month:
    case expr_op::extract_day:
      if (e.args[0]->type != type_id::date)
        return malformed(absl::StrCat(op_name(e.op), " needs a date"));
      return want(type_id::int64);
    case expr_op::substring:
      for (size_t k = 0; k < e.args.size(); ++k)
        if (e.args[k]->type != (k == 0 ? type_id::string : type_id::int64))
          return malformed("substring needs a text and int64 start and length");
      return want(type_id::string);
    default:
      return want(type_id::boolean);  // comparisons, logic, IS [NOT] NULL
  }
}

absl::StatusOr<expr_ptr> read_expr_at(wire::Expr::Reader r, const schema* input, int depth) {
  if (depth > k_max_expr_depth)
    return malformed(
        absl::StrCat("expression nested too deeply (more than ", k_max_expr_depth, " levels)"));
  auto raw_op = static_cast<uint16_t>(r.getOp());
  if (raw_op > static_cast<uint16_t>(wire::ExprOp::SUBSTRING))
    return malformed(absl::StrCat("unknown expression op ", raw_op));
  auto e = std::make_shared<expr>();
  e->op = static_cast<expr_op>(raw_op);
  CODEC_RETURN_IF_ERROR(read_type(r.getType(), &e->type));
  e->index = r.getIndex();
  if (r.hasLiteral()) CODEC_RETURN_IF_ERROR(read_value(r.getLiteral(), &e->literal));

  auto args = r.getArgs();
  const arity_range want = arity(e->op);
  if (args.size() < want.min || args.size() > want.max) {
    std::string expected = want.min == want.max   ? absl::StrCat(want.min)
                           : want.max == SIZE_MAX ? absl::StrCat("at least ", want.min)
                                                  : absl::StrCat(want.min, " to ", want.max);
    return malformed(absl::StrCat(op_name(e->op), " has ", args.size(), " argument",
                                  args.size() == 1 ? "" : "s", ", expected ", expected));
  }
  e->args.reserve(args.size());
  for (auto a : args) {
    CODEC_ASSIGN_OR_RETURN(auto arg, read_expr_at(a, input, depth + 1));
    e->args.push_back(std::move(arg));
  }

  if (e->op == expr_op::column) {
    if (e->index < 0) return malformed(absl::StrCat("negative column index ", e->index));
    if (input != nullptr) {
      if (static_cast<size_t>(e->index) >= input->size())
        return malformed(absl::StrCat("column #", e->index, " out of range: the input has ",
                                      input->size(), " columns"));
      const field& f = input->fields[e->index];
      if (f.type != e->type)
        return malformed(absl::StrCat("column #", e->index, " \"", f.name, "\" is ",
                                      type_label(f.type), ", the expression reads it as ",
                                      type_label(e->type)));
    }
  }
  CODEC_RETURN_IF_ERROR(check_typing(*e));
  return expr_ptr(std::move(e));
}

absl::Status read_aggregate(wire::AggregateCall::Reader r, const schema* input,
                            aggregate_call* out) {
  auto raw_fn = static_cast<uint16_t>(r.getFn());
  if (raw_fn > static_cast<uint16_t>(wire::AggFn::COUNT_DISTINCT))
    return malformed(absl::StrCat("unknown aggregate function ", raw_fn));
  out->fn = static_cast<agg_fn>(raw_fn);
  CODEC_RETURN_IF_ERROR(read_type(r.getType(), &out->type));
  auto name = r.getName();
  out->name.assign(name.begin(), name.size());
  const char* fn = agg_fn_name(out->fn);
  if (out->fn == agg_fn::count_star) {
    if (r.hasArg()) return malformed("COUNT(*) has an argument");
  } else {
    if (!r.hasArg()) return malformed(absl::StrCat(fn, " has no argument"));
    CODEC_ASSIGN_OR_RETURN(out->arg, within("argument", read_expr(r.getArg(), input)));
  }
  auto want = [&](type_id t, const char* why) -> absl::Status {
    if (out->type == t) return absl::OkStatus();
    return malformed(absl::StrCat(fn, " has result type ", type_label(out->type), ", expected ",
                                  type_label(t), why));
  };
  switch (out->fn) {
    case agg_fn::count_star:
    case agg_fn::count:
    case agg_fn::count_distinct:
      return want(type_id::int64, "");
    case agg_fn::avg:
    case agg_fn::sum:
      if (!is_numeric(out->arg->type))
        return malformed(
            absl::StrCat(fn, " of ", type_label(out->arg->type), ": the argument must be numeric"));
      if (out->fn == agg_fn::avg) return want(type_id::float64, "");
      return want(out->arg->type, " (its argument's type)");
    case agg_fn::min:
    case agg_fn::max:
      return want(out->arg->type, " (its argument's type)");
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<type_id> partial_state_types(const aggregate_call& a) {
  type_id arg = a.arg ? a.arg->type : type_id::int64;
  switch (a.fn) {
    case agg_fn::count_star:
    case agg_fn::count:
      return {type_id::int64};
    case agg_fn::sum:
      return {arg, type_id::int64};
    case agg_fn::avg:
      return {type_id::float64, type_id::int64};
    case agg_fn::min:
    case agg_fn::max:
    case agg_fn::count_distinct:
      return {arg};
  }
  return {};
}

void write_expr(wire::Expr::Builder b, const expr* e) {
  if (e == nullptr) {
    b.setOp(k_invalid_op);
    return;
  }
  b.setOp(static_cast<wire::ExprOp>(e->op));
  b.setType(static_cast<wire::TypeId>(e->type));
  b.setIndex(e->index);
  if (!is_null(e->literal)) write_value(b.initLiteral(), e->literal);
  auto args = b.initArgs(e->args.size());
  for (size_t i = 0; i < e->args.size(); ++i) write_expr(args[i], e->args[i].get());
}

void write_exprs(capnp::List<wire::Expr>::Builder b, const std::vector<expr_ptr>& v) {
  for (size_t i = 0; i < v.size(); ++i) write_expr(b[i], v[i].get());
}

void write_aggregates(capnp::List<wire::AggregateCall>::Builder b,
                      const std::vector<aggregate_call>& v) {
  for (size_t i = 0; i < v.size(); ++i) {
    b[i].setFn(static_cast<wire::AggFn>(v[i].fn));
    if (v[i].arg) write_expr(b[i].initArg(), v[i].arg.get());
    b[i].setType(static_cast<wire::TypeId>(v[i].type));
    b[i].setName(capnp::Text::Reader(v[i].name.data(), v[i].name.size()));
  }
}

absl::StatusOr<expr_ptr> read_expr(wire::Expr::Reader r, const schema* input) {
  return read_expr_at(r, input, 1);
}

absl::Status read_exprs(capnp::List<wire::Expr>::Reader r, const schema* input,
                        std::vector<expr_ptr>* out) {
  out->clear();
  out->reserve(r.size());
  for (auto x : r) {
    CODEC_ASSIGN_OR_RETURN(auto e,
                           within(absl::StrCat("expression ", out->size()), read_expr(x, input)));
    out->push_back(std::move(e));
  }
  return absl::OkStatus();
}

absl::Status read_aggregates(capnp::List<wire::AggregateCall>::Reader r, const schema* input,
                             std::vector<aggregate_call>* out) {
  out->clear();
  out->reserve(r.size());
  for (auto x : r) {
    aggregate_call a;
    CODEC_RETURN_IF_ERROR(
        within(absl::StrCat("aggregate ", out->size()), read_aggregate(x, input, &a)));
    out->push_back(std::move(a));
  }
  return absl::OkStatus();
}

}  // namespace tranche::codec
