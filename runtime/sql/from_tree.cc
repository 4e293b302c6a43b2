// Implementation of from_tree.h: binding the FROM entries and scalar
// subqueries as relations, splitting WHERE and ON into terms, decorrelating
// EXISTS / IN subqueries, and building the join tree (build_from_tree).
#include "sql/from_tree.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "sql/logical_util.h"

namespace tranche::sql {
namespace {

constexpr size_t kMaxRelations = 64;

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

}  // namespace

class from_tree::impl {
 public:
  impl(const select_stmt& stmt, const catalog& cat, const cte_scope* ctes, table_scope& scope,
       expr_binder& binder)
      : stmt_(stmt), catalog_(cat), ctes_(ctes), scope_(scope), binder_(binder) {
    binder_.set_subquery_hook([this](const ast_expr& e) { return bind_scalar_subquery(e); });
  }

  absl::Status bind_from() {
    for (const from_item& item : stmt_.from) {
      if (relations_.size() >= kMaxRelations)
        return error_at(item.pos, absl::StrCat("more than ", kMaxRelations, " tables in FROM"));
      std::string name;
      SQL_ASSIGN_OR_RETURN(logical_ptr plan, bind_from_item(item, catalog_, ctes_, &name));
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

  absl::StatusOr<logical_ptr> build() { return build_from_tree(); }

  absl::Status bind_conditions() {
    SQL_RETURN_IF_ERROR(bind_where(false));
    return bind_on_clauses();
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

  // --- scalar subqueries ----------------------------------------------------

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

  // --- WHERE and ON -----------------------------------------------------------

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

  // --- joins ---------------------------------------------------------------

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

  component single(size_t r) {
    component c;
    c.plan = relations_[r].plan;
    for (int i = 0; i < relations_[r].width; ++i) c.canon.push_back(relations_[r].offset + i);
    c.rels = bit(r);
    c.rows = estimates_.size(*c.plan).rows;
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
      c.rows = estimates_.size(*c.plan).rows;
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

  component joined(component a, const component& b, join_type type, std::vector<expr_ptr> ka,
                   std::vector<expr_ptr> kb, expr_ptr residual) {
    a.plan = make_join_node(type, a.plan, b.plan, ka, kb, std::move(residual));
    if (join_keeps_right(type)) {
      a.canon.insert(a.canon.end(), b.canon.begin(), b.canon.end());
      a.rels |= b.rels;
    }
    a.rows = estimates_.size(*a.plan).rows;
    return a;
  }

  // Inner-joins `acc` (if any) and the pending relations, greedily.
  std::optional<component> join_pending(std::optional<component> acc,
                                        std::vector<size_t>& pending) {
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
          rows = estimates_.join_rows(*acc->plan, *comps[i].plan, ia, ib);
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
      table_scope scope;
      scope.outer = &scope_;
      expr_binder binder(scope);
      impl sub(*e.subquery->terms[0], catalog_, ctes_, scope, binder);
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
      residual.push_back(remap_columns(t, [&](int i) { return i >= iw ? i - iw : width + i; }));
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
        return error_at(e.pos,
                        "NOT IN with a correlated subquery is not supported; "
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

  const select_stmt& stmt_;
  const catalog& catalog_;
  const cte_scope* ctes_;
  table_scope& scope_;
  expr_binder& binder_;  // resolves names in scope_
  bool in_correlated_ = false;
  std::vector<relation> relations_;
  std::vector<expr_ptr> where_terms_;  // over the FROM row
  std::vector<subquery_condition> subqueries_;
  std::vector<bool> applied_;        // build_from_tree: which where_terms_ are placed
  std::vector<uint64_t> term_rels_;  // and the relations each reads
  estimate_cache estimates_;         // build_from_tree's join order: each node estimated once
};

from_tree::from_tree(const select_stmt& stmt, const catalog& cat, const cte_scope* ctes,
                     table_scope& scope, expr_binder& binder)
    : impl_(std::make_unique<impl>(stmt, cat, ctes, scope, binder)) {}

from_tree::~from_tree() = default;

absl::Status from_tree::bind_from() { return impl_->bind_from(); }

absl::Status from_tree::bind_conditions() { return impl_->bind_conditions(); }

absl::StatusOr<logical_ptr> from_tree::build() { return impl_->build(); }

}  // namespace tranche::sql
