// Implementation of binder.h.
//
// A SELECT is bound in two steps. First every clause is bound over the FROM
// row: the columns of the FROM entries side by side, in the order written
// (scalar subqueries add one-column entries at its end). Then build() makes
// the logical tree: it joins the entries (pushing each WHERE term down to the
// lowest point where its columns exist, turning `a.x = b.y` terms into join
// keys, ordering inner joins greedily from the largest table outwards, the
// smallest connected table next), decorrelates EXISTS / IN subqueries into
// semi and anti joins, restores the FROM row's column order, and stacks
// [filter] -> [aggregate] -> [filter] -> project -> [distinct] -> [sort] ->
// [limit] -> [project] on top. Unused columns are pruned afterwards, once,
// over the whole tree (logical_util.h).
#include "sql/binder.h"

#include <algorithm>
#include <climits>
#include <functional>
#include <optional>

#include "absl/strings/str_cat.h"
#include "sql/expr_binder.h"
#include "sql/logical_util.h"

namespace tranche::sql {
namespace {

constexpr size_t kMaxRelations = 64;

struct output_column {
  const ast_expr* ast = nullptr;
  std::string name;          // the alias, or default_name
  std::string default_name;  // column name, aggregate name, or the text as written
};

bool is_position(const ast_expr& e) {
  return e.kind == ast_kind::literal && !e.untyped_null && e.literal_type == type_id::int64;
}

bool is_bare_name(const ast_expr& e) {
  return e.kind == ast_kind::column_ref && e.qualifier.empty();
}

// Common table expressions visible at a point of the statement.
struct cte_scope {
  const cte_scope* parent = nullptr;
  std::vector<std::pair<std::string, logical_ptr>> tables;

  [[nodiscard]] const logical_ptr* find(std::string_view name) const {
    for (const cte_scope* s = this; s != nullptr; s = s->parent)
      for (const auto& [n, plan] : s->tables)
        if (equals_ignore_case(n, name)) return &plan;
    return nullptr;
  }
};

absl::StatusOr<logical_ptr> bind_query_in(const query_stmt& q, const catalog& cat,
                                          const cte_scope* ctes, const table_scope* outer);

// A subquery's FROM and WHERE, ready to be joined to the enclosing query.
struct correlated_part {
  logical_ptr plan;                  // FROM joined, with the WHERE terms local to it
  int width = 0;                     // plan's columns
  std::vector<expr_ptr> correlated;  // WHERE terms over plan's row ++ the enclosing row
  expr_ptr value;                    // IN: the select item over plan's row
};

// Whether the subquery is a plain SELECT ... FROM ... WHERE that can be
// decorrelated term by term.
bool is_simple(const query_stmt& q) {
  if (!q.with.empty() || q.terms.size() != 1) return false;
  const select_stmt& s = *q.terms[0];
  if (s.distinct || !s.group_by.empty() || s.having || !s.order_by.empty() || s.limit >= 0)
    return false;
  for (const select_item& item : s.items)
    if (item.expr && contains_call(*item.expr)) return false;
  return true;
}

uint64_t bit(size_t r) { return uint64_t{1} << r; }

class select_binder {
 public:
  select_binder(const select_stmt& stmt, const catalog& cat, const cte_scope* ctes,
                const table_scope* outer)
      : stmt_(stmt), catalog_(cat), ctes_(ctes), binder_(scope_) {
    scope_.outer = outer;
    binder_.set_subquery_hook([this](const ast_expr& e) { return bind_scalar_subquery(e); });
  }

  absl::StatusOr<logical_ptr> run() {
    SQL_RETURN_IF_ERROR(bind_from());
    SQL_RETURN_IF_ERROR(expand_select_list());
    SQL_RETURN_IF_ERROR(check_names_in_order());
    SQL_RETURN_IF_ERROR(bind_where(false));
    SQL_RETURN_IF_ERROR(bind_on_clauses());
    grouped_ = !stmt_.group_by.empty() || stmt_.having != nullptr;
    for (const output_column& o : outputs_) grouped_ = grouped_ || contains_call(*o.ast);
    for (const order_item& o : stmt_.order_by) grouped_ = grouped_ || contains_call(*o.expr);

    std::function<absl::StatusOr<expr_ptr>(const ast_expr&)> bind;
    if (grouped_) {
      SQL_RETURN_IF_ERROR(bind_group_by());
      bind = [this](const ast_expr& e) { return binder_.bind_grouped(e, grouping_); };
    } else {
      bind = [this](const ast_expr& e) { return binder_.bind_row(e, "SELECT"); };
    }
    for (const output_column& o : outputs_) {
      SQL_ASSIGN_OR_RETURN(expr_ptr e, bind(*o.ast));
      fields_.push_back(field{o.name, e->type});
      exprs_.push_back(std::move(e));
    }
    if (stmt_.having) {
      SQL_ASSIGN_OR_RETURN(expr_ptr having, bind(*stmt_.having));
      SQL_ASSIGN_OR_RETURN(having_, binder_.require_boolean(*stmt_.having, having, "HAVING"));
    }
    SQL_RETURN_IF_ERROR(bind_order_by(bind));
    return build();
  }

  // For a simple subquery (is_simple) of an EXISTS or IN condition: binds
  // FROM and WHERE with the enclosing query's columns visible in WHERE, and
  // keeps the terms that use them apart.
  absl::StatusOr<correlated_part> run_correlated(bool want_value) {
    in_correlated_ = true;
    SQL_RETURN_IF_ERROR(bind_from());
    binder_.set_allow_outer(true);
    SQL_RETURN_IF_ERROR(bind_where(true));
    binder_.set_allow_outer(false);
    SQL_RETURN_IF_ERROR(bind_on_clauses());
    correlated_part part;
    if (want_value) {
      if (stmt_.items.size() != 1 || stmt_.items[0].star)
        return error_at(stmt_.items[0].pos, "a subquery used with IN must return one column");
      SQL_RETURN_IF_ERROR(binder_.check_names(*stmt_.items[0].expr));
      SQL_ASSIGN_OR_RETURN(part.value, binder_.bind_row(*stmt_.items[0].expr, "SELECT"));
    }
    const int width = static_cast<int>(scope_.columns.size());
    std::vector<expr_ptr> local;
    for (const expr_ptr& t : where_terms_) {
      auto [lo, hi] = column_range(*t);
      (hi >= width ? part.correlated : local).push_back(t);
    }
    where_terms_ = std::move(local);
    SQL_ASSIGN_OR_RETURN(part.plan, build_from_tree());
    part.width = width;
    return part;
  }

 private:
  struct relation {
    logical_ptr plan;  // its columns, with the filters pushed into it
    int offset = 0;
    int width = 0;
    bool nullable = false;  // the right side of a LEFT JOIN
    const from_item* item = nullptr;
    std::vector<expr_ptr> on_terms;  // LEFT JOIN's ON, over the FROM row
  };

  // A subquery condition of WHERE: [NOT] EXISTS (...) or x [NOT] IN (...).
  struct subquery_condition {
    const ast_expr* ast = nullptr;
    bool negated = false;
  };

  // --- FROM -----------------------------------------------------------------

  absl::StatusOr<logical_ptr> scan_of(const from_item& item, std::string* name) {
    if (item.derived) {
      *name = item.alias;
      return bind_query_in(*item.derived, catalog_, ctes_, nullptr);
    }
    if (ctes_ != nullptr) {
      if (const logical_ptr* plan = ctes_->find(item.table)) {
        *name = item.table;
        return *plan;
      }
    }
    absl::StatusOr<table_info> info = catalog_.lookup(item.table);
    std::vector<std::string> names;
    if (!info.ok() && absl::IsNotFound(info.status())) {
      // Identifiers are case-insensitive even if the catalog is not.
      names = catalog_.names();
      for (const std::string& n : names) {
        if (equals_ignore_case(n, item.table)) {
          info = catalog_.lookup(n);
          break;
        }
      }
    }
    if (!info.ok()) {
      if (absl::IsNotFound(info.status()))
        return error_at(
            item.pos, absl::StatusCode::kNotFound,
            absl::StrCat("unknown table \"", item.table, "\"", did_you_mean(item.table, names)));
      return error_at(item.pos, info.status().code(),
                      absl::StrCat("table \"", item.table, "\": ", info.status().message()));
    }
    auto scan = make_node(logical_kind::scan, nullptr);
    scan->table = info->name;
    scan->files = info->files;
    scan->table_schema = info->columns;
    scan->format = info->format;
    scan->output = info->columns;
    for (size_t i = 0; i < info->columns.size(); ++i) scan->columns.push_back(static_cast<int>(i));
    *name = info->name;
    return logical_ptr(scan);
  }

  absl::Status bind_from() {
    for (const from_item& item : stmt_.from) {
      if (relations_.size() >= kMaxRelations)
        return error_at(item.pos, absl::StrCat("more than ", kMaxRelations, " tables in FROM"));
      std::string name;
      SQL_ASSIGN_OR_RETURN(logical_ptr plan, scan_of(item, &name));
      for (const scope_relation& r : scope_.relations) {
        const std::string& mine = item.alias.empty() ? name : item.alias;
        const std::string& theirs = r.alias.empty() ? r.name : r.alias;
        if (equals_ignore_case(mine, theirs))
          return error_at(item.pos, absl::StrCat("table name \"", mine,
                                                 "\" specified more than once (give it an alias)"));
      }
      relation r;
      r.plan = plan;
      r.width = static_cast<int>(plan->output.size());
      r.offset = scope_.add(name, item.alias, plan->output);
      r.item = &item;
      r.nullable = &item != &stmt_.from[0] && item.join == join_kind::left;
      relations_.push_back(std::move(r));
    }
    return absl::OkStatus();
  }

  // An uncorrelated scalar subquery: a one-row, one-column entry appended to
  // the FROM row, joined like the others (a broadcast of one row).
  absl::StatusOr<expr_ptr> bind_scalar_subquery(const ast_expr& e) {
    if (in_correlated_)
      return error_at(e.pos, "a scalar subquery inside an EXISTS or IN subquery is not supported");
    if (relations_.size() >= kMaxRelations)
      return error_at(e.pos, absl::StrCat("more than ", kMaxRelations, " tables in FROM"));
    SQL_ASSIGN_OR_RETURN(logical_ptr sub, bind_query_in(*e.subquery, catalog_, ctes_, &scope_));
    if (sub->output.size() != 1)
      return error_at(e.pos, absl::StrCat("a scalar subquery must return one column, not ",
                                          sub->output.size()));
    auto one = make_node(logical_kind::single_row, sub);
    relation r;
    r.plan = one;
    r.width = 1;
    r.offset = scope_.add(absl::StrCat("$subquery", relations_.size()), "", one->output);
    relations_.push_back(std::move(r));
    return col(relations_.back().offset, one->output.fields[0].type);
  }

  // --- clauses ----------------------------------------------------------------

  std::string default_name(const ast_expr& e) const {
    if (e.kind == ast_kind::column_ref) {
      absl::StatusOr<int> index = binder_.resolve_column(e);
      return index.ok() ? scope_.field_at(*index).name : e.name;
    }
    if (e.kind == ast_kind::call) return e.call_name;
    return stmt_.text_of(e);
  }

  absl::Status expand_select_list() {
    for (const select_item& item : stmt_.items) {
      if (!item.star) {
        output_column o;
        o.ast = item.expr.get();
        o.default_name = default_name(*item.expr);
        o.name = item.has_alias ? item.alias : o.default_name;
        outputs_.push_back(std::move(o));
        continue;
      }
      const scope_relation* only = nullptr;
      if (!item.star_qualifier.empty()) {
        for (const scope_relation& r : scope_.relations)
          if (r.accepts_qualifier(item.star_qualifier)) only = &r;
        if (only == nullptr)
          return error_at(item.pos, absl::StrCat("missing FROM-clause entry for table \"",
                                                 item.star_qualifier, "\""));
      }
      // `*` stands for one column reference per column, bound like any other.
      for (const scope_relation& r : scope_.relations) {
        if (only != nullptr && &r != only) continue;
        for (int i = 0; i < r.width; ++i) {
          const field& f = scope_.columns.fields[r.offset + i];
          auto ref = std::make_unique<ast_expr>();
          ref->kind = ast_kind::column_ref;
          ref->pos = item.pos;
          ref->name = f.name;
          if (scope_.relations.size() > 1) ref->qualifier = r.alias.empty() ? r.name : r.alias;
          outputs_.push_back(output_column{ref.get(), f.name, f.name});
          synthetic_.push_back(std::move(ref));
        }
      }
    }
    return absl::OkStatus();
  }

  bool is_output_alias(const ast_expr& e) const {
    for (const output_column& o : outputs_)
      if (equals_ignore_case(o.name, e.name)) return true;
    return false;
  }

  bool names_a_column(const ast_expr& e) const {
    absl::StatusOr<int> found = expr_binder::find_in(scope_, e);
    return found.ok() && *found >= 0;
  }

  absl::Status check_names_in_order() {
    for (const output_column& o : outputs_) SQL_RETURN_IF_ERROR(binder_.check_names(*o.ast));
    if (stmt_.where) SQL_RETURN_IF_ERROR(binder_.check_names(*stmt_.where));
    for (const ast_ptr& g : stmt_.group_by) {
      if (is_position(*g)) continue;
      if (is_bare_name(*g) && !names_a_column(*g) && is_output_alias(*g)) continue;
      SQL_RETURN_IF_ERROR(binder_.check_names(*g));
    }
    if (stmt_.having) SQL_RETURN_IF_ERROR(binder_.check_names(*stmt_.having));
    for (const order_item& o : stmt_.order_by) {
      if (is_position(*o.expr) || (is_bare_name(*o.expr) && is_output_alias(*o.expr))) continue;
      SQL_RETURN_IF_ERROR(binder_.check_names(*o.expr));
    }
    return absl::OkStatus();
  }

  static void split_ast(const ast_expr& e, std::vector<const ast_expr*>& out) {
    if (e.kind == ast_kind::binary && e.op == expr_op::and_) {
      split_ast(*e.args[0], out);
      split_ast(*e.args[1], out);
      return;
    }
    out.push_back(&e);
  }

  // Adds the bound terms of `e` (a condition) to `terms`, OR-factored.
  absl::Status add_terms(const ast_expr& e, std::string_view clause, std::vector<expr_ptr>& terms) {
    SQL_ASSIGN_OR_RETURN(expr_ptr bound, binder_.bind_row(e, clause));
    SQL_ASSIGN_OR_RETURN(bound, binder_.require_boolean(e, bound, clause));
    std::vector<expr_ptr> parts;
    split_conjuncts(bound, parts);
    for (const expr_ptr& p : parts)
      for (expr_ptr& f : factor_or(p)) terms.push_back(std::move(f));
    return absl::OkStatus();
  }

  // WHERE: subquery conditions apart, every other term bound.
  absl::Status bind_where(bool correlated) {
    if (!stmt_.where) return absl::OkStatus();
    if (correlated) SQL_RETURN_IF_ERROR(binder_.check_names(*stmt_.where));
    std::vector<const ast_expr*> parts;
    split_ast(*stmt_.where, parts);
    for (const ast_expr* p : parts) {
      const ast_expr* inner = p;
      bool negated = false;
      if (p->kind == ast_kind::unary && p->op == expr_op::not_) {
        inner = p->args[0].get();
        negated = true;
      }
      if (inner->kind == ast_kind::exists || inner->kind == ast_kind::in_subquery) {
        subqueries_.push_back(subquery_condition{inner, negated != inner->negated});
        continue;
      }
      // A term of several is reported as AND's argument, as if bound whole.
      SQL_RETURN_IF_ERROR(add_terms(*p, parts.size() > 1 ? "AND" : "WHERE", where_terms_));
    }
    return absl::OkStatus();
  }

  // ON of [INNER] JOIN joins the WHERE terms; LEFT JOIN's stay with its entry.
  absl::Status bind_on_clauses() {
    for (relation& r : relations_) {
      if (r.item == nullptr || !r.item->on) continue;
      SQL_RETURN_IF_ERROR(binder_.check_names(*r.item->on));
      if (r.item->join == join_kind::left) {
        SQL_RETURN_IF_ERROR(add_terms(*r.item->on, "ON", r.on_terms));
      } else {
        SQL_RETURN_IF_ERROR(add_terms(*r.item->on, "ON", where_terms_));
      }
    }
    return absl::OkStatus();
  }

  // GROUP BY items: a 1-based select-list position, a column or expression,
  // or (when no column has that name) a select alias.
  absl::Status bind_group_by() {
    for (const ast_ptr& g : stmt_.group_by) {
      const ast_expr* target = g.get();
      std::string name;
      if (is_position(*g)) {
        int64_t k = std::get<int64_t>(g->literal);
        if (k < 1 || static_cast<size_t>(k) > outputs_.size())
          return error_at(g->pos, absl::StrCat("GROUP BY position ", k, " is not in select list"));
        target = outputs_[k - 1].ast;
        name = outputs_[k - 1].default_name;
      } else if (is_bare_name(*g) && !names_a_column(*g)) {
        for (const output_column& o : outputs_) {
          if (equals_ignore_case(o.name, g->name)) {
            target = o.ast;
            name = o.default_name;
            break;
          }
        }
      }
      if (target == g.get()) name = default_name(*g);
      SQL_ASSIGN_OR_RETURN(expr_ptr key, binder_.bind_row(*target, "GROUP BY"));
      bool duplicate = false;
      for (const expr_ptr& k : grouping_.keys) duplicate = duplicate || expr_equal(*k, *key);
      if (duplicate) continue;
      grouping_.keys.push_back(std::move(key));
      key_names_.push_back(std::move(name));
    }
    return absl::OkStatus();
  }

  // ORDER BY items: a 1-based position, an output column name, or an
  // expression; an expression not already in the select list becomes a
  // hidden project column that a final project drops.
  absl::Status bind_order_by(const std::function<absl::StatusOr<expr_ptr>(const ast_expr&)>& bind) {
    const size_t visible = outputs_.size();
    for (const order_item& item : stmt_.order_by) {
      const ast_expr& e = *item.expr;
      int column = -1;
      if (is_position(e)) {
        int64_t k = std::get<int64_t>(e.literal);
        if (k < 1 || static_cast<size_t>(k) > visible)
          return error_at(e.pos, absl::StrCat("ORDER BY position ", k, " is not in select list"));
        column = static_cast<int>(k - 1);
      } else if (is_bare_name(e) && is_output_alias(e)) {
        for (size_t i = 0; i < visible; ++i) {
          if (!equals_ignore_case(outputs_[i].name, e.name)) continue;
          if (column < 0) {
            column = static_cast<int>(i);
          } else if (!expr_equal(*exprs_[column], *exprs_[i])) {
            return error_at(e.pos, absl::StrCat("ORDER BY \"", e.name, "\" is ambiguous"));
          }
        }
      } else {
        SQL_ASSIGN_OR_RETURN(expr_ptr bound, bind(e));
        for (size_t i = 0; i < exprs_.size() && column < 0; ++i)
          if (expr_equal(*exprs_[i], *bound)) column = static_cast<int>(i);
        if (column < 0) {
          if (stmt_.distinct)
            return error_at(e.pos,
                            "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
          column = static_cast<int>(exprs_.size());
          fields_.push_back(field{default_name(e), bound->type});
          exprs_.push_back(std::move(bound));
        }
      }
      sort_keys_.push_back(sort_key{column, item.ascending, item.nulls_first});
    }
    return absl::OkStatus();
  }

  // --- joins --------------------------------------------------------------------

  // A partial join result: its plan and, for each of its columns, the FROM
  // row column it holds.
  struct component {
    logical_ptr plan;
    std::vector<int> canon;
    uint64_t rels = 0;
    double rows = 0;
  };

  size_t relation_of(int column) const {
    for (size_t r = 0; r < relations_.size(); ++r)
      if (column >= relations_[r].offset && column < relations_[r].offset + relations_[r].width)
        return r;
    return relations_.size();
  }

  // The relations `e` reads (FROM row columns only).
  uint64_t relations_in(const expr& e) const {
    uint64_t m = 0;
    if (e.op == expr_op::column) {
      size_t r = relation_of(e.index);
      if (r < relations_.size()) m |= bit(r);
    }
    for (const expr_ptr& a : e.args) m |= relations_in(*a);
    return m;
  }

  static expr_ptr onto(const expr_ptr& e, const component& c) {
    return remap_columns(e, [&](int i) {
      for (size_t k = 0; k < c.canon.size(); ++k)
        if (c.canon[k] == i) return static_cast<int>(k);
      return -1;
    });
  }

  component single(size_t r) const {
    component c;
    c.plan = relations_[r].plan;
    for (int i = 0; i < relations_[r].width; ++i) c.canon.push_back(relations_[r].offset + i);
    c.rels = bit(r);
    c.rows = estimate_size(*c.plan).rows;
    return c;
  }

  // Applies every unapplied WHERE term that `c` can evaluate as a filter.
  void apply_available(component& c) {
    std::vector<expr_ptr> now;
    for (size_t t = 0; t < where_terms_.size(); ++t) {
      if (applied_[t] || (term_rels_[t] & ~c.rels) != 0) continue;
      applied_[t] = true;
      now.push_back(onto(where_terms_[t], c));
    }
    if (!now.empty()) {
      c.plan = make_filter_node(c.plan, conjoin(now));
      c.rows = estimate_size(*c.plan).rows;
    }
  }

  // The equi-join keys between `a` and `b` among the unapplied terms (marked applied).
  void take_keys(const component& a, const component& b, std::vector<expr_ptr>& ka,
                 std::vector<expr_ptr>& kb, bool mark) {
    for (size_t t = 0; t < where_terms_.size(); ++t) {
      const expr& e = *where_terms_[t];
      if (applied_[t] || e.op != expr_op::eq) continue;
      uint64_t l = relations_in(*e.args[0]), r = relations_in(*e.args[1]);
      if (l == 0 || r == 0 || e.args[0]->type != e.args[1]->type) continue;
      int side = 0;
      if ((l & ~a.rels) == 0 && (r & ~b.rels) == 0) side = 1;
      if ((l & ~b.rels) == 0 && (r & ~a.rels) == 0) side = 2;
      if (side == 0) continue;
      if (mark) applied_[t] = true;
      ka.push_back(onto(e.args[side == 1 ? 0 : 1], a));
      kb.push_back(onto(e.args[side == 1 ? 1 : 0], b));
    }
  }

  static component joined(component a, const component& b, join_type type,
                          std::vector<expr_ptr> ka, std::vector<expr_ptr> kb, expr_ptr residual) {
    a.plan = make_join_node(type, a.plan, b.plan, ka, kb, std::move(residual));
    if (join_keeps_right(type)) {
      a.canon.insert(a.canon.end(), b.canon.begin(), b.canon.end());
      a.rels |= b.rels;
    }
    a.rows = estimate_size(*a.plan).rows;
    return a;
  }

  // Inner-joins `acc` (if any) and the pending relations, greedily.
  std::optional<component> join_pending(std::optional<component> acc, std::vector<size_t>& pending) {
    std::vector<component> comps;
    for (size_t r : pending) {
      component c = single(r);
      apply_available(c);
      comps.push_back(std::move(c));
    }
    pending.clear();
    if (!acc) {
      if (comps.empty()) return acc;
      size_t largest = 0;
      for (size_t i = 1; i < comps.size(); ++i)
        if (comps[i].rows > comps[largest].rows) largest = i;
      acc = std::move(comps[largest]);
      comps.erase(comps.begin() + static_cast<long>(largest));
    }
    while (!comps.empty()) {
      // The connected table whose join yields the fewest rows; a cross join
      // with the smallest table only when nothing is connected.
      size_t best = comps.size();
      bool best_connected = false;
      double best_rows = 0;
      for (size_t i = 0; i < comps.size(); ++i) {
        std::vector<expr_ptr> ka, kb;
        take_keys(*acc, comps[i], ka, kb, false);
        const bool connected = !ka.empty();
        double rows = comps[i].rows;
        if (connected) {
          std::vector<int> ia, ib;
          for (size_t k = 0; k < ka.size(); ++k) {
            ia.push_back(ka[k]->op == expr_op::column ? ka[k]->index : -1);
            ib.push_back(kb[k]->op == expr_op::column ? kb[k]->index : -1);
          }
          rows = estimate_join_rows(*acc->plan, *comps[i].plan, ia, ib);
        }
        if (best == comps.size() || (connected && !best_connected) ||
            (connected == best_connected && rows < best_rows)) {
          best = i;
          best_connected = connected;
          best_rows = rows;
        }
      }
      std::vector<expr_ptr> ka, kb;
      take_keys(*acc, comps[best], ka, kb, true);
      acc = joined(std::move(*acc), comps[best], join_type::inner, std::move(ka), std::move(kb),
                   nullptr);
      comps.erase(comps.begin() + static_cast<long>(best));
      apply_available(*acc);
    }
    return acc;
  }

  // LEFT JOIN of relation r onto `acc`.
  component left_join(component acc, size_t r) {
    component right = single(r);
    std::vector<expr_ptr> right_only, keys_l, keys_r, residual;
    for (const expr_ptr& t : relations_[r].on_terms) {
      const uint64_t m = relations_in(*t);
      if (m == bit(r)) {
        right_only.push_back(onto(t, right));
        continue;
      }
      if (t->op == expr_op::eq && t->args[0]->type == t->args[1]->type) {
        uint64_t a = relations_in(*t->args[0]), b = relations_in(*t->args[1]);
        if (a != 0 && b != 0) {
          if ((a & ~acc.rels) == 0 && b == bit(r)) {
            keys_l.push_back(onto(t->args[0], acc));
            keys_r.push_back(onto(t->args[1], right));
            continue;
          }
          if ((b & ~acc.rels) == 0 && a == bit(r)) {
            keys_l.push_back(onto(t->args[1], acc));
            keys_r.push_back(onto(t->args[0], right));
            continue;
          }
        }
      }
      residual.push_back(t);
    }
    if (!right_only.empty()) right.plan = make_filter_node(right.plan, conjoin(right_only));
    expr_ptr res;
    if (!residual.empty()) {
      component both = acc;
      both.canon.insert(both.canon.end(), right.canon.begin(), right.canon.end());
      res = onto(conjoin(residual), both);
    }
    component out = joined(std::move(acc), right, join_type::left, std::move(keys_l),
                           std::move(keys_r), std::move(res));
    apply_available(out);
    return out;
  }

  // The FROM clause joined, WHERE applied, in the FROM row's column order.
  absl::StatusOr<logical_ptr> build_from_tree() {
    const int width = static_cast<int>(scope_.columns.size());
    applied_.assign(where_terms_.size(), false);
    term_rels_.clear();
    for (const expr_ptr& t : where_terms_) term_rels_.push_back(relations_in(*t));
    // Terms on one relation filter it first.
    for (size_t r = 0; r < relations_.size(); ++r) {
      if (relations_[r].nullable) continue;
      component c = single(r);
      apply_available(c);
      relations_[r].plan = c.plan;
    }

    // Subquery conditions on one relation join it before anything else.
    std::vector<std::pair<join_type, correlated_join>> later;
    for (const subquery_condition& cond : subqueries_) {
      SQL_ASSIGN_OR_RETURN(correlated_join j, decorrelate(cond));
      size_t r = relations_.size();
      if (j.outer_rels != 0 && (j.outer_rels & (j.outer_rels - 1)) == 0) {
        for (size_t k = 0; k < relations_.size(); ++k)
          if (j.outer_rels == bit(k) && !relations_[k].nullable) r = k;
      }
      if (r == relations_.size()) {
        later.emplace_back(j.type, std::move(j));
        continue;
      }
      relation& rel = relations_[r];
      component c = single(r);
      component both = c;
      for (int i = 0; i < j.inner_width; ++i) both.canon.push_back(width + i);
      std::vector<expr_ptr> lk;
      for (const expr_ptr& k : j.outer_keys) lk.push_back(onto(k, c));
      rel.plan = make_join_node(j.type, rel.plan, j.plan, lk, j.inner_keys,
                                j.residual ? onto(j.residual, both) : nullptr);
    }

    std::optional<component> acc;
    std::vector<size_t> pending;
    for (size_t r = 0; r < relations_.size(); ++r) {
      if (!relations_[r].nullable) {
        pending.push_back(r);
        continue;
      }
      acc = join_pending(std::move(acc), pending);
      acc = left_join(std::move(*acc), r);
    }
    acc = join_pending(std::move(acc), pending);
    for (size_t t = 0; t < where_terms_.size(); ++t) {
      if (applied_[t]) continue;
      acc->plan = make_filter_node(acc->plan, onto(where_terms_[t], *acc));
    }
    // Back to the FROM row's order.
    std::vector<int> order(width, -1);
    for (size_t k = 0; k < acc->canon.size(); ++k) order[acc->canon[k]] = static_cast<int>(k);
    logical_ptr plan = acc->plan;
    bool identity = static_cast<int>(acc->canon.size()) == width;
    for (int i = 0; identity && i < width; ++i) identity = order[i] == i;
    if (!identity) plan = select_columns(plan, order);
    for (auto& [type, j] : later) {
      expr_ptr residual = j.residual;
      plan = make_join_node(type, plan, j.plan, j.outer_keys, j.inner_keys, residual);
    }
    return plan;
  }

  // A subquery condition as a semi or anti join: keys and residual over the
  // FROM row (outer side) and the subquery's row (inner side).
  struct correlated_join {
    join_type type = join_type::semi;
    logical_ptr plan;
    int inner_width = 0;
    std::vector<expr_ptr> outer_keys;  // over the FROM row
    std::vector<expr_ptr> inner_keys;  // over the subquery's row
    expr_ptr residual;                 // over the FROM row ++ the subquery's row
    uint64_t outer_rels = 0;           // the relations the outer side reads
  };

  absl::StatusOr<correlated_join> decorrelate(const subquery_condition& c) {
    const ast_expr& e = *c.ast;
    const bool in = e.kind == ast_kind::in_subquery;
    const int width = static_cast<int>(scope_.columns.size());
    correlated_join j;
    correlated_part part;
    if (is_simple(*e.subquery)) {
      select_binder sub(*e.subquery->terms[0], catalog_, ctes_, &scope_);
      SQL_ASSIGN_OR_RETURN(part, sub.run_correlated(in));
    } else {
      SQL_ASSIGN_OR_RETURN(part.plan, bind_query_in(*e.subquery, catalog_, ctes_, &scope_));
      part.width = static_cast<int>(part.plan->output.size());
      if (in) {
        if (part.width != 1)
          return error_at(e.pos, "a subquery used with IN must return one column");
        part.value = col(0, part.plan->output.fields[0].type);
      }
    }
    j.plan = part.plan;
    j.inner_width = part.width;
    const int iw = part.width;
    std::vector<expr_ptr> residual;
    for (const expr_ptr& t : part.correlated) {
      auto [lo, hi] = column_range(*t);
      if (hi >= iw + width)
        return error_at(e.pos, "a subquery may refer to the query just outside it, not further");
      if (t->op == expr_op::eq && t->args[0]->type == t->args[1]->type) {
        auto [alo, ahi] = column_range(*t->args[0]);
        auto [blo, bhi] = column_range(*t->args[1]);
        const bool a_inner = ahi >= 0 && ahi < iw, b_inner = bhi >= 0 && bhi < iw;
        const bool a_outer = ahi >= 0 && alo >= iw, b_outer = bhi >= 0 && blo >= iw;
        if ((a_inner && b_outer) || (a_outer && b_inner)) {
          const expr_ptr& inner = a_inner ? t->args[0] : t->args[1];
          const expr_ptr& outer = a_inner ? t->args[1] : t->args[0];
          j.inner_keys.push_back(inner);
          j.outer_keys.push_back(remap_columns(outer, [&](int i) { return i - iw; }));
          continue;
        }
      }
      residual.push_back(
          remap_columns(t, [&](int i) { return i >= iw ? i - iw : width + i; }));
    }
    if (!residual.empty()) j.residual = conjoin(residual);
    if (in) {
      SQL_ASSIGN_OR_RETURN(expr_ptr value, binder_.bind_row(*e.args[0], "IN"));
      expr_ptr inner = part.value;
      if (value->type != inner->type) {
        const bool numeric = (value->type == type_id::int64 || value->type == type_id::float64) &&
                             (inner->type == type_id::int64 || inner->type == type_id::float64);
        if (!numeric)
          return error_at(e.pos, absl::StrCat("IN compares ", std::string(type_name(value->type)),
                                              " with ", std::string(type_name(inner->type))));
        if (value->type == type_id::int64) value = cast(value, type_id::float64);
        if (inner->type == type_id::int64) inner = cast(inner, type_id::float64);
      }
      j.outer_keys.insert(j.outer_keys.begin(), value);
      j.inner_keys.insert(j.inner_keys.begin(), inner);
    }
    if (!c.negated) {
      j.type = join_type::semi;
    } else if (!in) {
      j.type = join_type::anti;
    } else {
      if (j.outer_keys.size() != 1 || j.residual)
        return error_at(e.pos, "NOT IN with a correlated subquery is not supported; "
                               "use NOT EXISTS");
      j.type = join_type::anti_null_aware;
    }
    for (const expr_ptr& k : j.outer_keys) j.outer_rels |= relations_in(*k);
    if (j.residual) {
      std::vector<bool> used(width, false);
      collect_columns(*j.residual, used);
      for (int i = 0; i < width; ++i)
        if (used[i]) j.outer_rels |= bit(relation_of(i));
    }
    return j;
  }

  // --- the tree -------------------------------------------------------------------

  absl::StatusOr<logical_ptr> build() {
    SQL_ASSIGN_OR_RETURN(logical_ptr top, build_from_tree());
    if (grouped_) {
      auto agg = make_node(logical_kind::aggregate, top);
      agg->output.fields.clear();
      for (size_t i = 0; i < grouping_.keys.size(); ++i) {
        agg->group_keys.push_back(grouping_.keys[i]);
        agg->output.fields.push_back(field{key_names_[i], grouping_.keys[i]->type});
      }
      for (const aggregate_call& c : grouping_.calls) {
        agg->output.fields.push_back(field{c.name, c.type});
        agg->aggregates.push_back(c);
      }
      top = agg;
      if (having_) top = make_filter_node(top, having_);
    }
    auto project = make_node(logical_kind::project, top);
    project->output.fields = fields_;
    project->exprs = exprs_;
    top = project;

    if (stmt_.distinct) {
      auto distinct = make_node(logical_kind::aggregate, top);
      for (size_t i = 0; i < fields_.size(); ++i)
        distinct->group_keys.push_back(col(static_cast<int>(i), fields_[i].type));
      top = distinct;
    }
    if (!sort_keys_.empty()) {
      auto sort = make_node(logical_kind::sort, top);
      sort->keys = sort_keys_;
      top = sort;
    }
    if (stmt_.limit >= 0) {
      auto limit = make_node(logical_kind::limit, top);
      limit->limit = stmt_.limit;
      top = limit;
    }
    if (exprs_.size() > outputs_.size()) {
      std::vector<int> visible(outputs_.size());
      for (size_t i = 0; i < outputs_.size(); ++i) visible[i] = static_cast<int>(i);
      top = select_columns(top, visible);
    }
    return top;
  }

  const select_stmt& stmt_;
  const catalog& catalog_;
  const cte_scope* ctes_;
  bool in_correlated_ = false;
  table_scope scope_;
  expr_binder binder_;  // refers to scope_
  std::vector<relation> relations_;
  std::vector<ast_ptr> synthetic_;  // column references standing for `*`
  std::vector<output_column> outputs_;
  std::vector<expr_ptr> where_terms_;  // over the FROM row
  std::vector<subquery_condition> subqueries_;
  std::vector<bool> applied_;       // build_from_tree: which where_terms_ are placed
  std::vector<uint64_t> term_rels_;  // and the relations each reads
  expr_ptr having_;
  bool grouped_ = false;
  grouping grouping_;
  std::vector<std::string> key_names_;
  std::vector<expr_ptr> exprs_;  // the project's: select list, then hidden sort columns
  std::vector<field> fields_;
  std::vector<sort_key> sort_keys_;
};

// UNION ALL: the terms' columns must agree in number; BIGINT meets DOUBLE as
// DOUBLE, other types must match. Names come from the first term.
absl::StatusOr<logical_ptr> bind_union(const query_stmt& q, const catalog& cat,
                                       const cte_scope* ctes, const table_scope* outer) {
  std::vector<logical_ptr> terms;
  for (const auto& t : q.terms) {
    SQL_ASSIGN_OR_RETURN(logical_ptr plan, select_binder(*t, cat, ctes, outer).run());
    terms.push_back(std::move(plan));
  }
  schema out = terms[0]->output;
  for (size_t k = 1; k < terms.size(); ++k) {
    const schema& s = terms[k]->output;
    if (s.size() != out.size())
      return error_at(q.terms[k]->items.empty() ? q.pos : q.terms[k]->items[0].pos,
                      absl::StrCat("each UNION ALL query must have the same number of columns (",
                                   out.size(), " and ", s.size(), ")"));
    for (size_t i = 0; i < s.size(); ++i) {
      type_id a = out.fields[i].type, b = s.fields[i].type;
      if (a == b) continue;
      const bool numeric = (a == type_id::int64 || a == type_id::float64) &&
                           (b == type_id::int64 || b == type_id::float64);
      if (!numeric)
        return error_at(q.terms[k]->items.empty() ? q.pos : q.terms[k]->items[0].pos,
                        absl::StrCat("UNION ALL column ", i + 1, " has types ",
                                     std::string(type_name(a)), " and ", std::string(type_name(b))));
      out.fields[i].type = type_id::float64;
    }
  }
  auto u = std::make_shared<logical_node>();
  u->kind = logical_kind::union_all;
  u->output = out;
  for (logical_ptr& t : terms) {
    bool same = true;
    for (size_t i = 0; i < out.size(); ++i)
      same = same && t->output.fields[i].type == out.fields[i].type &&
             t->output.fields[i].name == out.fields[i].name;
    if (!same) {
      std::vector<expr_ptr> exprs;
      std::vector<std::string> names;
      for (size_t i = 0; i < out.size(); ++i) {
        expr_ptr c = col(static_cast<int>(i), t->output.fields[i].type);
        if (c->type != out.fields[i].type) c = cast(c, out.fields[i].type);
        exprs.push_back(c);
        names.push_back(out.fields[i].name);
      }
      t = make_project_node(t, std::move(exprs), std::move(names));
    }
    u->inputs.push_back(t);
  }
  logical_ptr top = u;
  if (!q.order_by.empty()) {
    auto sort = make_node(logical_kind::sort, top);
    for (const order_item& item : q.order_by) {
      const ast_expr& e = *item.expr;
      int column = -1;
      if (is_position(e)) {
        int64_t k = std::get<int64_t>(e.literal);
        if (k < 1 || static_cast<size_t>(k) > out.size())
          return error_at(e.pos, absl::StrCat("ORDER BY position ", k, " is not in select list"));
        column = static_cast<int>(k - 1);
      } else if (is_bare_name(e)) {
        column = out.find(e.name);
      }
      if (column < 0)
        return error_at(e.pos,
                        "ORDER BY of a UNION ALL must name an output column or give its position");
      sort->keys.push_back(sort_key{column, item.ascending, item.nulls_first});
    }
    top = sort;
  }
  if (q.limit >= 0) {
    auto limit = make_node(logical_kind::limit, top);
    limit->limit = q.limit;
    top = limit;
  }
  return top;
}

absl::StatusOr<logical_ptr> bind_query_in(const query_stmt& q, const catalog& cat,
                                          const cte_scope* ctes, const table_scope* outer) {
  cte_scope with{ctes, {}};
  for (const common_table& c : q.with) {
    for (const auto& [name, plan] : with.tables)
      if (equals_ignore_case(name, c.name))
        return error_at(c.pos, absl::StrCat("WITH query name \"", c.name,
                                            "\" specified more than once"));
    SQL_ASSIGN_OR_RETURN(logical_ptr plan, bind_query_in(*c.query, cat, &with, nullptr));
    with.tables.emplace_back(c.name, std::move(plan));
  }
  if (q.terms.size() == 1) return select_binder(*q.terms[0], cat, &with, outer).run();
  return bind_union(q, cat, &with, outer);
}

}  // namespace

absl::StatusOr<logical_ptr> bind_query(const query_stmt& q, const catalog& cat) {
  SQL_ASSIGN_OR_RETURN(logical_ptr plan, bind_query_in(q, cat, nullptr, nullptr));
  return prune_columns(plan);
}

}  // namespace tranche::sql
