// evaluate() from exec/expr.h: walks a bound expression once per batch and
// runs one vectorized kernel per node (arithmetic, comparison and cast kernels
// live in expr_arith.cc, expr_compare.cc, expr_cast.cc, CASE and IN in
// expr_case.cc, LIKE, SUBSTRING and dates in expr_text_date.cc; the logic and
// NULL-test kernels are here). Column references return the batch's column without
// copying. Subtrees without column references are folded to a constant once
// per batch, so kernels see them as scalars and never materialize them.
// Called by the filter, project and aggregate operators.
#include <memory>
#include <utility>
#include <vector>

#include "exec/column_util.h"
#include "exec/expr.h"
#include "exec/expr_kernels.h"

namespace tranche {
namespace {

// SQL three-valued AND / OR over boolean columns (NULL = unknown):
// FALSE AND NULL = FALSE, TRUE OR NULL = TRUE, otherwise NULL if any is NULL.
column_ptr eval_logic(expr_op op, const column& a, const column& b, size_t n) {
  auto out = std::make_shared<column>(type_id::boolean);
  auto& d = out->b();
  d.resize(n);
  const uint8_t* x = a.b().data();
  const uint8_t* y = b.b().data();
  const bool is_and = op == expr_op::and_;
  if (!a.has_nulls() && !b.has_nulls()) {
    if (is_and) {
      for (size_t i = 0; i < n; ++i) d[i] = x[i] & y[i];
    } else {
      for (size_t i = 0; i < n; ++i) d[i] = x[i] | y[i];
    }
    out->set_size(n);
    return out;
  }
  // A missing validity map means all valid: read a row of ones instead.
  const std::vector<uint8_t> ones(a.has_nulls() && b.has_nulls() ? 0 : n, 1);
  const uint8_t* va = a.has_nulls() ? a.valid().data() : ones.data();
  const uint8_t* vb = b.has_nulls() ? b.valid().data() : ones.data();
  auto& v = out->valid();
  v.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t xa = x[i] & 1, yb = y[i] & 1;
    // The deciding value: FALSE decides AND, TRUE decides OR.
    const uint8_t da = is_and ? (va[i] & (xa ^ 1)) : (va[i] & xa);
    const uint8_t db = is_and ? (vb[i] & (yb ^ 1)) : (vb[i] & yb);
    v[i] = (va[i] & vb[i]) | da | db;
    d[i] = is_and ? ((da | db) ^ 1) : (da | db);
  }
  out->compact_validity();
  out->set_size(n);
  return out;
}

column_ptr eval_not(const column& a, size_t n) {
  auto out = std::make_shared<column>(type_id::boolean);
  auto& d = out->b();
  d.resize(n);
  const uint8_t* x = a.b().data();
  for (size_t i = 0; i < n; ++i) d[i] = (x[i] & 1) ^ 1;
  if (a.has_nulls()) out->valid().assign(a.valid().begin(), a.valid().begin() + n);
  out->compact_validity();  // an all-valid map becomes "no NULLs"
  out->set_size(n);
  return out;
}

// IS NULL / IS NOT NULL: never NULL themselves.
column_ptr eval_null_test(bool want_null, const column& a, size_t n) {
  auto out = std::make_shared<column>(type_id::boolean);
  auto& d = out->b();
  if (!a.has_nulls()) {
    d.assign(n, want_null ? 0 : 1);
  } else {
    d.resize(n);
    const uint8_t* v = a.valid().data();
    const uint8_t flip = want_null ? 1 : 0;
    for (size_t i = 0; i < n; ++i) d[i] = (v[i] != 0) ^ flip;
  }
  out->set_size(n);
  return out;
}

// The operand as a column of n rows (constants broadcast).
column_ptr as_column(const operand& o, size_t n) {
  return o.is_scalar() ? broadcast(o.scalar, o.type, n) : o.col;
}

// Runs the kernel of `e` over its evaluated operands for n rows.
absl::StatusOr<column_ptr> apply(const expr& e, const std::vector<operand>& args, size_t n,
                                 const schema& input) {
  auto need = [&](size_t k) -> absl::Status {
    if (args.size() != k)
      return invalid("malformed expression (wrong operand count): ", to_string(e, &input));
    return absl::OkStatus();
  };
  switch (e.op) {
    case expr_op::add:
    case expr_op::sub:
    case expr_op::mul:
    case expr_op::div:
    case expr_op::mod:
      if (auto st = need(2); !st.ok()) return st;
      return eval_arith(e, args[0], args[1], n, input);
    case expr_op::eq:
    case expr_op::ne:
    case expr_op::lt:
    case expr_op::le:
    case expr_op::gt:
    case expr_op::ge:
      if (auto st = need(2); !st.ok()) return st;
      return eval_compare(e.op, args[0], args[1], n);
    case expr_op::and_:
    case expr_op::or_:
      if (auto st = need(2); !st.ok()) return st;
      if (args[0].type != type_id::boolean || args[1].type != type_id::boolean)
        return invalid("AND/OR on non-boolean operands in ", to_string(e, &input));
      return eval_logic(e.op, *as_column(args[0], n), *as_column(args[1], n), n);
    case expr_op::not_:
      if (auto st = need(1); !st.ok()) return st;
      if (args[0].type != type_id::boolean)
        return invalid("NOT on a non-boolean operand in ", to_string(e, &input));
      return eval_not(*as_column(args[0], n), n);
    case expr_op::neg:
      if (auto st = need(1); !st.ok()) return st;
      return eval_neg(e, *as_column(args[0], n), n, input);
    case expr_op::is_null:
    case expr_op::is_not_null:
      if (auto st = need(1); !st.ok()) return st;
      return eval_null_test(e.op == expr_op::is_null, *as_column(args[0], n), n);
    case expr_op::cast: {
      if (auto st = need(1); !st.ok()) return st;
      column_ptr a = as_column(args[0], n);
      if (a->type() == e.type) return a;
      return eval_cast(*a, e.type, n);
    }
    case expr_op::case_:
      if (args.empty()) return need(1);
      return eval_case(e.type, args, n);
    case expr_op::like:
      if (auto st = need(2); !st.ok()) return st;
      return eval_like(args[0], args[1], n);
    case expr_op::in_list:
      if (args.size() < 2) return need(2);
      return eval_in_list(args, n);
    case expr_op::add_days:
    case expr_op::add_months:
      if (auto st = need(2); !st.ok()) return st;
      return eval_date_add(e.op, args[0], args[1], n);
    case expr_op::extract_year:
    case expr_op::extract_month:
    case expr_op::extract_day:
      if (auto st = need(1); !st.ok()) return st;
      return eval_extract(e.op, *as_column(args[0], n), n);
    case expr_op::substring:
      if (args.size() != 3) {
        if (auto st = need(2); !st.ok()) return st;
      }
      return eval_substring(args, n);
    case expr_op::column:
    case expr_op::literal:
      break;
  }
  return invalid("unknown expression operator in ", to_string(e, &input));
}

absl::StatusOr<operand> eval_node(const expr& e, const batch& b) {
  if (e.op == expr_op::column) {
    if (e.index < 0 || static_cast<size_t>(e.index) >= b.columns.size())
      return invalid("column #", std::to_string(e.index), " is out of range for a batch of ",
                     std::to_string(b.columns.size()) + " columns");
    const column_ptr& c = b.columns[e.index];
    const std::string what =
        "column \"" +
        (static_cast<size_t>(e.index) < b.schema.size() ? b.schema.fields[e.index].name
                                                        : "#" + std::to_string(e.index)) +
        "\"";
    if (auto st = check_column(*c, e.type, b.rows, what); !st.ok()) return st;
    return operand{c, value{}, e.type};
  }
  if (e.op == expr_op::literal) return operand{nullptr, e.literal, e.type};

  std::vector<operand> args;
  args.reserve(e.args.size());
  bool all_scalar = true;
  for (const auto& a : e.args) {
    if (!a) return invalid("malformed expression (missing operand)");
    auto r = eval_node(*a, b);
    if (!r.ok()) return r.status();
    all_scalar = all_scalar && r->is_scalar();
    args.push_back(*std::move(r));
  }
  // Constant folding: a subtree over constants is computed on one row.
  const size_t n = all_scalar ? 1 : b.rows;
  auto r = apply(e, args, n, b.schema);
  if (!r.ok()) return r.status();
  if (all_scalar) return operand{nullptr, (*r)->get(0), e.type};
  return operand{*std::move(r), value{}, e.type};
}

}  // namespace

absl::StatusOr<column_ptr> evaluate(const expr& e, const batch& b) {
  // No rows, no row-wise errors: an empty batch never fails (even a constant
  // CAST('abc' AS BIGINT) only fails once a row asks for it).
  if (b.rows == 0) return column_ptr(std::make_shared<column>(e.type));
  auto r = eval_node(e, b);
  if (!r.ok()) return r.status();
  if (r->is_scalar()) return broadcast(r->scalar, e.type, b.rows);
  if (r->col->type() != e.type)
    return invalid("expression produced ", type_name(r->col->type()), " but is typed ",
                   std::string(type_name(e.type)) + ": " + to_string(e, &b.schema));
  return r->col;
}

}  // namespace tranche
