// A structural checker for logical trees produced by compile_sql, used by the
// SQL tests: every column reference must be in range of its node's input and
// carry that column's type, and every node's output must agree with what it
// computes. The robustness test runs it over every query that compiles.
#pragma once

#include <string>

#include "absl/strings/str_cat.h"
#include "plan/logical.h"

namespace tranche::sql_test {

// "" when `e` is well-typed over `input`, else what is wrong.
inline std::string check_expr(const expr& e, const schema& input) {
  if (e.op == expr_op::column) {
    if (e.index < 0 || static_cast<size_t>(e.index) >= input.size())
      return absl::StrCat("column #", e.index, " out of range ", input.size());
    if (input.fields[e.index].type != e.type) return absl::StrCat("column #", e.index, " type");
    return "";
  }
  for (const expr_ptr& a : e.args) {
    if (!a) return "null operand";
    std::string err = check_expr(*a, input);
    if (!err.empty()) return err;
  }
  return "";
}

// "" when the tree rooted at `n` is consistent, else what is wrong.
inline std::string check_plan(const logical_node& n) {
  if (n.kind == logical_kind::scan) {
    if (!n.inputs.empty()) return "scan with input";
    if (n.columns.size() != n.output.size()) return "scan output size";
    int prev = -1;
    for (size_t i = 0; i < n.columns.size(); ++i) {
      int c = n.columns[i];
      if (c <= prev || static_cast<size_t>(c) >= n.table_schema.size()) return "scan columns";
      if (!(n.table_schema.fields[c] == n.output.fields[i])) return "scan output field";
      prev = c;
    }
    return "";
  }
  if (n.kind == logical_kind::join) {
    if (n.inputs.size() != 2 || !n.inputs[0] || !n.inputs[1]) return "join inputs";
    for (const logical_ptr& in : n.inputs) {
      std::string err = check_plan(*in);
      if (!err.empty()) return err;
    }
    const schema& l = n.inputs[0]->output;
    const schema& r = n.inputs[1]->output;
    if (n.left_keys.size() != n.right_keys.size()) return "join key count";
    for (size_t k = 0; k < n.left_keys.size(); ++k) {
      if (n.left_keys[k] < 0 || static_cast<size_t>(n.left_keys[k]) >= l.size() ||
          n.right_keys[k] < 0 || static_cast<size_t>(n.right_keys[k]) >= r.size())
        return "join key range";
      if (l.fields[n.left_keys[k]].type != r.fields[n.right_keys[k]].type) return "join key type";
    }
    schema both = l;
    for (const field& f : r.fields) both.fields.push_back(f);
    if (!(n.output == (join_keeps_right(n.join) ? both : l))) return "join output";
    if (n.predicate) {
      if (n.predicate->type != type_id::boolean) return "join condition type";
      return check_expr(*n.predicate, both);
    }
    return "";
  }
  if (n.kind == logical_kind::union_all) {
    if (n.inputs.size() < 2) return "union inputs";
    for (const logical_ptr& in : n.inputs) {
      std::string err = check_plan(*in);
      if (!err.empty()) return err;
      if (in->output.size() != n.output.size()) return "union width";
      for (size_t i = 0; i < n.output.size(); ++i)
        if (in->output.fields[i].type != n.output.fields[i].type) return "union type";
    }
    return "";
  }
  if (n.inputs.size() != 1 || !n.inputs[0]) return "missing input";
  std::string err = check_plan(*n.inputs[0]);
  if (!err.empty()) return err;
  const schema& in = n.inputs[0]->output;
  switch (n.kind) {
    case logical_kind::filter:
      if (!n.predicate || n.predicate->type != type_id::boolean) return "filter predicate type";
      if (!(n.output == in)) return "filter output";
      return check_expr(*n.predicate, in);
    case logical_kind::project:
      if (n.exprs.size() != n.output.size()) return "project size";
      for (size_t i = 0; i < n.exprs.size(); ++i) {
        if (n.exprs[i]->type != n.output.fields[i].type) return "project type";
        err = check_expr(*n.exprs[i], in);
        if (!err.empty()) return err;
      }
      return "";
    case logical_kind::aggregate: {
      if (n.output.size() != n.group_keys.size() + n.aggregates.size()) return "aggregate size";
      for (size_t i = 0; i < n.group_keys.size(); ++i) {
        if (n.group_keys[i]->type != n.output.fields[i].type) return "key type";
        err = check_expr(*n.group_keys[i], in);
        if (!err.empty()) return err;
      }
      for (size_t i = 0; i < n.aggregates.size(); ++i) {
        const aggregate_call& a = n.aggregates[i];
        if (a.type != n.output.fields[n.group_keys.size() + i].type) return "aggregate type";
        if ((a.fn == agg_fn::count_star) != (a.arg == nullptr)) return "aggregate arg";
        if (a.arg) {
          err = check_expr(*a.arg, in);
          if (!err.empty()) return err;
        }
      }
      return "";
    }
    case logical_kind::sort:
      if (!(n.output == in) || n.keys.empty()) return "sort output";
      for (const sort_key& k : n.keys)
        if (k.column < 0 || static_cast<size_t>(k.column) >= in.size()) return "sort key";
      return "";
    case logical_kind::limit:
      if (!(n.output == in) || n.limit < 0) return "limit";
      return "";
    case logical_kind::single_row:
      if (!(n.output == in)) return "single row output";
      return "";
    case logical_kind::scan:
    case logical_kind::join:
    case logical_kind::union_all:
      break;
  }
  return "unknown kind";
}

}  // namespace tranche::sql_test
