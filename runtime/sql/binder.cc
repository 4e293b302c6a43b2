// Implementation of binder.h. Expressions are first bound over the table's
// full schema; once every clause is bound, the columns actually referenced
// are known and the expressions below the projection (or the aggregate) are
// renumbered to the scan's narrower output.
#include "sql/binder.h"

#include <functional>

#include "absl/strings/str_cat.h"
#include "sql/expr_binder.h"

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

// Renumbers column references through `map` (table index -> scan index).
expr_ptr remap(const expr_ptr& e, const std::vector<int>& map) {
  if (e->op == expr_op::column) return col(map[e->index], e->type);
  if (e->args.empty()) return e;
  auto copy = std::make_shared<expr>(*e);
  for (expr_ptr& a : copy->args) a = remap(a, map);
  return copy;
}

void collect_columns(const expr& e, std::vector<bool>& used) {
  if (e.op == expr_op::column && e.index >= 0 && static_cast<size_t>(e.index) < used.size())
    used[e.index] = true;
  for (const expr_ptr& a : e.args) collect_columns(*a, used);
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

class query_binder {
 public:
  query_binder(const select_stmt& stmt, const catalog& cat)
      : stmt_(stmt), catalog_(cat), binder_(scope_) {}

  absl::StatusOr<logical_ptr> run() {
    SQL_RETURN_IF_ERROR(lookup_table());
    SQL_RETURN_IF_ERROR(expand_select_list());
    SQL_RETURN_IF_ERROR(check_names_in_order());
    if (stmt_.where) {
      SQL_ASSIGN_OR_RETURN(expr_ptr where, binder_.bind_row(*stmt_.where, "WHERE"));
      SQL_ASSIGN_OR_RETURN(where_, binder_.require_boolean(*stmt_.where, where, "WHERE"));
    }
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
  absl::Status lookup_table() {
    absl::StatusOr<table_info> info = catalog_.lookup(stmt_.table);
    std::vector<std::string> names;
    if (!info.ok() && absl::IsNotFound(info.status())) {
      // Identifiers are case-insensitive even if the catalog is not.
      names = catalog_.names();
      for (const std::string& n : names) {
        if (equals_ignore_case(n, stmt_.table)) {
          info = catalog_.lookup(n);
          break;
        }
      }
    }
    if (!info.ok()) {
      if (absl::IsNotFound(info.status()))
        return error_at(
            stmt_.table_pos, absl::StatusCode::kNotFound,
            absl::StrCat("unknown table \"", stmt_.table, "\"", did_you_mean(stmt_.table, names)));
      return error_at(stmt_.table_pos, info.status().code(),
                      absl::StrCat("table \"", stmt_.table, "\": ", info.status().message()));
    }
    table_ = *std::move(info);
    scope_.name = table_.name;
    scope_.alias = stmt_.table_alias;
    scope_.columns = table_.columns;
    return absl::OkStatus();
  }

  std::string default_name(const ast_expr& e) const {
    if (e.kind == ast_kind::column_ref) {
      absl::StatusOr<int> index = binder_.resolve_column(e);
      return index.ok() ? scope_.columns.fields[*index].name : e.name;
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
      if (!item.star_qualifier.empty()) {
        if (!scope_.accepts_qualifier(item.star_qualifier))
          return error_at(item.pos, absl::StrCat("missing FROM-clause entry for table \"",
                                                 item.star_qualifier, "\""));
      }
      // `*` stands for one column reference per table column, bound like any other.
      for (const field& f : scope_.columns.fields) {
        auto ref = std::make_unique<ast_expr>();
        ref->kind = ast_kind::column_ref;
        ref->pos = item.pos;
        ref->name = f.name;
        outputs_.push_back(output_column{ref.get(), f.name, f.name});
        synthetic_.push_back(std::move(ref));
      }
    }
    return absl::OkStatus();
  }

  bool is_output_alias(const ast_expr& e) const {
    for (const output_column& o : outputs_)
      if (equals_ignore_case(o.name, e.name)) return true;
    return false;
  }

  absl::Status check_names_in_order() {
    for (const output_column& o : outputs_) SQL_RETURN_IF_ERROR(binder_.check_names(*o.ast));
    if (stmt_.where) SQL_RETURN_IF_ERROR(binder_.check_names(*stmt_.where));
    for (const ast_ptr& g : stmt_.group_by) {
      if (is_position(*g)) continue;
      if (is_bare_name(*g) && scope_.columns.find(g->name) < 0 && is_output_alias(*g)) continue;
      SQL_RETURN_IF_ERROR(binder_.check_names(*g));
    }
    if (stmt_.having) SQL_RETURN_IF_ERROR(binder_.check_names(*stmt_.having));
    for (const order_item& o : stmt_.order_by) {
      if (is_position(*o.expr) || (is_bare_name(*o.expr) && is_output_alias(*o.expr))) continue;
      SQL_RETURN_IF_ERROR(binder_.check_names(*o.expr));
    }
    return absl::OkStatus();
  }

  // GROUP BY items: a 1-based select-list position, a table column or
  // expression, or (when no table column has that name) a select alias.
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
      } else if (is_bare_name(*g) && scope_.columns.find(g->name) < 0) {
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
          column = static_cast<int>(exprs_.size());
          fields_.push_back(field{default_name(e), bound->type});
          exprs_.push_back(std::move(bound));
        }
      }
      sort_keys_.push_back(sort_key{column, item.ascending, item.nulls_first});
    }
    return absl::OkStatus();
  }

  logical_ptr build() {
    // Scan only the referenced columns, in table order.
    std::vector<bool> used(scope_.columns.size(), false);
    if (where_) collect_columns(*where_, used);
    for (const expr_ptr& k : grouping_.keys) collect_columns(*k, used);
    for (const aggregate_call& c : grouping_.calls)
      if (c.arg) collect_columns(*c.arg, used);
    if (!grouped_)
      for (const expr_ptr& e : exprs_) collect_columns(*e, used);
    std::vector<int> map(scope_.columns.size(), -1);
    auto scan = make_node(logical_kind::scan, nullptr);
    scan->table = table_.name;
    scan->files = table_.files;
    scan->table_schema = table_.columns;
    scan->format = table_.format;
    for (size_t i = 0; i < used.size(); ++i) {
      if (!used[i]) continue;
      map[i] = static_cast<int>(scan->columns.size());
      scan->columns.push_back(static_cast<int>(i));
      scan->output.fields.push_back(scope_.columns.fields[i]);
    }
    logical_ptr top = scan;

    if (where_) {
      auto filter = make_node(logical_kind::filter, top);
      filter->predicate = remap(where_, map);
      top = filter;
    }
    if (grouped_) {
      auto agg = make_node(logical_kind::aggregate, top);
      agg->output.fields.clear();
      for (size_t i = 0; i < grouping_.keys.size(); ++i) {
        agg->group_keys.push_back(remap(grouping_.keys[i], map));
        agg->output.fields.push_back(field{key_names_[i], grouping_.keys[i]->type});
      }
      for (aggregate_call c : grouping_.calls) {
        if (c.arg) c.arg = remap(c.arg, map);
        agg->output.fields.push_back(field{c.name, c.type});
        agg->aggregates.push_back(std::move(c));
      }
      top = agg;
      if (having_) {
        auto filter = make_node(logical_kind::filter, top);
        filter->predicate = having_;
        top = filter;
      }
    }
    auto project = make_node(logical_kind::project, top);
    project->output.fields = fields_;
    for (const expr_ptr& e : exprs_) project->exprs.push_back(grouped_ ? e : remap(e, map));
    top = project;

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
      auto final_project = make_node(logical_kind::project, top);
      final_project->output.fields.resize(outputs_.size());
      for (size_t i = 0; i < outputs_.size(); ++i)
        final_project->exprs.push_back(col(static_cast<int>(i), fields_[i].type));
      top = final_project;
    }
    return top;
  }

  const select_stmt& stmt_;
  const catalog& catalog_;
  table_info table_;
  table_scope scope_;
  expr_binder binder_;              // refers to scope_, filled in by lookup_table
  std::vector<ast_ptr> synthetic_;  // column references standing for `*`
  std::vector<output_column> outputs_;
  expr_ptr where_;
  expr_ptr having_;
  bool grouped_ = false;
  grouping grouping_;
  std::vector<std::string> key_names_;
  std::vector<expr_ptr> exprs_;  // the project's: select list, then hidden sort columns
  std::vector<field> fields_;
  std::vector<sort_key> sort_keys_;
};

}  // namespace

absl::StatusOr<logical_ptr> bind_select(const select_stmt& stmt, const catalog& cat) {
  return query_binder(stmt, cat).run();
}

}  // namespace tranche::sql
