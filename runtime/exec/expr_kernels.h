// The vectorized kernels behind evaluate() (exec/expr.h), internal to exec.
// expr_eval.cc walks the expression tree once per batch and calls one kernel
// per node; each kernel loops over whole column vectors. An operand is either
// a column or a constant (a literal or a folded constant subtree), so that
// `col < DATE '1998-09-02'` never materializes the literal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "exec/expr.h"
#include "tranche/batch.h"
#include "tranche/types.h"

namespace tranche {

struct operand {
  column_ptr col;  // set for a column operand
  value scalar;    // the constant when col is null
  type_id type = type_id::int64;

  [[nodiscard]] bool is_scalar() const { return col == nullptr; }
  [[nodiscard]] bool is_null_scalar() const { return col == nullptr && is_null(scalar); }
};

// Constant accessors: every row reads the same value.
template <class T>
struct scalar_acc {
  T v;
  T operator[](size_t) const { return v; }
};
// Vector accessors reading storage type S as T (e.g. int64 promoted to double).
template <class T, class S>
struct vector_acc {
  const S* p;
  T operator[](size_t i) const { return static_cast<T>(p[i]); }
};

// +, -, *, /, % over numeric operands; `e` supplies the op, result type and
// the text for "integer overflow in <expr>".
[[nodiscard]] absl::StatusOr<column_ptr> eval_arith(const expr& e, const operand& a,
                                                    const operand& b, size_t n,
                                                    const schema& input);
// Unary minus over a column operand.
[[nodiscard]] absl::StatusOr<column_ptr> eval_neg(const expr& e, const column& a, size_t n,
                                                  const schema& input);
// =, <>, <, <=, >, >= -> boolean.
[[nodiscard]] absl::StatusOr<column_ptr> eval_compare(expr_op op, const operand& a,
                                                      const operand& b, size_t n);
// CAST of a column operand to `to`.
[[nodiscard]] absl::StatusOr<column_ptr> eval_cast(const column& a, type_id to, size_t n);

// CASE: `args` are WHEN/THEN pairs and an optional ELSE, the values of type t.
[[nodiscard]] absl::StatusOr<column_ptr> eval_case(type_id t, const std::vector<operand>& args,
                                                   size_t n);
// IN: args[0] against the constants args[1..] (all of one type).
[[nodiscard]] absl::StatusOr<column_ptr> eval_in_list(const std::vector<operand>& args, size_t n);
// LIKE: string `s` against the constant pattern `p`.
[[nodiscard]] absl::StatusOr<column_ptr> eval_like(const operand& s, const operand& p, size_t n);
// SUBSTRING(args[0], args[1][, args[2]]) in characters.
[[nodiscard]] absl::StatusOr<column_ptr> eval_substring(const std::vector<operand>& args, size_t n);
// add_days / add_months of `k` to date `d`.
[[nodiscard]] absl::StatusOr<column_ptr> eval_date_add(expr_op op, const operand& d,
                                                       const operand& k, size_t n);
// extract_year / extract_month / extract_day of a date column.
[[nodiscard]] absl::StatusOr<column_ptr> eval_extract(expr_op op, const column& d, size_t n);

// Whether row i of an operand is non-NULL.
[[nodiscard]] inline bool valid_at(const operand& o, size_t i) {
  return o.is_scalar() ? !is_null(o.scalar) : !o.col->is_null(i);
}

// Three-way comparison of an int64 with a double without losing precision
// (int64 values above 2^53 are not exactly representable as doubles).
// Returns -1, 0 or 1; `b` must not be NaN.
[[nodiscard]] inline int compare_int_double(int64_t a, double b) {
  if (b >= 9223372036854775808.0) return -1;
  if (b < -9223372036854775808.0) return 1;
  const double t = __builtin_trunc(b);  // in [-2^63, 2^63): converts exactly
  const int64_t bi = static_cast<int64_t>(t);
  if (a != bi) return a < bi ? -1 : 1;
  return t < b ? -1 : (t > b ? 1 : 0);
}

}  // namespace tranche
