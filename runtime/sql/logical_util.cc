// Implementation of logical_util.h.
#include "sql/logical_util.h"

#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <map>
#include <mutex>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/container/flat_hash_set.h"
#include "io/columnar.h"
#include "io/csv.h"
#include "sql/expr_binder.h"

namespace tranche {
namespace {

bool all_columns(const std::vector<expr_ptr>& keys) {
  return std::all_of(keys.begin(), keys.end(),
                     [](const expr_ptr& k) { return k->op == expr_op::column; });
}

// `input` plus one column per key that is not already a plain column; the
// key indices into the result go to `indices`.
logical_ptr with_key_columns(logical_ptr input, const std::vector<expr_ptr>& keys,
                             std::vector<int>* indices) {
  indices->clear();
  if (all_columns(keys)) {
    for (const expr_ptr& k : keys) indices->push_back(k->index);
    return input;
  }
  std::vector<expr_ptr> exprs;
  std::vector<std::string> names;
  for (size_t i = 0; i < input->output.size(); ++i) {
    exprs.push_back(col(static_cast<int>(i), input->output.fields[i].type));
    names.push_back(input->output.fields[i].name);
  }
  for (const expr_ptr& k : keys) {
    if (k->op == expr_op::column) {
      indices->push_back(k->index);
      continue;
    }
    indices->push_back(static_cast<int>(exprs.size()));
    names.push_back(absl::StrCat("$key", exprs.size()));
    exprs.push_back(k);
  }
  return make_project_node(std::move(input), std::move(exprs), std::move(names));
}

// --- column pruning -------------------------------------------------------

struct pruned {
  logical_ptr node;
  std::vector<int> map;  // old output column -> new output column, -1 when dropped
};

std::vector<bool> columns_of(const expr_ptr& e, size_t width) {
  std::vector<bool> used(width, false);
  if (e) collect_columns(*e, used);
  return used;
}

void merge(std::vector<bool>& into, const std::vector<bool>& from) {
  for (size_t i = 0; i < into.size() && i < from.size(); ++i) into[i] = into[i] || from[i];
}

expr_ptr through(const expr_ptr& e, const std::vector<int>& map) {
  if (!e) return e;
  return remap_columns(e, [&](int i) { return map[i]; });
}

pruned prune(const logical_ptr& n, std::vector<bool> need);

// Prunes `input` to `need`, then (if it kept anything else) selects exactly
// the needed columns in order, so the result's columns are the needed ones.
pruned prune_exact(const logical_ptr& input, const std::vector<bool>& need) {
  pruned p = prune(input, need);
  std::vector<int> cols;
  std::vector<int> map(need.size(), -1);
  for (size_t i = 0; i < need.size(); ++i) {
    if (!need[i]) continue;
    map[i] = static_cast<int>(cols.size());
    cols.push_back(p.map[i]);
  }
  bool identity = cols.size() == p.node->output.size();
  for (size_t i = 0; identity && i < cols.size(); ++i) identity = cols[i] == static_cast<int>(i);
  if (!identity) p.node = select_columns(p.node, cols);
  p.map = std::move(map);
  return p;
}

pruned prune(const logical_ptr& n, std::vector<bool> need) {
  const size_t width = n->output.size();
  need.resize(width, false);
  auto copy = std::make_shared<logical_node>(*n);
  pruned out;
  switch (n->kind) {
    case logical_kind::scan: {
      // No column at all is fine: the CSV reader still counts the rows.
      copy->columns.clear();
      copy->output.fields.clear();
      out.map.assign(width, -1);
      for (size_t i = 0; i < width; ++i) {
        if (!need[i]) continue;
        out.map[i] = static_cast<int>(copy->columns.size());
        copy->columns.push_back(n->columns[i]);
        copy->output.fields.push_back(n->output.fields[i]);
      }
      break;
    }
    case logical_kind::filter: {
      merge(need, columns_of(n->predicate, width));
      pruned in = prune(n->inputs[0], need);
      copy->inputs = {in.node};
      copy->predicate = through(n->predicate, in.map);
      copy->output = in.node->output;
      out.map = in.map;
      break;
    }
    case logical_kind::project: {
      bool any = std::any_of(need.begin(), need.end(), [](bool b) { return b; });
      if (!any && width > 0) need[0] = true;
      const size_t in_width = n->inputs[0]->output.size();
      std::vector<bool> in_need(in_width, false);
      for (size_t i = 0; i < width; ++i)
        if (need[i]) collect_columns(*n->exprs[i], in_need);
      pruned in = prune(n->inputs[0], in_need);
      copy->inputs = {in.node};
      copy->exprs.clear();
      copy->output.fields.clear();
      out.map.assign(width, -1);
      for (size_t i = 0; i < width; ++i) {
        if (!need[i]) continue;
        out.map[i] = static_cast<int>(copy->exprs.size());
        copy->exprs.push_back(through(n->exprs[i], in.map));
        copy->output.fields.push_back(n->output.fields[i]);
      }
      break;
    }
    case logical_kind::aggregate: {
      const size_t in_width = n->inputs[0]->output.size();
      std::vector<bool> in_need(in_width, false);
      for (const expr_ptr& k : n->group_keys) collect_columns(*k, in_need);
      for (const aggregate_call& c : n->aggregates)
        if (c.arg) collect_columns(*c.arg, in_need);
      pruned in = prune(n->inputs[0], in_need);
      copy->inputs = {in.node};
      for (expr_ptr& k : copy->group_keys) k = through(k, in.map);
      for (aggregate_call& c : copy->aggregates) c.arg = through(c.arg, in.map);
      out.map.resize(width);
      std::iota(out.map.begin(), out.map.end(), 0);
      break;
    }
    case logical_kind::sort: {
      for (const sort_key& k : n->keys) need[k.column] = true;
      pruned in = prune(n->inputs[0], need);
      copy->inputs = {in.node};
      for (sort_key& k : copy->keys) k.column = in.map[k.column];
      copy->output = in.node->output;
      out.map = in.map;
      break;
    }
    case logical_kind::limit: {
      pruned in = prune(n->inputs[0], need);
      copy->inputs = {in.node};
      copy->output = in.node->output;
      out.map = in.map;
      break;
    }
    case logical_kind::single_row: {
      // Its one row must keep every column it was asked for; nothing else.
      pruned in = prune_exact(n->inputs[0], need);
      copy->inputs = {in.node};
      copy->output = in.node->output;
      out.map = in.map;
      break;
    }
    case logical_kind::union_all: {
      bool any = std::any_of(need.begin(), need.end(), [](bool b) { return b; });
      if (!any && width > 0) need[0] = true;
      copy->inputs.clear();
      for (const logical_ptr& in : n->inputs) {
        pruned p = prune_exact(in, need);
        copy->inputs.push_back(p.node);
        out.map = p.map;
      }
      copy->output = copy->inputs[0]->output;
      break;
    }
    case logical_kind::join: {
      const size_t lw = n->inputs[0]->output.size();
      const size_t rw = n->inputs[1]->output.size();
      std::vector<bool> lneed(lw, false), rneed(rw, false);
      for (size_t i = 0; i < lw && i < width; ++i) lneed[i] = need[i];
      if (join_keeps_right(n->join))
        for (size_t j = 0; j < rw; ++j) rneed[j] = need[lw + j];
      for (int k : n->left_keys) lneed[k] = true;
      for (int k : n->right_keys) rneed[k] = true;
      if (n->predicate) {
        std::vector<bool> both = columns_of(n->predicate, lw + rw);
        for (size_t i = 0; i < lw; ++i) lneed[i] = lneed[i] || both[i];
        for (size_t j = 0; j < rw; ++j) rneed[j] = rneed[j] || both[lw + j];
      }
      pruned l = prune(n->inputs[0], lneed);
      pruned r = prune(n->inputs[1], rneed);
      const int nlw = static_cast<int>(l.node->output.size());
      copy->inputs = {l.node, r.node};
      for (int& k : copy->left_keys) k = l.map[k];
      for (int& k : copy->right_keys) k = r.map[k];
      if (n->predicate)
        copy->predicate = remap_columns(n->predicate, [&](int i) {
          return i < static_cast<int>(lw) ? l.map[i] : nlw + r.map[i - lw];
        });
      copy->output = l.node->output;
      out.map = l.map;
      if (join_keeps_right(n->join)) {
        for (const field& f : r.node->output.fields) copy->output.fields.push_back(f);
        for (size_t j = 0; j < rw; ++j) out.map.push_back(r.map[j] < 0 ? -1 : nlw + r.map[j]);
      }
      break;
    }
  }
  out.node = copy;
  return out;
}

// --- estimates --------------------------------------------------------------

double type_bytes(type_id t) { return t == type_id::string ? 24.0 : 8.0; }

double row_bytes_of(const schema& s) {
  double b = 0;
  for (const field& f : s.fields) b += type_bytes(f.type);
  return std::max(8.0, b);
}

// Rows of a CSV table: its bytes over the mean line length of the first file's
// first 64 KiB.
double csv_rows_uncached(const std::vector<std::string>& files, const schema& full) {
  double total = 0;
  for (const std::string& f : files) {
    struct stat st {};
    if (::stat(f.c_str(), &st) == 0) total += static_cast<double>(st.st_size);
  }
  double line = 0;
  if (!files.empty()) {
    if (FILE* fp = std::fopen(files[0].c_str(), "rb")) {
      std::string buf(64 << 10, '\0');
      size_t got = std::fread(buf.data(), 1, buf.size(), fp);
      std::fclose(fp);
      size_t lines = static_cast<size_t>(std::count(buf.begin(), buf.begin() + got, '\n'));
      if (lines > 1) line = static_cast<double>(got) / static_cast<double>(lines);
    }
  }
  if (line <= 0) line = 10.0 * static_cast<double>(std::max<size_t>(1, full.size()));
  return std::max(1.0, total / line);
}

// csv_rows_uncached, kept per file list and first file's size and time.
double csv_rows(const std::vector<std::string>& files, const schema& full) {
  if (files.empty()) return 1;
  struct stat st {};
  if (::stat(files[0].c_str(), &st) != 0) return csv_rows_uncached(files, full);
  std::string key = absl::StrCat(files.size(), "|", st.st_size, "|", st.st_mtim.tv_sec, ".",
                                 st.st_mtim.tv_nsec, "|", files[0], "|", files.back());
  static std::mutex mu;
  static auto* cache = new std::map<std::string, double>();
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache->find(key);
    if (it != cache->end()) return it->second;
  }
  const double rows = csv_rows_uncached(files, full);
  std::lock_guard<std::mutex> lock(mu);
  if (cache->size() > 4096) cache->clear();
  (*cache)[key] = rows;
  return rows;
}

// Rows of a columnar table: the first file's row count (from its footer)
// times the number of files.
double columnar_rows(const std::vector<std::string>& files) {
  if (files.empty()) return 1;
  auto reader = columnar_reader::open(files[0]);
  if (!reader.ok()) return 1;
  return std::max(1.0, static_cast<double>((*reader)->total_rows()) *
                           static_cast<double>(files.size()));
}

double selectivity(const expr& p) {
  switch (p.op) {
    case expr_op::and_:
      return selectivity(*p.args[0]) * selectivity(*p.args[1]);
    case expr_op::or_:
      return std::min(1.0, selectivity(*p.args[0]) + selectivity(*p.args[1]));
    case expr_op::not_:
      return std::max(0.05, 1.0 - selectivity(*p.args[0]));
    case expr_op::eq:
      return 0.1;
    case expr_op::ne:
      return 0.9;
    case expr_op::lt:
    case expr_op::le:
    case expr_op::gt:
    case expr_op::ge:
      return 0.4;
    case expr_op::like:
      return 0.25;
    case expr_op::in_list:
      return std::min(1.0, 0.1 * static_cast<double>(p.args.size() - 1));
    case expr_op::is_null:
      return 0.1;
    default:
      return 0.5;
  }
}

}  // namespace

expr_ptr remap_columns(const expr_ptr& e, const std::function<int(int)>& map) {
  if (e->op == expr_op::column) return col(map(e->index), e->type);
  if (e->args.empty()) return e;
  auto copy = std::make_shared<expr>(*e);
  for (expr_ptr& a : copy->args) a = remap_columns(a, map);
  return copy;
}

void collect_columns(const expr& e, std::vector<bool>& used) {
  if (e.op == expr_op::column && e.index >= 0 && static_cast<size_t>(e.index) < used.size())
    used[e.index] = true;
  for (const expr_ptr& a : e.args) collect_columns(*a, used);
}

std::pair<int, int> column_range(const expr& e) {
  std::pair<int, int> r{INT_MAX, -1};
  if (e.op == expr_op::column) r = {e.index, e.index};
  for (const expr_ptr& a : e.args) {
    auto [lo, hi] = column_range(*a);
    r.first = std::min(r.first, lo);
    r.second = std::max(r.second, hi);
  }
  return r;
}

void split_conjuncts(const expr_ptr& e, std::vector<expr_ptr>& out) {
  if (e->op == expr_op::and_) {
    split_conjuncts(e->args[0], out);
    split_conjuncts(e->args[1], out);
    return;
  }
  out.push_back(e);
}

expr_ptr conjoin(const std::vector<expr_ptr>& terms) {
  expr_ptr out;
  for (const expr_ptr& t : terms) out = out ? binary(expr_op::and_, out, t) : t;
  return out;
}

std::vector<expr_ptr> factor_or(const expr_ptr& e) {
  if (e->op != expr_op::or_) return {e};
  std::vector<expr_ptr> disjuncts;
  std::vector<expr_ptr> stack{e};
  while (!stack.empty()) {
    expr_ptr d = stack.back();
    stack.pop_back();
    if (d->op == expr_op::or_) {
      stack.push_back(d->args[1]);
      stack.push_back(d->args[0]);
    } else {
      disjuncts.push_back(d);
    }
  }
  std::vector<std::vector<expr_ptr>> terms(disjuncts.size());
  for (size_t i = 0; i < disjuncts.size(); ++i) split_conjuncts(disjuncts[i], terms[i]);
  std::vector<expr_ptr> common;
  for (const expr_ptr& t : terms[0]) {
    bool everywhere = true;
    for (size_t i = 1; i < terms.size() && everywhere; ++i)
      everywhere = std::any_of(terms[i].begin(), terms[i].end(),
                               [&](const expr_ptr& u) { return sql::expr_equal(*t, *u); });
    bool seen = std::any_of(common.begin(), common.end(),
                            [&](const expr_ptr& u) { return sql::expr_equal(*t, *u); });
    if (everywhere && !seen) common.push_back(t);
  }
  if (common.empty()) return {e};
  expr_ptr rest;
  for (auto& ts : terms) {
    std::erase_if(ts, [&](const expr_ptr& u) {
      return std::any_of(common.begin(), common.end(),
                         [&](const expr_ptr& c) { return sql::expr_equal(*c, *u); });
    });
    // A disjunct left with no terms is TRUE, and so is the whole OR.
    if (ts.empty()) return common;
    expr_ptr d = conjoin(ts);
    rest = rest ? binary(expr_op::or_, rest, d) : d;
  }
  common.push_back(rest);
  return common;
}

std::shared_ptr<logical_node> make_node(logical_kind kind, logical_ptr input) {
  auto n = std::make_shared<logical_node>();
  n->kind = kind;
  if (input) {
    n->output = input->output;
    n->inputs.push_back(std::move(input));
  }
  return n;
}

logical_ptr make_filter_node(logical_ptr input, expr_ptr predicate) {
  auto n = make_node(logical_kind::filter, std::move(input));
  n->predicate = std::move(predicate);
  return n;
}

logical_ptr make_project_node(logical_ptr input, std::vector<expr_ptr> exprs,
                              std::vector<std::string> names) {
  auto n = make_node(logical_kind::project, std::move(input));
  n->output.fields.clear();
  for (size_t i = 0; i < exprs.size(); ++i)
    n->output.fields.push_back(
        field{i < names.size() ? names[i] : absl::StrCat("c", i), exprs[i]->type});
  n->exprs = std::move(exprs);
  return n;
}

logical_ptr select_columns(logical_ptr input, const std::vector<int>& cols) {
  std::vector<expr_ptr> exprs;
  std::vector<std::string> names;
  for (int c : cols) {
    exprs.push_back(col(c, input->output.fields[c].type));
    names.push_back(input->output.fields[c].name);
  }
  return make_project_node(std::move(input), std::move(exprs), std::move(names));
}

logical_ptr make_join_node(join_type type, logical_ptr left, logical_ptr right,
                           const std::vector<expr_ptr>& left_keys,
                           const std::vector<expr_ptr>& right_keys, expr_ptr residual) {
  const int lw = static_cast<int>(left->output.size());
  const int rw = static_cast<int>(right->output.size());
  auto n = std::make_shared<logical_node>();
  n->kind = logical_kind::join;
  n->join = type;
  logical_ptr l = with_key_columns(left, left_keys, &n->left_keys);
  logical_ptr r = with_key_columns(right, right_keys, &n->right_keys);
  const int nlw = static_cast<int>(l->output.size());
  if (residual)
    n->predicate = nlw == lw ? residual : remap_columns(residual, [&](int i) {
      return i < lw ? i : nlw + (i - lw);
    });
  n->output = l->output;
  if (join_keeps_right(type))
    for (const field& f : r->output.fields) n->output.fields.push_back(f);
  n->inputs = {l, r};
  if (nlw == lw && static_cast<int>(r->output.size()) == rw) return n;
  // Drop the computed key columns again.
  std::vector<int> keep;
  for (int i = 0; i < lw; ++i) keep.push_back(i);
  if (join_keeps_right(type))
    for (int j = 0; j < rw; ++j) keep.push_back(nlw + j);
  return select_columns(n, keep);
}

logical_ptr prune_columns(const logical_ptr& root) {
  return prune(root, std::vector<bool>(root->output.size(), true)).node;
}

size_estimate estimate_cache::compute_size(const logical_node& n) {
  size_estimate e;
  switch (n.kind) {
    case logical_kind::scan:
      e.rows = n.format.columnar ? columnar_rows(n.files) : csv_rows(n.files, n.table_schema);
      e.row_bytes = row_bytes_of(n.output);
      return e;
    case logical_kind::filter: {
      e = size(*n.inputs[0]);
      double s = std::max(0.001, selectivity(*n.predicate));
      e.rows *= s;
      e.fraction *= s;
      return e;
    }
    case logical_kind::project:
      e = size(*n.inputs[0]);
      e.row_bytes = row_bytes_of(n.output);
      return e;
    case logical_kind::aggregate:
      e = size(*n.inputs[0]);
      e.rows = n.group_keys.empty() ? 1 : std::max(1.0, e.rows * 0.1);
      e.fraction = 1;
      e.row_bytes = row_bytes_of(n.output);
      return e;
    case logical_kind::sort:
      return size(*n.inputs[0]);
    case logical_kind::limit:
      e = size(*n.inputs[0]);
      e.rows = std::min(e.rows, static_cast<double>(std::max<int64_t>(1, n.limit)));
      return e;
    case logical_kind::single_row:
      e = size(*n.inputs[0]);
      e.rows = 1;
      return e;
    case logical_kind::union_all:
      for (const logical_ptr& in : n.inputs) {
        size_estimate i = size(*in);
        e.rows += i.rows;
        e.row_bytes = std::max(e.row_bytes, i.row_bytes);
      }
      return e;
    case logical_kind::join: {
      size_estimate l = size(*n.inputs[0]);
      size_estimate r = size(*n.inputs[1]);
      if (n.left_keys.empty()) {
        e.rows = l.rows * r.rows;
        e.fraction = 1;
      } else if (!join_keeps_right(n.join)) {
        e = l;
        e.rows *= 0.5;
        e.fraction *= 0.5;
      } else {
        e.rows = join_rows(*n.inputs[0], *n.inputs[1], n.left_keys, n.right_keys);
        if (n.join == join_type::left) e.rows = std::max(e.rows, l.rows);
        e.fraction = std::min(l.fraction, r.fraction);
      }
      e.row_bytes = row_bytes_of(n.output);
      return e;
    }
  }
  return e;
}

namespace {

// Distinct values of file column `column` in the first 256 KiB of the first
// file, and the rows that held: {distinct, rows}.
std::pair<double, double> sample_distinct_uncached(const logical_node& scan, int column) {
  if (scan.files.empty()) return {0, 0};
  batch b;
  std::vector<batch> batches;
  if (scan.format.columnar) {
    auto reader = columnar_reader::open(scan.files[0]);
    if (!reader.ok() || (*reader)->num_batches() == 0) return {0, 0};
    if (!(*reader)->read(0, {column}, &b).ok()) return {0, 0};
    batches.push_back(std::move(b));
  } else {
    csv_options opts;
    opts.delimiter = scan.format.delimiter;
    opts.header = scan.format.header;
    auto reader =
        csv_reader::open(file_split{scan.files[0], 0, 256 << 10}, scan.table_schema, {column}, opts);
    if (!reader.ok()) return {0, 0};
    for (;;) {
      auto more = (*reader)->next(&b);
      if (!more.ok() || !*more) break;
      batches.push_back(std::move(b));
      b = batch{};
    }
  }
  absl::flat_hash_set<std::string> seen;
  double rows = 0;
  for (const batch& part : batches) {
    for (size_t i = 0; i < part.rows; ++i) {
      const tranche::column& c = *part.columns[0];
      if (c.is_null(i)) continue;
      seen.insert(c.type() == type_id::string ? std::string(c.str(i)) : to_string(c.get(i)));
    }
    rows += static_cast<double>(part.rows);
  }
  return {static_cast<double>(seen.size()), rows};
}

// The planner asks for the same samples many times while it orders joins:
// they are kept per (file, its size and modification time, column).
std::pair<double, double> sample_distinct(const logical_node& scan, int column) {
  if (scan.files.empty()) return {0, 0};
  struct stat st {};
  if (::stat(scan.files[0].c_str(), &st) != 0) return {0, 0};
  const std::string key = absl::StrCat(scan.files[0], "|", st.st_size, "|", st.st_mtim.tv_sec, ".",
                                       st.st_mtim.tv_nsec, "|", column, "|",
                                       static_cast<int>(scan.format.delimiter));
  static std::mutex mu;
  static auto* cache = new std::map<std::string, std::pair<double, double>>();
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache->find(key);
    if (it != cache->end()) return it->second;
  }
  auto sample = sample_distinct_uncached(scan, column);
  std::lock_guard<std::mutex> lock(mu);
  if (cache->size() > 4096) cache->clear();
  (*cache)[key] = sample;
  return sample;
}

}  // namespace

double estimate_cache::compute_distinct(const logical_node& n, int column) {
  if (column < 0 || static_cast<size_t>(column) >= n.output.size()) return 0;
  const double rows = size(n).rows;
  switch (n.kind) {
    case logical_kind::scan: {
      if (column < 0 || static_cast<size_t>(column) >= n.columns.size()) return 0;
      auto [values, sampled] = sample_distinct(n, n.columns[column]);
      if (sampled <= 0) return 0;
      // Mostly distinct: a key-like column, scale with the table; else its
      // few values are all in the sample.
      const double share = values / sampled;
      return std::min(rows, share > 0.1 ? share * rows : values);
    }
    case logical_kind::filter:
    case logical_kind::sort:
    case logical_kind::limit:
      return std::min(rows, distinct(*n.inputs[0], column));
    case logical_kind::project:
      if (n.exprs[column]->op != expr_op::column) return 0;
      return std::min(rows, distinct(*n.inputs[0], n.exprs[column]->index));
    case logical_kind::join: {
      const int lw = static_cast<int>(n.inputs[0]->output.size());
      if (column < lw) return std::min(rows, distinct(*n.inputs[0], column));
      return std::min(rows, distinct(*n.inputs[1], column - lw));
    }
    case logical_kind::aggregate:
      return column < static_cast<int>(n.group_keys.size()) ? rows : 0;
    default:
      return 0;
  }
}

double estimate_cache::join_rows(const logical_node& left, const logical_node& right,
                                 const std::vector<int>& left_keys,
                                 const std::vector<int>& right_keys) {
  const size_estimate le = size(left);
  const size_estimate re = size(right);
  const double l = le.rows;
  const double r = re.rows;
  double divisor = 1;
  for (size_t k = 0; k < left_keys.size() && k < right_keys.size(); ++k) {
    double v = std::max(distinct(left, left_keys[k]), distinct(right, right_keys[k]));
    // A computed key: assume it is as selective as a key of the larger side.
    if (v <= 0) v = std::max(l, r);
    divisor = std::max(divisor, v);
  }
  if (left_keys.empty()) divisor = 1;
  // Sampled counts of a clustered or repetitive column run low; never guess
  // fewer rows than a foreign key joined to a key would give: the larger
  // side, thinned by what survived the other side's filters.
  const double key_to_foreign_key = std::max(l * re.fraction, r * le.fraction);
  return std::max({1.0, l * r / divisor, key_to_foreign_key});
}

size_estimate estimate_cache::size(const logical_node& n) {
  if (auto it = sizes_.find(&n); it != sizes_.end()) return it->second;
  const size_estimate e = compute_size(n);
  sizes_.emplace(&n, e);
  return e;
}

double estimate_cache::distinct(const logical_node& n, int column) {
  const auto key = std::make_pair(&n, column);
  if (auto it = distinct_.find(key); it != distinct_.end()) return it->second;
  const double v = compute_distinct(n, column);
  distinct_.emplace(key, v);
  return v;
}

size_estimate estimate_size(const logical_node& n) { return estimate_cache().size(n); }

double estimate_distinct(const logical_node& n, int column) {
  return estimate_cache().distinct(n, column);
}

double estimate_join_rows(const logical_node& left, const logical_node& right,
                          const std::vector<int>& left_keys, const std::vector<int>& right_keys) {
  return estimate_cache().join_rows(left, right, left_keys, right_keys);
}

}  // namespace tranche
