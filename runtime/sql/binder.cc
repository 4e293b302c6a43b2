// Implementation of binder.h: the clauses of a query (select list, GROUP BY,
// HAVING, ORDER BY, LIMIT, UNION ALL, WITH) and the plan of each FROM entry.
// A SELECT's FROM row, its WHERE terms and subquery conditions, and its join
// tree are from_tree.h's.
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

#include <functional>

#include "absl/strings/str_cat.h"
#include "sql/expr_binder.h"
#include "sql/from_tree.h"
#include "sql/logical_util.h"

namespace tranche::sql {
namespace {

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

class select_binder {
 public:
  select_binder(const select_stmt& stmt, const catalog& cat, const cte_scope* ctes,
                const table_scope* outer)
      : stmt_(stmt), binder_(scope_), from_(stmt, cat, ctes, scope_, binder_) {
    scope_.outer = outer;
  }

  absl::StatusOr<logical_ptr> run() {
    SQL_RETURN_IF_ERROR(from_.bind_from());
    SQL_RETURN_IF_ERROR(expand_select_list());
    SQL_RETURN_IF_ERROR(check_names_in_order());
    SQL_RETURN_IF_ERROR(from_.bind_conditions());
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

 private:
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

  // --- the tree -------------------------------------------------------------------

  absl::StatusOr<logical_ptr> build() {
    SQL_ASSIGN_OR_RETURN(logical_ptr top, from_.build());
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
  table_scope scope_;
  expr_binder binder_;              // refers to scope_
  from_tree from_;                  // the FROM row, in scope_
  std::vector<ast_ptr> synthetic_;  // column references standing for `*`
  std::vector<output_column> outputs_;
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

}  // namespace

absl::StatusOr<logical_ptr> bind_from_item(const from_item& item, const catalog& cat,
                                           const cte_scope* ctes, std::string* name) {
  if (item.derived) {
    *name = item.alias;
    return bind_query_in(*item.derived, cat, ctes, nullptr);
  }
  if (ctes != nullptr) {
    if (const logical_ptr* plan = ctes->find(item.table)) {
      *name = item.table;
      return *plan;
    }
    // A broken view: its own error ("in view ..."), wherever it is used.
    if (const auto* broken = ctes->find_unusable(item.table, true)) return broken->error;
  }
  absl::StatusOr<table_info> info = cat.lookup(item.table);
  std::vector<std::string> names;
  if (!info.ok() && absl::IsNotFound(info.status())) {
    // Identifiers are case-insensitive even if the catalog is not.
    names = cat.names();
    for (const std::string& n : names) {
      if (equals_ignore_case(n, item.table)) {
        info = cat.lookup(n);
        break;
      }
    }
  }
  if (!info.ok()) {
    if (ctes != nullptr && absl::IsNotFound(info.status()))
      if (const auto* later = ctes->find_unusable(item.table, false))
        return error_at(item.pos, std::string(later->error.message()));
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

absl::StatusOr<logical_ptr> bind_query_in(const query_stmt& q, const catalog& cat,
                                          const cte_scope* ctes, const table_scope* outer) {
  cte_scope with{ctes, {}, {}};
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

absl::StatusOr<logical_ptr> bind_query(const query_stmt& q, const catalog& cat,
                                       const cte_scope* views) {
  SQL_ASSIGN_OR_RETURN(logical_ptr plan, bind_query_in(q, cat, views, nullptr));
  return prune_columns(plan);
}

}  // namespace tranche::sql
