// Bound scalar expressions and their vectorized evaluation over a batch.
// The SQL binder builds these (with result types resolved); the planner ships
// them inside task pipelines; operators evaluate them a batch at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tranche/batch.h"
#include "tranche/types.h"

namespace tranche {

enum class expr_op : uint8_t {
  column,   // input column `index`
  literal,  // `literal` (may be NULL; `type` still set)
  // arithmetic (int64 op int64 -> int64; any float64 -> float64; `/` always float64)
  add,
  sub,
  mul,
  div,
  mod,
  neg,
  // comparison -> boolean (numeric types compare across int64/float64; date with date; string with
  // string)
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  // logic with SQL three-valued semantics
  and_,
  or_,
  not_,
  is_null,
  is_not_null,
  cast,  // to `type`
  // Appended after cast: the ordinal is the wire value (schemas/program.capnp).
  // case_: args are WHEN/THEN pairs, then an optional ELSE; the value of the
  // first pair whose condition is TRUE, else the ELSE (NULL without one).
  case_,
  like,           // args: string, constant string pattern (% and _) -> boolean
  in_list,        // args: value, then constants of its type -> boolean (three-valued)
  add_days,       // args: date, int64 -> date
  add_months,     // args: date, int64 -> date (the day clamps to the month's end)
  extract_year,   // date -> int64
  extract_month,  // date -> int64
  extract_day,    // date -> int64
  substring,      // args: string, int64 start (1-based)[, int64 length] -> string
};

struct expr;
using expr_ptr = std::shared_ptr<const expr>;

struct expr {
  expr_op op = expr_op::literal;
  type_id type = type_id::int64;  // result type
  int index = -1;                 // for column
  value literal;                  // for literal
  std::vector<expr_ptr> args;     // operands
};

// Constructors that compute the result type. They assume valid operand types
// (the binder checks and reports type errors with positions first).
[[nodiscard]] expr_ptr col(int index, type_id t);
[[nodiscard]] expr_ptr lit(value v, type_id t);
[[nodiscard]] expr_ptr unary(expr_op op, expr_ptr a);
[[nodiscard]] expr_ptr binary(expr_op op, expr_ptr a, expr_ptr b);
[[nodiscard]] expr_ptr cast(expr_ptr a, type_id to);
// The operators with more operands or a fixed result type (case_, like,
// in_list, add_days, add_months, extract_*, substring); `t` is the result
// type of case_ and ignored for the others.
[[nodiscard]] expr_ptr nary(expr_op op, std::vector<expr_ptr> args, type_id t = type_id::int64);

// Evaluates `e` over every row of `b`. Errors (e.g. a CAST of "abc" to BIGINT)
// come back as InvalidArgument naming the value. Division by zero yields NULL.
[[nodiscard]] absl::StatusOr<column_ptr> evaluate(const expr& e, const batch& b);

// The SQL spelling of a binary operator: "+", "<>", "AND"; "?" for others.
[[nodiscard]] const char* op_symbol(expr_op op);

// Human-readable form, used by --explain: "(price * 2) > 10".
[[nodiscard]] std::string to_string(const expr& e, const schema* input = nullptr);

}  // namespace tranche
