// The syntax tree of one SQL v1 SELECT statement, as written: produced by the
// parser (parser.cc) and consumed by the binder (binder.cc, expr_binder.cc),
// which resolves names and types. Every node keeps its source position for
// error messages and its byte span for naming output columns.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "exec/expr.h"
#include "sql/diagnostics.h"
#include "tranche/types.h"

namespace tranche::sql {

enum class ast_kind : uint8_t {
  literal,
  column_ref,
  unary,
  binary,
  is_null,
  cast,
  call,
  case_,      // args: [operand,] WHEN, THEN, ... [, ELSE]
  like,       // args: value, pattern
  in_list,    // args: value, items
  between,    // args: value, low, high
  date_add,   // args: the date; `op` and `literal` hold the interval
  extract,    // args: the date; `op` is extract_year, _month or _day
  substring,  // args: string, start[, length]
  exists,           // `subquery`; `negated` for NOT EXISTS
  in_subquery,      // args: value; `subquery` has one column; `negated` for NOT IN
  scalar_subquery,  // `subquery` returns one column and at most one row
};

struct query_stmt;

struct ast_expr;
using ast_ptr = std::unique_ptr<ast_expr>;

struct ast_expr {
  ast_kind kind = ast_kind::literal;
  source_pos pos;    // where errors about this node point (operator, name, literal)
  size_t begin = 0;  // byte span in the statement, including enclosing parentheses
  size_t end = 0;
  int height = 1;  // of this subtree; the parser bounds it so recursion stays shallow

  // literal: the value and its type; NULL is untyped until the binder sees
  // what it is combined with.
  value literal;
  type_id literal_type = type_id::int64;
  bool untyped_null = false;
  // A number written in decimal: its digits after the point (0 for an
  // integer), so that `.06 + 0.01` folds exactly to 0.07 as SQL's DECIMAL
  // would; -1 otherwise (exponent notation, not a number).
  int decimal_scale = -1;

  // column_ref: [qualifier.]name
  std::string qualifier;
  source_pos qualifier_pos;
  std::string name;

  // unary (neg, not_), binary (arithmetic, comparison, and_, or_); is_null
  // uses `negated` for IS NOT NULL, like/in_list/between for NOT LIKE etc.
  // date_add: `op` is add_days or add_months, `literal` the signed int64
  // count (years as months), `negated` whether it was written with `-`.
  expr_op op = expr_op::literal;
  bool negated = false;

  // case_: whether the simple form's operand and an ELSE are present.
  bool has_case_operand = false;
  bool has_else = false;

  // cast: the target type.
  type_id cast_type = type_id::int64;

  // call: lowercase function name; `star` for count(*), `distinct` for
  // count(DISTINCT x); `call_name` is the default output name, e.g.
  // "sum(price)" (lowercased identifiers).
  std::string function;
  bool star = false;
  bool distinct = false;
  std::string call_name;

  std::vector<ast_ptr> args;

  // exists, in_subquery, scalar_subquery
  std::shared_ptr<const query_stmt> subquery;
};

struct select_item {
  ast_ptr expr;  // null for `*` and `alias.*`
  bool star = false;
  std::string star_qualifier;  // "x" for `x.*`
  std::string alias;           // empty when none
  bool has_alias = false;
  source_pos pos;
};

struct order_item {
  ast_ptr expr;
  bool ascending = true;
  bool nulls_first = false;  // already defaulted: ASC -> NULLS LAST, DESC -> NULLS FIRST
};

enum class join_kind : uint8_t {
  comma,  // `FROM a, b`: conditions come from WHERE
  inner,  // [INNER] JOIN ... ON
  left,   // LEFT [OUTER] JOIN ... ON
  cross,  // CROSS JOIN
};

// One entry of FROM: a table (or common table expression) or a derived table,
// and how it joins the entries before it.
struct from_item {
  std::string table;                          // empty for a derived table
  std::shared_ptr<const query_stmt> derived;  // (SELECT ...) AS alias
  std::string alias;                          // empty when none
  source_pos pos;
  join_kind join = join_kind::comma;  // ignored for the first entry
  ast_ptr on;                         // inner, left
};

struct select_stmt {
  // The statement text, for spans: shared by every term and subquery of the
  // statement (a copy each made memory quadratic in the number of terms).
  std::shared_ptr<const std::string> sql;
  bool distinct = false;
  std::vector<select_item> items;
  std::vector<from_item> from;
  ast_ptr where;
  std::vector<ast_ptr> group_by;
  ast_ptr having;
  std::vector<order_item> order_by;
  int64_t limit = -1;  // -1: no LIMIT

  // The source text of `e` as written, e.g. "price * 2".
  [[nodiscard]] std::string text_of(const ast_expr& e) const {
    return sql->substr(e.begin, e.end - e.begin);
  }
};

// WITH name AS (query): visible to the rest of the statement after it.
struct common_table {
  std::string name;
  source_pos pos;
  std::shared_ptr<const query_stmt> query;
};

// A whole query: [WITH ...] select [UNION ALL select ...] [ORDER BY] [LIMIT].
// With one term, ORDER BY and LIMIT belong to that select (they may name its
// expressions); with several they apply to the union and name its columns.
struct query_stmt {
  std::shared_ptr<const std::string> sql;  // as select_stmt::sql
  std::vector<common_table> with;
  std::vector<std::shared_ptr<select_stmt>> terms;
  std::vector<order_item> order_by;  // union only
  int64_t limit = -1;                // union only
  source_pos pos;
};

}  // namespace tranche::sql
