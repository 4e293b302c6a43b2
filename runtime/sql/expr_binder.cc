// Implementation of expr_binder.h. Type rules (SQL v1): arithmetic on BIGINT
// and DOUBLE only; comparisons between numbers (the BIGINT side is cast to
// DOUBLE when mixed), or two values of one type; a string literal compared
// with a DATE becomes a DATE literal here, so a bad date fails at bind time;
// an untyped NULL takes the type of what it is combined with. IN compares like
// `=` against each item, BETWEEN becomes `x >= low AND x <= high` and the
// simple CASE `x = value` per WHEN. CASE branches share one type (BIGINT and
// DOUBLE mix as DOUBLE).
#include "sql/expr_binder.h"

#include <array>
#include <cstdint>

#include "absl/strings/str_cat.h"

namespace tranche::sql {
namespace {

constexpr std::array<std::string_view, 5> kAggregates = {"count", "sum", "min", "max", "avg"};

bool is_numeric(type_id t) { return t == type_id::int64 || t == type_id::float64; }

std::string tname(type_id t) { return std::string(type_name(t)); }

bool is_untyped_null(const ast_expr& e, const expr_ptr& bound) {
  return e.kind == ast_kind::literal && e.untyped_null && bound->op == expr_op::literal;
}

// An untyped NULL operand becomes a NULL of type `t`; anything else is kept.
expr_ptr retype_null(const ast_expr& e, expr_ptr bound, type_id t) {
  if (is_untyped_null(e, bound)) return lit(value{}, t);
  return bound;
}

bool is_string_literal(const ast_expr& e, const expr_ptr& bound) {
  return e.kind == ast_kind::literal && !e.untyped_null && e.literal_type == type_id::string &&
         bound->op == expr_op::literal && std::holds_alternative<std::string>(bound->literal);
}

// The DATE literal a string literal spells, or an error at the literal.
absl::StatusOr<expr_ptr> string_to_date(const ast_expr& e, const expr_ptr& bound) {
  const std::string& s = std::get<std::string>(bound->literal);
  int64_t days = 0;
  if (!parse_date(s, &days)) return error_at(e.pos, absl::StrCat("invalid date literal '", s, "'"));
  return lit(date_value{days}, type_id::date);
}

// BIGINT to DOUBLE, folded when the operand is a literal.
expr_ptr to_double(const expr_ptr& e) {
  if (e->op == expr_op::literal) {
    if (const auto* v = std::get_if<int64_t>(&e->literal))
      return lit(static_cast<double>(*v), type_id::float64);
    if (is_null(e->literal)) return lit(value{}, type_id::float64);
  }
  return cast(e, type_id::float64);
}

bool is_comparison(expr_op op) {
  return op == expr_op::eq || op == expr_op::ne || op == expr_op::lt || op == expr_op::le ||
         op == expr_op::gt || op == expr_op::ge;
}

}  // namespace

bool is_aggregate_function(std::string_view name) {
  for (std::string_view a : kAggregates)
    if (a == name) return true;
  return false;
}

bool contains_call(const ast_expr& e) {
  if (e.kind == ast_kind::call) return true;
  for (const ast_ptr& a : e.args)
    if (contains_call(*a)) return true;
  return false;
}

bool expr_equal(const expr& a, const expr& b) {
  if (a.op != b.op || a.type != b.type || a.index != b.index || !(a.literal == b.literal) ||
      a.args.size() != b.args.size())
    return false;
  for (size_t i = 0; i < a.args.size(); ++i)
    if (!expr_equal(*a.args[i], *b.args[i])) return false;
  return true;
}

absl::StatusOr<int> expr_binder::find_in(const table_scope& scope, const ast_expr& ref) {
  int found = -1;
  bool qualifier_known = ref.qualifier.empty();
  for (const scope_relation& r : scope.relations) {
    if (!ref.qualifier.empty()) {
      if (!r.accepts_qualifier(ref.qualifier)) continue;
      qualifier_known = true;
    }
    for (int i = 0; i < r.width; ++i) {
      if (!equals_ignore_case(scope.columns.fields[r.offset + i].name, ref.name)) continue;
      if (found >= 0 && found != r.offset + i)
        return error_at(ref.pos, absl::StrCat("column reference \"", ref.name, "\" is ambiguous"));
      found = r.offset + i;
      break;
    }
  }
  if (!qualifier_known) return -2;
  return found;
}

absl::StatusOr<int> expr_binder::resolve_column(const ast_expr& ref) const {
  SQL_ASSIGN_OR_RETURN(int index, find_in(scope_, ref));
  if (index >= 0) return index;
  const bool qualifier_unknown = index == -2;
  int base = static_cast<int>(scope_.columns.size());
  for (const table_scope* outer = scope_.outer; outer != nullptr; outer = outer->outer) {
    SQL_ASSIGN_OR_RETURN(int o, find_in(*outer, ref));
    if (o >= 0) {
      if (!allow_outer_)
        return error_at(ref.pos,
                        absl::StrCat("\"", ref.name,
                                     "\" is a column of the enclosing query: correlated "
                                     "subqueries are supported in EXISTS and IN conditions, "
                                     "in the subquery's WHERE clause"));
      return base + o;
    }
    base += static_cast<int>(outer->columns.size());
  }
  if (qualifier_unknown)
    return error_at(ref.qualifier_pos,
                    absl::StrCat("missing FROM-clause entry for table \"", ref.qualifier, "\"",
                                 did_you_mean(ref.qualifier, scope_.qualifiers())));
  std::vector<std::string> names;
  for (const field& f : scope_.columns.fields) names.push_back(f.name);
  return error_at(ref.pos,
                  absl::StrCat("unknown column \"", ref.name, "\"", did_you_mean(ref.name, names)));
}

absl::Status expr_binder::check_names(const ast_expr& e) const {
  if (e.kind == ast_kind::column_ref) return resolve_column(e).status();
  if (e.kind == ast_kind::call && !is_aggregate_function(e.function)) {
    std::vector<std::string> known(kAggregates.begin(), kAggregates.end());
    return error_at(e.pos, absl::StrCat("unknown function \"", e.function, "\"",
                                        did_you_mean(e.function, known)));
  }
  for (const ast_ptr& a : e.args) SQL_RETURN_IF_ERROR(check_names(*a));
  return absl::OkStatus();
}

absl::StatusOr<expr_ptr> expr_binder::bind_row(const ast_expr& e, std::string_view clause) {
  return bind_row_impl(e, clause, false);
}

absl::StatusOr<expr_ptr> expr_binder::bind_row_impl(const ast_expr& e, std::string_view clause,
                                                    bool in_aggregate) {
  switch (e.kind) {
    case ast_kind::literal:
      return lit(e.literal, e.literal_type);
    case ast_kind::column_ref: {
      SQL_ASSIGN_OR_RETURN(int index, resolve_column(e));
      return col(index, scope_.field_at(index).type);
    }
    case ast_kind::scalar_subquery:
      if (!subquery_hook_) return error_at(e.pos, "a subquery is not supported here");
      return subquery_hook_(e);
    case ast_kind::exists:
    case ast_kind::in_subquery:
      return error_at(e.pos,
                      absl::StrCat(e.kind == ast_kind::exists ? "EXISTS" : "IN (subquery)",
                                   " is only supported as a condition of WHERE, combined with "
                                   "the others by AND"));
    case ast_kind::call:
      SQL_RETURN_IF_ERROR(check_names(e));
      if (in_aggregate) return error_at(e.pos, "nested aggregate functions are not allowed");
      return error_at(e.pos,
                      absl::StrCat("aggregate functions are not allowed in ", std::string(clause)));
    default:
      break;
  }
  std::vector<expr_ptr> args;
  for (const ast_ptr& a : e.args) {
    SQL_ASSIGN_OR_RETURN(expr_ptr bound, bind_row_impl(*a, clause, in_aggregate));
    args.push_back(std::move(bound));
  }
  return build(e, std::move(args));
}

absl::StatusOr<expr_ptr> expr_binder::bind_grouped(const ast_expr& e, grouping& g) {
  if (e.kind == ast_kind::call) return bind_aggregate(e, g);
  if (e.kind == ast_kind::scalar_subquery)
    return error_at(e.pos,
                    "a scalar subquery is not supported in the SELECT list or HAVING of a "
                    "grouped query yet; compute it in WHERE or a derived table");
  if (!contains_call(e)) {
    // `e` has no calls, so bind_row's clause never appears in an error.
    SQL_ASSIGN_OR_RETURN(expr_ptr row, bind_row(e, ""));
    for (size_t i = 0; i < g.keys.size(); ++i)
      if (expr_equal(*row, *g.keys[i])) return col(static_cast<int>(i), row->type);
    if (e.kind == ast_kind::column_ref) {
      const std::string& name = scope_.field_at(row->index).name;
      return error_at(e.pos, absl::StrCat("column \"", name,
                                          "\" must appear in the GROUP BY clause or be used in "
                                          "an aggregate function"));
    }
    if (e.kind == ast_kind::literal) return row;
  }
  std::vector<expr_ptr> args;
  for (const ast_ptr& a : e.args) {
    SQL_ASSIGN_OR_RETURN(expr_ptr bound, bind_grouped(*a, g));
    args.push_back(std::move(bound));
  }
  return build(e, std::move(args));
}

absl::StatusOr<expr_ptr> expr_binder::bind_aggregate(const ast_expr& e, grouping& g) {
  SQL_RETURN_IF_ERROR(check_names(e));
  aggregate_call call;
  call.name = e.call_name;
  const std::string& fn = e.function;
  if (e.star) {
    if (fn != "count")
      return error_at(e.pos, absl::StrCat(fn, "(*) is not allowed; only count(*) takes *"));
    call.fn = agg_fn::count_star;
    call.type = type_id::int64;
  } else {
    if (e.args.size() != 1)
      return error_at(e.pos, absl::StrCat("function ", fn, " takes exactly one argument"));
    const ast_expr& arg_ast = *e.args[0];
    SQL_ASSIGN_OR_RETURN(call.arg, bind_row_impl(arg_ast, "", true));
    type_id t = call.arg->type;
    if (e.distinct && fn != "count")
      return error_at(e.pos, absl::StrCat(fn,
                                          "(DISTINCT ...) is not supported; only "
                                          "count(DISTINCT ...) is"));
    if (fn == "count") {
      call.fn = e.distinct ? agg_fn::count_distinct : agg_fn::count;
      call.type = type_id::int64;
    } else if (fn == "min" || fn == "max") {
      call.fn = fn == "min" ? agg_fn::min : agg_fn::max;
      call.type = t;
    } else {
      // sum(NULL) and avg(NULL) are NULL of a numeric type, not an error.
      call.arg = retype_null(arg_ast, call.arg, type_id::float64);
      t = call.arg->type;
      if (!is_numeric(t))
        return error_at(arg_ast.pos,
                        absl::StrCat(fn, " requires a numeric argument, got ", tname(t)));
      call.fn = fn == "sum" ? agg_fn::sum : agg_fn::avg;
      call.type = fn == "sum" ? t : type_id::float64;
    }
  }
  size_t index = 0;
  for (; index < g.calls.size(); ++index) {
    const aggregate_call& c = g.calls[index];
    if (c.fn == call.fn && (c.arg == nullptr) == (call.arg == nullptr) &&
        (c.arg == nullptr || expr_equal(*c.arg, *call.arg)))
      break;
  }
  if (index == g.calls.size()) g.calls.push_back(call);
  return col(static_cast<int>(g.keys.size() + index), g.calls[index].type);
}

absl::StatusOr<expr_ptr> expr_binder::require_boolean(const ast_expr& e, expr_ptr bound,
                                                      std::string_view clause) const {
  bound = retype_null(e, std::move(bound), type_id::boolean);
  if (bound->type != type_id::boolean)
    return error_at(e.pos, absl::StrCat("argument of ", std::string(clause),
                                        " must be BOOLEAN, got ", tname(bound->type)));
  return bound;
}

absl::StatusOr<expr_ptr> expr_binder::build(const ast_expr& e, std::vector<expr_ptr> args) const {
  switch (e.kind) {
    case ast_kind::unary: {
      if (args.size() != 1) break;
      if (e.op == expr_op::not_) {
        SQL_ASSIGN_OR_RETURN(expr_ptr a, require_boolean(*e.args[0], args[0], "NOT"));
        return unary(expr_op::not_, std::move(a));
      }
      expr_ptr a = retype_null(*e.args[0], args[0], type_id::int64);
      if (!is_numeric(a->type))
        return error_at(e.pos, absl::StrCat("operator does not exist: -", tname(a->type)));
      // Negated constants are folded, so that - -9223372036854775808 is
      // reported here instead of overflowing at run time.
      if (a->op == expr_op::literal) {
        if (const auto* v = std::get_if<int64_t>(&a->literal)) {
          if (*v == INT64_MIN)
            return error_at(e.pos, "integer out of range for BIGINT: -(-9223372036854775808)");
          return lit(-*v, type_id::int64);
        }
        if (const auto* v = std::get_if<double>(&a->literal)) return lit(-*v, type_id::float64);
      }
      return unary(expr_op::neg, std::move(a));
    }
    case ast_kind::is_null:
      if (args.size() != 1) break;
      return unary(e.negated ? expr_op::is_not_null : expr_op::is_null, std::move(args[0]));
    case ast_kind::cast:
      if (args.size() != 1) break;
      return build_cast(e, std::move(args[0]));
    case ast_kind::binary:
      if (args.size() != 2) break;
      return build_binary(e, std::move(args[0]), std::move(args[1]));
    case ast_kind::case_:
      return build_case(e, std::move(args));
    case ast_kind::like:
      if (args.size() != 2) break;
      return build_like(e, std::move(args[0]), std::move(args[1]));
    case ast_kind::in_list:
      if (args.size() < 2) break;
      return build_in(e, std::move(args));
    case ast_kind::between: {
      if (args.size() != 3) break;
      SQL_ASSIGN_OR_RETURN(expr_ptr low,
                           compare(e.pos, expr_op::ge, *e.args[0], args[0], *e.args[1], args[1]));
      SQL_ASSIGN_OR_RETURN(expr_ptr high,
                           compare(e.pos, expr_op::le, *e.args[0], args[0], *e.args[2], args[2]));
      expr_ptr both = binary(expr_op::and_, std::move(low), std::move(high));
      return e.negated ? unary(expr_op::not_, std::move(both)) : both;
    }
    case ast_kind::date_add:
      if (args.size() != 1) break;
      return build_date_add(e, std::move(args[0]));
    case ast_kind::extract:
      if (args.size() != 1) break;
      return build_extract(e, std::move(args[0]));
    case ast_kind::substring:
      if (args.size() < 2 || args.size() > 3) break;
      return build_substring(e, std::move(args));
    default:
      break;
  }
  return error_at(e.pos, "internal error: malformed expression");
}

absl::StatusOr<expr_ptr> expr_binder::build_binary(const ast_expr& e, expr_ptr a,
                                                   expr_ptr b) const {
  const ast_expr& ea = *e.args[0];
  const ast_expr& eb = *e.args[1];
  if (e.op == expr_op::and_ || e.op == expr_op::or_) {
    SQL_ASSIGN_OR_RETURN(a, require_boolean(ea, std::move(a), op_symbol(e.op)));
    SQL_ASSIGN_OR_RETURN(b, require_boolean(eb, std::move(b), op_symbol(e.op)));
    return binary(e.op, std::move(a), std::move(b));
  }
  if (is_comparison(e.op)) return compare(e.pos, e.op, ea, std::move(a), eb, std::move(b));
  // An untyped NULL takes the other side's type (both NULL make BIGINT).
  bool a_null = is_untyped_null(ea, a), b_null = is_untyped_null(eb, b);
  if (a_null) a = lit(value{}, b_null ? type_id::int64 : b->type);
  if (b_null) b = lit(value{}, a->type);
  if (!is_numeric(a->type) || !is_numeric(b->type))
    return error_at(e.pos, absl::StrCat("operator does not exist: ", tname(a->type), " ",
                                        op_symbol(e.op), " ", tname(b->type)));
  return binary(e.op, std::move(a), std::move(b));
}

absl::StatusOr<expr_ptr> expr_binder::compare(source_pos pos, expr_op op, const ast_expr& ea,
                                              expr_ptr a, const ast_expr& eb, expr_ptr b) const {
  // An untyped NULL takes the other side's type (two NULLs compare as VARCHAR).
  bool a_null = is_untyped_null(ea, a), b_null = is_untyped_null(eb, b);
  if (a_null) a = lit(value{}, b_null ? type_id::string : b->type);
  if (b_null) b = lit(value{}, a->type);
  if (is_numeric(a->type) && is_numeric(b->type)) {
    if (a->type == type_id::int64 && b->type == type_id::float64) a = to_double(a);
    if (a->type == type_id::float64 && b->type == type_id::int64) b = to_double(b);
  } else if (a->type == type_id::date && is_string_literal(eb, b)) {
    SQL_ASSIGN_OR_RETURN(b, string_to_date(eb, b));
  } else if (b->type == type_id::date && is_string_literal(ea, a)) {
    SQL_ASSIGN_OR_RETURN(a, string_to_date(ea, a));
  } else if (a->type != b->type) {
    return error_at(pos, absl::StrCat("cannot compare ", tname(a->type), " with ", tname(b->type)));
  }
  return binary(op, std::move(a), std::move(b));
}

absl::StatusOr<expr_ptr> expr_binder::build_cast(const ast_expr& e, expr_ptr a) const {
  const ast_expr& ea = *e.args[0];
  type_id to = e.cast_type;
  if (is_untyped_null(ea, a)) return lit(value{}, to);
  if (a->type == to) return a;
  // A DATE spelled as a string is checked now rather than at run time.
  if (to == type_id::date && is_string_literal(ea, a)) return string_to_date(ea, a);
  type_id from = a->type;
  bool ok = from == type_id::string || to == type_id::string ||
            ((is_numeric(from) || from == type_id::boolean) &&
             (is_numeric(to) || to == type_id::boolean));
  if (!ok) return error_at(e.pos, absl::StrCat("cannot cast ", tname(from), " to ", tname(to)));
  return cast(std::move(a), to);
}

absl::StatusOr<expr_ptr> expr_binder::build_case(const ast_expr& e,
                                                 std::vector<expr_ptr> args) const {
  const size_t first = e.has_case_operand ? 1 : 0;
  const size_t pairs_end = e.has_else ? args.size() - 1 : args.size();
  if (pairs_end < first + 2 || (pairs_end - first) % 2 != 0)
    return error_at(e.pos, "internal error: malformed expression");
  std::vector<expr_ptr> out;
  for (size_t k = first; k < pairs_end; k += 2) {
    const ast_expr& when = *e.args[k];
    if (e.has_case_operand) {
      SQL_ASSIGN_OR_RETURN(expr_ptr eq, compare(when.pos, expr_op::eq, *e.args[0], args[0], when,
                                                std::move(args[k])));
      out.push_back(std::move(eq));
    } else {
      SQL_ASSIGN_OR_RETURN(expr_ptr c, require_boolean(when, std::move(args[k]), "CASE/WHEN"));
      out.push_back(std::move(c));
    }
    out.push_back(std::move(args[k + 1]));
  }
  if (e.has_else) out.push_back(std::move(args.back()));
  // The result type: that of the first typed branch, widened to DOUBLE when
  // BIGINT and DOUBLE branches mix; an untyped NULL takes it.
  auto is_value = [&](size_t i) { return i % 2 == 1 || (i + 1 == out.size() && e.has_else); };
  auto value_ast = [&](size_t i) -> const ast_expr& {
    return *e.args[first + i];  // out[i] mirrors e.args[first + i]
  };
  bool typed = false;
  type_id t = type_id::string;
  for (size_t i = 0; i < out.size(); ++i) {
    if (!is_value(i) || is_untyped_null(value_ast(i), out[i])) continue;
    type_id b = out[i]->type;
    if (!typed) {
      t = b;
      typed = true;
    } else if (is_numeric(t) && is_numeric(b)) {
      if (b == type_id::float64) t = b;
    } else if (b != t) {
      return error_at(value_ast(i).pos, absl::StrCat("CASE types ", tname(t), " and ", tname(b),
                                                     " cannot be matched"));
    }
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (!is_value(i)) continue;
    out[i] = retype_null(value_ast(i), std::move(out[i]), t);
    if (out[i]->type != t) out[i] = to_double(out[i]);
  }
  return nary(expr_op::case_, std::move(out), t);
}

absl::StatusOr<expr_ptr> expr_binder::build_like(const ast_expr& e, expr_ptr a,
                                                 expr_ptr pattern) const {
  const ast_expr& ep = *e.args[1];
  a = retype_null(*e.args[0], std::move(a), type_id::string);
  if (a->type != type_id::string)
    return error_at(e.pos, absl::StrCat("LIKE needs a string operand, got ", tname(a->type)));
  pattern = retype_null(ep, std::move(pattern), type_id::string);
  if (pattern->op != expr_op::literal || pattern->type != type_id::string)
    return error_at(ep.pos, "LIKE pattern must be a string constant");
  expr_ptr like = nary(expr_op::like, {std::move(a), std::move(pattern)});
  return e.negated ? unary(expr_op::not_, std::move(like)) : like;
}

absl::StatusOr<expr_ptr> expr_binder::build_in(const ast_expr& e,
                                               std::vector<expr_ptr> args) const {
  for (size_t k = 1; k < args.size(); ++k)
    if (args[k]->op != expr_op::literal)
      return error_at(e.args[k]->pos, "IN list items must be constants");
  // The common type: the value's, else the first typed item's; DOUBLE when
  // BIGINT and DOUBLE mix.
  bool typed = false;
  type_id t = type_id::string;
  for (size_t k = 0; k < args.size(); ++k) {
    if (is_untyped_null(*e.args[k], args[k])) continue;
    if (!typed) {
      t = args[k]->type;
      typed = true;
    } else if (is_numeric(t) && args[k]->type == type_id::float64) {
      t = type_id::float64;
    }
  }
  for (size_t k = 0; k < args.size(); ++k) {
    const ast_expr& ek = *e.args[k];
    args[k] = retype_null(ek, std::move(args[k]), t);
    type_id b = args[k]->type;
    if (b == t) continue;
    if (t == type_id::float64 && b == type_id::int64) {
      args[k] = to_double(args[k]);
    } else if (t == type_id::date && k > 0 && is_string_literal(ek, args[k])) {
      SQL_ASSIGN_OR_RETURN(args[k], string_to_date(ek, args[k]));
    } else {
      return error_at(ek.pos, absl::StrCat("cannot compare ", tname(k == 0 ? b : t), " with ",
                                           tname(k == 0 ? t : b)));
    }
  }
  expr_ptr in = nary(expr_op::in_list, std::move(args));
  return e.negated ? unary(expr_op::not_, std::move(in)) : in;
}

absl::StatusOr<expr_ptr> expr_binder::build_date_add(const ast_expr& e, expr_ptr date) const {
  date = retype_null(*e.args[0], std::move(date), type_id::date);
  if (date->type != type_id::date)
    return error_at(e.pos, absl::StrCat("operator does not exist: ", tname(date->type),
                                        e.negated ? " - " : " + ", "INTERVAL"));
  return nary(e.op, {std::move(date), lit(e.literal, type_id::int64)});
}

absl::StatusOr<expr_ptr> expr_binder::build_extract(const ast_expr& e, expr_ptr date) const {
  const ast_expr& ed = *e.args[0];
  date = retype_null(ed, std::move(date), type_id::date);
  if (is_string_literal(ed, date)) {
    SQL_ASSIGN_OR_RETURN(date, string_to_date(ed, date));
  }
  if (date->type != type_id::date)
    return error_at(ed.pos, absl::StrCat("EXTRACT needs a DATE operand, got ", tname(date->type)));
  return nary(e.op, {std::move(date)});
}

absl::StatusOr<expr_ptr> expr_binder::build_substring(const ast_expr& e,
                                                      std::vector<expr_ptr> args) const {
  args[0] = retype_null(*e.args[0], std::move(args[0]), type_id::string);
  if (args[0]->type != type_id::string)
    return error_at(e.args[0]->pos,
                    absl::StrCat("SUBSTRING needs a string operand, got ", tname(args[0]->type)));
  for (size_t k = 1; k < args.size(); ++k) {
    args[k] = retype_null(*e.args[k], std::move(args[k]), type_id::int64);
    if (args[k]->type != type_id::int64)
      return error_at(e.args[k]->pos, absl::StrCat("SUBSTRING ", k == 1 ? "start" : "length",
                                                   " must be BIGINT, got ", tname(args[k]->type)));
  }
  return nary(expr_op::substring, std::move(args));
}

}  // namespace tranche::sql
