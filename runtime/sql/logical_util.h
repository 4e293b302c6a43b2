// Building blocks the binder and the planner share for logical programs:
// expression rewriting (column renumbering, conjunct splitting), node
// constructors that derive the output schema, the column-pruning pass, and
// size estimates for join ordering and broadcast decisions.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "plan/logical.h"

namespace tranche {

// `e` with every column index i replaced by map(i).
[[nodiscard]] expr_ptr remap_columns(const expr_ptr& e, const std::function<int(int)>& map);
// Marks the column indices `e` reads (indices >= used.size() are ignored).
void collect_columns(const expr& e, std::vector<bool>& used);
// The smallest and largest column index `e` reads; {INT_MAX, -1} when none.
[[nodiscard]] std::pair<int, int> column_range(const expr& e);
// The top-level AND terms of `e` (one term when it is not an AND).
void split_conjuncts(const expr_ptr& e, std::vector<expr_ptr>& out);
// The AND of `terms` (null when empty).
[[nodiscard]] expr_ptr conjoin(const std::vector<expr_ptr>& terms);
// (a AND x) OR (a AND y) -> a AND (x OR y), for every term `a` common to all
// disjuncts: lets a join key written inside each branch of an OR (TPC-H Q19)
// become a join key. Returns the conjuncts of the result.
[[nodiscard]] std::vector<expr_ptr> factor_or(const expr_ptr& e);

// A node of `kind` over `input` (none for a scan) with the input's output
// schema, for the caller to fill in.
[[nodiscard]] std::shared_ptr<logical_node> make_node(logical_kind kind, logical_ptr input);
[[nodiscard]] logical_ptr make_filter_node(logical_ptr input, expr_ptr predicate);
// A project with output names taken from `names` (or "c<i>" when empty).
[[nodiscard]] logical_ptr make_project_node(logical_ptr input, std::vector<expr_ptr> exprs,
                                            std::vector<std::string> names);
// Columns `cols` of `input`, in that order, keeping their names.
[[nodiscard]] logical_ptr select_columns(logical_ptr input, const std::vector<int>& cols);
// A join on key expressions (over left, over right), with `residual` over
// left ++ right. Computed keys become extra columns of a project below the
// join and are dropped again above it, so the output is exactly left ++ right
// (inner, left) or left (semi, anti).
[[nodiscard]] logical_ptr make_join_node(join_type type, logical_ptr left, logical_ptr right,
                                         const std::vector<expr_ptr>& left_keys,
                                         const std::vector<expr_ptr>& right_keys,
                                         expr_ptr residual);

// Rewrites `root` so that every node computes only the columns something
// above it reads: scans read fewer columns, projects drop expressions, joins
// carry fewer columns. The root's output is unchanged.
[[nodiscard]] logical_ptr prune_columns(const logical_ptr& root);

// A guess of a node's output, from file sizes and fixed selectivities: enough
// to order joins (smallest first) and to pick broadcast joins.
struct size_estimate {
  double rows = 0;
  double row_bytes = 0;  // in memory, per row
  double fraction = 1;   // rows / the rows of its largest base table before filtering
  [[nodiscard]] double bytes() const { return rows * row_bytes; }
};
[[nodiscard]] size_estimate estimate_size(const logical_node& n);

// A guess of the number of distinct values of output column `column` of `n`,
// from a sample of the base table's first file (up to 256 KiB): when the
// sample's values are mostly distinct, their share times the table's rows;
// otherwise (a low-cardinality column) the sample's count. Never more than
// the node's estimated rows. 0 when the column is computed, not read.
[[nodiscard]] double estimate_distinct(const logical_node& n, int column);

// The rows of joining `left` and `right` on the given key columns:
// |L| x |R| / the largest distinct-value count among the key pairs (the
// textbook estimate), |L| x |R| without keys; at least what a foreign key
// joined to a key would give.
[[nodiscard]] double estimate_join_rows(const logical_node& left, const logical_node& right,
                                        const std::vector<int>& left_keys,
                                        const std::vector<int>& right_keys);

// The three estimates above, each node's size and each (node, column)'s
// distinct count computed once: a caller that asks about ever larger trees
// over the same nodes (the binder's greedy join order) keeps one cache for
// the whole ordering, so the work stays linear in the tree. Results are those
// of the free functions. Keyed by address: the nodes must stay alive and
// unchanged while the cache is in use.
class estimate_cache {
 public:
  [[nodiscard]] size_estimate size(const logical_node& n);
  [[nodiscard]] double distinct(const logical_node& n, int column);
  [[nodiscard]] double join_rows(const logical_node& left, const logical_node& right,
                                 const std::vector<int>& left_keys,
                                 const std::vector<int>& right_keys);

 private:
  [[nodiscard]] size_estimate compute_size(const logical_node& n);
  [[nodiscard]] double compute_distinct(const logical_node& n, int column);

  absl::flat_hash_map<const logical_node*, size_estimate> sizes_;
  absl::flat_hash_map<std::pair<const logical_node*, int>, double> distinct_;
};

}  // namespace tranche
