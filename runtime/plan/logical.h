// The logical program: a tree of relational operators over bound expressions,
// produced by the SQL front end (or the SDK's dataflow builder) and consumed by
// the planner. Every node knows its output schema.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "exec/expr.h"
#include "exec/join_type.h"
#include "tranche/types.h"

namespace tranche {

enum class agg_fn : uint8_t { count_star, count, sum, min, max, avg, count_distinct };

// "COUNT(*)", "COUNT", "SUM", "MIN", "MAX", "AVG", "COUNT(DISTINCT)".
[[nodiscard]] inline const char* agg_fn_name(agg_fn f) {
  switch (f) {
    case agg_fn::count_star:
      return "COUNT(*)";
    case agg_fn::count:
      return "COUNT";
    case agg_fn::sum:
      return "SUM";
    case agg_fn::min:
      return "MIN";
    case agg_fn::max:
      return "MAX";
    case agg_fn::avg:
      return "AVG";
    case agg_fn::count_distinct:
      return "COUNT(DISTINCT)";
  }
  return "?";
}

struct aggregate_call {
  agg_fn fn = agg_fn::count_star;
  expr_ptr arg;                   // null for count_star
  type_id type = type_id::int64;  // result type: count, count_distinct -> int64, avg -> float64,
                                  // sum -> arg type (int64 or float64), min/max -> arg type
  std::string name;               // output column name
};

struct sort_key {
  int column = 0;  // index into the input of the sort
  bool ascending = true;
  bool nulls_first = false;  // SQL default here: NULLS LAST for ASC, NULLS FIRST for DESC
};

enum class logical_kind : uint8_t {
  scan,
  filter,
  project,
  aggregate,
  sort,
  limit,
  join,        // inputs: left, right
  union_all,   // inputs: two or more of one schema
  single_row,  // a scalar subquery's input: exactly one row (NULLs for none; error for more)
};

// "scan", "filter", "project", "aggregate", "sort", "limit", "join",
// "union all", "single row".
[[nodiscard]] inline const char* kind_name(logical_kind k) {
  switch (k) {
    case logical_kind::scan:
      return "scan";
    case logical_kind::filter:
      return "filter";
    case logical_kind::project:
      return "project";
    case logical_kind::aggregate:
      return "aggregate";
    case logical_kind::sort:
      return "sort";
    case logical_kind::limit:
      return "limit";
    case logical_kind::join:
      return "join";
    case logical_kind::union_all:
      return "union all";
    case logical_kind::single_row:
      return "single row";
  }
  return "?";
}

struct logical_node;
using logical_ptr = std::shared_ptr<const logical_node>;

// How a table's files are stored: CSV (with its delimiter and whether a
// header row comes first) or tranche's columnar files (io/columnar.h).
struct csv_format {
  char delimiter = ',';
  bool header = true;
  bool columnar = false;  // .tcol files; delimiter and header do not apply
};

struct logical_node {
  logical_kind kind = logical_kind::scan;
  schema output;                    // output schema of this node
  std::vector<logical_ptr> inputs;  // 0 (scan), 2 (join), 2+ (union all) or 1

  // scan: the table's name, its files (expanded glob, sorted), its full
  // schema, the columns read (indices into table_schema; `output` lists them).
  std::string table;
  std::vector<std::string> files;
  schema table_schema;
  std::vector<int> columns;
  csv_format format;

  // filter: predicate over the input; join: the condition besides the keys.
  expr_ptr predicate;

  // project: one expression per output column.
  std::vector<expr_ptr> exprs;

  // aggregate: output = group keys, then aggregates.
  std::vector<expr_ptr> group_keys;
  std::vector<aggregate_call> aggregates;

  // sort
  std::vector<sort_key> keys;

  // limit
  int64_t limit = -1;

  // join: rows of inputs[0] (left) and inputs[1] (right) whose key columns
  // are pairwise equal (a NULL key matches nothing) and for which `predicate`,
  // when set, is TRUE over the left columns followed by the right ones. No
  // keys: every pair is a candidate. Output: left then right columns (inner,
  // left), or the left columns (semi, anti).
  join_type join = join_type::inner;
  std::vector<int> left_keys;
  std::vector<int> right_keys;
};

}  // namespace tranche
