// Helpers for the plan codec tests: field-by-field comparison of expressions,
// logical trees, portions, plans and tasks (each returns the first difference
// as text, or "" when equal), sample objects that exercise every op and kind
// and pass the decoder's checks, and a way to edit an encoded message through
// its Cap'n Proto builder to hand-craft malformed input.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "capnp/message.h"
#include "capnp/serialize.h"
#include "exec/expr.h"
#include "plan/logical.h"
#include "plan/plan.h"
#include "plan/task.h"

namespace tranche::testing {

inline std::string diff_value(const value& a, const value& b, const std::string& at) {
  if (a.index() != b.index())
    return absl::StrCat(at, ": value kind ", a.index(), " vs ", b.index());
  // Bitwise for doubles so NaN and -0.0 count as preserved.
  if (a.index() == 2) {
    double x = std::get<double>(a), y = std::get<double>(b);
    if (std::memcmp(&x, &y, sizeof x) != 0) return absl::StrCat(at, ": ", x, " vs ", y);
    return "";
  }
  if (a != b) return absl::StrCat(at, ": ", to_string(a), " vs ", to_string(b));
  return "";
}

inline std::string diff_expr(const expr* a, const expr* b, const std::string& at) {
  if (!a || !b) return (!a && !b) ? "" : absl::StrCat(at, ": null vs non-null");
  if (a->op != b->op)
    return absl::StrCat(at, ": op ", static_cast<int>(a->op), " vs ", static_cast<int>(b->op));
  if (a->type != b->type) return absl::StrCat(at, ": type differs");
  if (a->index != b->index) return absl::StrCat(at, ": index ", a->index, " vs ", b->index);
  if (auto d = diff_value(a->literal, b->literal, at + ".literal"); !d.empty()) return d;
  if (a->args.size() != b->args.size()) return absl::StrCat(at, ": arg count differs");
  for (size_t i = 0; i < a->args.size(); ++i)
    if (auto d = diff_expr(a->args[i].get(), b->args[i].get(), absl::StrCat(at, ".args[", i, "]"));
        !d.empty())
      return d;
  return "";
}

inline std::string diff_exprs(const std::vector<expr_ptr>& a, const std::vector<expr_ptr>& b,
                              const std::string& at) {
  if (a.size() != b.size()) return absl::StrCat(at, ": ", a.size(), " vs ", b.size(), " exprs");
  for (size_t i = 0; i < a.size(); ++i)
    if (auto d = diff_expr(a[i].get(), b[i].get(), absl::StrCat(at, "[", i, "]")); !d.empty())
      return d;
  return "";
}

inline std::string diff_schema(const schema& a, const schema& b, const std::string& at) {
  if (a.size() != b.size()) return absl::StrCat(at, ": ", a.size(), " vs ", b.size(), " fields");
  for (size_t i = 0; i < a.size(); ++i)
    if (a.fields[i].name != b.fields[i].name || a.fields[i].type != b.fields[i].type)
      return absl::StrCat(at, ": field ", i, " ", a.fields[i].name, " vs ", b.fields[i].name);
  return "";
}

inline std::string diff_aggs(const std::vector<aggregate_call>& a,
                             const std::vector<aggregate_call>& b, const std::string& at) {
  if (a.size() != b.size()) return absl::StrCat(at, ": ", a.size(), " vs ", b.size(), " calls");
  for (size_t i = 0; i < a.size(); ++i) {
    std::string w = absl::StrCat(at, "[", i, "]");
    if (a[i].fn != b[i].fn || a[i].type != b[i].type || a[i].name != b[i].name)
      return absl::StrCat(w, ": fn/type/name differ");
    if (auto d = diff_expr(a[i].arg.get(), b[i].arg.get(), w + ".arg"); !d.empty()) return d;
  }
  return "";
}

inline std::string diff_keys(const std::vector<sort_key>& a, const std::vector<sort_key>& b,
                             const std::string& at) {
  if (a.size() != b.size()) return absl::StrCat(at, ": ", a.size(), " vs ", b.size(), " keys");
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].column != b[i].column || a[i].ascending != b[i].ascending ||
        a[i].nulls_first != b[i].nulls_first)
      return absl::StrCat(at, "[", i, "] differs");
  return "";
}

inline std::string diff_format(const csv_format& a, const csv_format& b, const std::string& at) {
  if (a.delimiter != b.delimiter || a.header != b.header) return at + ": csv format differs";
  return "";
}

// Joins the first non-empty difference of a list of checks.
inline std::string first_of(std::initializer_list<std::string> diffs) {
  for (const auto& d : diffs)
    if (!d.empty()) return d;
  return "";
}

inline std::string diff_logical(const logical_node* a, const logical_node* b,
                                const std::string& at) {
  if (!a || !b) return (!a && !b) ? "" : at + ": null vs non-null";
  if (a->kind != b->kind) return at + ": kind differs";
  if (a->inputs.size() != b->inputs.size()) return at + ": input count differs";
  for (size_t i = 0; i < a->inputs.size(); ++i)
    if (auto d = diff_logical(a->inputs[i].get(), b->inputs[i].get(),
                              absl::StrCat(at, ".inputs[", i, "]"));
        !d.empty())
      return d;
  return first_of({
      diff_schema(a->output, b->output, at + ".output"),
      a->table != b->table ? at + ".table differs" : "",
      a->files != b->files ? at + ".files differ" : "",
      diff_schema(a->table_schema, b->table_schema, at + ".table_schema"),
      a->columns != b->columns ? at + ".columns differ" : "",
      diff_format(a->format, b->format, at + ".format"),
      diff_expr(a->predicate.get(), b->predicate.get(), at + ".predicate"),
      diff_exprs(a->exprs, b->exprs, at + ".exprs"),
      diff_exprs(a->group_keys, b->group_keys, at + ".group_keys"),
      diff_aggs(a->aggregates, b->aggregates, at + ".aggregates"),
      diff_keys(a->keys, b->keys, at + ".keys"),
      a->limit != b->limit ? at + ".limit differs" : "",
  });
}

inline std::string diff_step(const pipeline_step& a, const pipeline_step& b,
                             const std::string& at) {
  return first_of({
      a.kind != b.kind ? at + ".kind differs" : "",
      diff_schema(a.output, b.output, at + ".output"),
      diff_expr(a.predicate.get(), b.predicate.get(), at + ".predicate"),
      diff_exprs(a.exprs, b.exprs, at + ".exprs"),
      diff_aggs(a.aggregates, b.aggregates, at + ".aggregates"),
      a.num_keys != b.num_keys ? at + ".num_keys differs" : "",
      diff_keys(a.keys, b.keys, at + ".keys"),
      a.limit != b.limit ? at + ".limit differs" : "",
  });
}

inline std::string diff_splits(const std::vector<std::vector<file_split>>& a,
                               const std::vector<std::vector<file_split>>& b,
                               const std::string& at) {
  if (a.size() != b.size()) return at + ": task count differs";
  for (size_t t = 0; t < a.size(); ++t) {
    if (a[t].size() != b[t].size()) return absl::StrCat(at, "[", t, "]: split count differs");
    for (size_t i = 0; i < a[t].size(); ++i)
      if (a[t][i].path != b[t][i].path || a[t][i].offset != b[t][i].offset ||
          a[t][i].length != b[t][i].length)
        return absl::StrCat(at, "[", t, "][", i, "] differs");
  }
  return "";
}

inline std::string diff_portion(const portion_spec& a, const portion_spec& b,
                                const std::string& at) {
  std::string steps;
  if (a.steps.size() != b.steps.size()) steps = at + ": step count differs";
  for (size_t i = 0; steps.empty() && i < a.steps.size(); ++i)
    steps = diff_step(a.steps[i], b.steps[i], absl::StrCat(at, ".steps[", i, "]"));
  return first_of({
      a.id != b.id ? at + ".id differs" : "",
      a.name != b.name ? at + ".name differs" : "",
      a.source != b.source ? at + ".source differs" : "",
      diff_schema(a.file_schema, b.file_schema, at + ".file_schema"),
      a.columns != b.columns ? at + ".columns differ" : "",
      diff_format(a.format, b.format, at + ".format"),
      diff_splits(a.task_splits, b.task_splits, at + ".task_splits"),
      a.inputs != b.inputs ? at + ".inputs differ" : "",
      diff_schema(a.input_schema, b.input_schema, at + ".input_schema"),
      steps,
      diff_schema(a.output, b.output, at + ".output"),
      a.sink != b.sink ? at + ".sink differs" : "",
      a.partition_keys != b.partition_keys ? at + ".partition_keys differ" : "",
      a.partitions != b.partitions ? at + ".partitions differs" : "",
      a.tasks != b.tasks ? at + ".tasks differs" : "",
      a.memory_per_task != b.memory_per_task ? at + ".memory_per_task differs" : "",
  });
}

inline std::string diff_plan(const plan& a, const plan& b) {
  if (a.portions.size() != b.portions.size()) return "portion count differs";
  for (size_t i = 0; i < a.portions.size(); ++i)
    if (auto d = diff_portion(a.portions[i], b.portions[i], absl::StrCat("portions[", i, "]"));
        !d.empty())
      return d;
  return diff_schema(a.result, b.result, "result");
}

inline std::string diff_task(const task_spec& a, const task_spec& b) {
  return first_of({
      a.program != b.program ? "program differs" : "",
      diff_portion(a.portion, b.portion, "portion"),
      a.task != b.task ? "task differs" : "",
      a.inputs != b.inputs ? "inputs differ" : "",
  });
}

// ---- samples

// The table every sample reads: id BIGINT, price DOUBLE, flag BOOLEAN,
// name VARCHAR, day DATE.
inline schema table_schema() {
  return schema{{{"id", type_id::int64},
                 {"price", type_id::float64},
                 {"flag", type_id::boolean},
                 {"name", type_id::string},
                 {"day", type_id::date}}};
}

inline schema schema_of(const std::vector<expr_ptr>& exprs, const std::string& prefix) {
  schema s;
  for (size_t i = 0; i < exprs.size(); ++i)
    s.fields.push_back({absl::StrCat(prefix, i), exprs[i]->type});
  return s;
}

// One expression per op, and literals of every kind (NULLs of several types,
// dates, the empty string, negative and fractional numbers), over the full
// table schema.
inline std::vector<expr_ptr> every_op_exprs() {
  auto id = col(0, type_id::int64), price = col(1, type_id::float64);
  auto flag = col(2, type_id::boolean), name = col(3, type_id::string);
  auto day = col(4, type_id::date);
  int64_t d = days_from_civil(1998, 9, 2);
  return {
      id,
      lit(value{}, type_id::int64),
      lit(value{}, type_id::date),
      lit(value{}, type_id::string),
      lit(int64_t{-42}, type_id::int64),
      lit(3.25, type_id::float64),
      lit(true, type_id::boolean),
      lit(false, type_id::boolean),
      lit(std::string("h\xc3\xa9llo, 'w'"), type_id::string),
      lit(std::string(), type_id::string),
      lit(date_value{d}, type_id::date),
      binary(expr_op::add, id, lit(int64_t{1}, type_id::int64)),
      binary(expr_op::sub, price, id),
      binary(expr_op::mul, id, id),
      binary(expr_op::div, id, lit(int64_t{0}, type_id::int64)),
      binary(expr_op::mod, id, lit(int64_t{7}, type_id::int64)),
      unary(expr_op::neg, price),
      binary(expr_op::eq, name, lit(std::string("x"), type_id::string)),
      binary(expr_op::ne, flag, lit(value{}, type_id::boolean)),
      binary(expr_op::lt, day, lit(date_value{d}, type_id::date)),
      binary(expr_op::le, price, lit(1e300, type_id::float64)),
      binary(expr_op::gt, id, lit(int64_t{INT64_MIN}, type_id::int64)),
      binary(expr_op::ge, price, cast(id, type_id::float64)),
      binary(expr_op::and_, flag, unary(expr_op::not_, flag)),
      binary(expr_op::or_, unary(expr_op::is_null, name), unary(expr_op::is_not_null, day)),
      cast(price, type_id::string),
      cast(name, type_id::date),
      cast(lit(value{}, type_id::int64), type_id::boolean),
      nary(expr_op::case_,
           {flag, id, binary(expr_op::gt, id, id), lit(value{}, type_id::int64),
            lit(int64_t{3}, type_id::int64)},
           type_id::int64),
      nary(expr_op::case_, {flag, name}, type_id::string),
      nary(expr_op::like, {name, lit(std::string("%a_b%"), type_id::string)}),
      nary(expr_op::in_list, {day, lit(date_value{d}, type_id::date), lit(value{}, type_id::date)}),
      nary(expr_op::add_days, {day, lit(int64_t{-90}, type_id::int64)}),
      nary(expr_op::add_months, {day, id}),
      nary(expr_op::extract_year, {day}),
      nary(expr_op::extract_month, {day}),
      nary(expr_op::extract_day, {day}),
      nary(expr_op::substring, {name, id}),
      nary(expr_op::substring, {name, lit(int64_t{1}, type_id::int64), id}),
  };
}

// A chain of `depth` expressions: NOT NOT ... flag.
inline expr_ptr nested_not(int depth) {
  expr_ptr e = col(2, type_id::boolean);
  for (int i = 1; i < depth; ++i) e = unary(expr_op::not_, e);
  return e;
}

inline logical_ptr scan_node() {
  auto n = std::make_shared<logical_node>();
  n->kind = logical_kind::scan;
  n->table = "lineitem";
  n->files = {"/data/l/part-0.csv", "/data/l/part-1.csv"};
  n->table_schema = table_schema();
  n->columns = {0, 1, 2, 3, 4};
  n->output = table_schema();
  n->format = csv_format{'|', false};
  return n;
}

inline logical_ptr project_node(logical_ptr input, std::vector<expr_ptr> exprs) {
  auto n = std::make_shared<logical_node>();
  n->kind = logical_kind::project;
  n->output = schema_of(exprs, "e");
  n->exprs = std::move(exprs);
  n->inputs = {std::move(input)};
  return n;
}

// The aggregate calls of the samples over (id, price, flag, name, day).
inline std::vector<aggregate_call> sample_aggregates() {
  return {
      {agg_fn::count_star, nullptr, type_id::int64, "n"},
      {agg_fn::count, col(3, type_id::string), type_id::int64, "names"},
      {agg_fn::sum, col(1, type_id::float64), type_id::float64, "total"},
      {agg_fn::avg, col(0, type_id::int64), type_id::float64, "mean"},
      {agg_fn::min, col(4, type_id::date), type_id::date, "first"},
      {agg_fn::max, col(3, type_id::string), type_id::string, "last"},
  };
}

// scan -> filter -> project -> aggregate -> sort -> limit.
inline logical_ptr every_kind_tree() {
  auto filter = std::make_shared<logical_node>();
  filter->kind = logical_kind::filter;
  filter->inputs = {scan_node()};
  filter->output = table_schema();
  filter->predicate = binary(expr_op::gt, col(1, type_id::float64), lit(10.5, type_id::float64));

  auto project = project_node(
      filter, {col(0, type_id::int64), col(1, type_id::float64), col(2, type_id::boolean),
               col(3, type_id::string), col(4, type_id::date)});

  auto agg = std::make_shared<logical_node>();
  agg->kind = logical_kind::aggregate;
  agg->inputs = {project};
  agg->group_keys = {col(2, type_id::boolean), cast(col(0, type_id::int64), type_id::string)};
  agg->aggregates = sample_aggregates();
  agg->output.fields = {{"flag", type_id::boolean}, {"id_text", type_id::string}};
  for (const auto& a : agg->aggregates) agg->output.fields.push_back({a.name, a.type});

  auto sort = std::make_shared<logical_node>();
  sort->kind = logical_kind::sort;
  sort->inputs = {agg};
  sort->output = agg->output;
  sort->keys = {{4, false, true}, {1, true, false}};

  auto limit = std::make_shared<logical_node>();
  limit->kind = logical_kind::limit;
  limit->inputs = {sort};
  limit->output = agg->output;
  limit->limit = 10;
  return limit;
}

// Partial aggregate state schema of sample_aggregates() keyed by `keys`.
inline schema partial_schema(std::vector<field> keys) {
  schema s{std::move(keys)};
  auto add = [&](const char* n, type_id t) { s.fields.push_back({n, t}); };
  add("n", type_id::int64);
  add("names", type_id::int64);
  add("total_sum", type_id::float64);
  add("total_count", type_id::int64);
  add("mean_sum", type_id::float64);
  add("mean_count", type_id::int64);
  add("first", type_id::date);
  add("last", type_id::string);
  return s;
}

// Scan of 2 tasks: filter -> project -> partial aggregate, hash sink to 3.
inline portion_spec scan_portion() {
  portion_spec p;
  p.id = 0;
  p.name = "scan lineitem + partial aggregate";
  p.source = source_kind::scan;
  p.file_schema = table_schema();
  p.columns = {3, 1, 4, 0};  // name, price, day, id
  p.format = csv_format{';', true};
  p.task_splits = {{{"/d/a.csv", 0, 1000}, {"/d/b.csv", 0, 17}},
                   {{"/d/a.csv", 1000, UINT64_MAX - 1000}}};
  p.tasks = 2;

  pipeline_step filter;
  filter.kind = step_kind::filter;
  filter.predicate = binary(expr_op::and_,
                            binary(expr_op::ge, col(2, type_id::date),
                                   lit(date_value{days_from_civil(1998, 9, 2)}, type_id::date)),
                            unary(expr_op::is_not_null, col(0, type_id::string)));
  filter.output = schema{{{"name", type_id::string},
                          {"price", type_id::float64},
                          {"day", type_id::date},
                          {"id", type_id::int64}}};

  pipeline_step project;
  project.kind = step_kind::project;
  // id, price, flag (id > 3), name, day: the table's shape for the aggregates
  project.exprs = {col(3, type_id::int64),
                   binary(expr_op::mul, col(1, type_id::float64), lit(2.0, type_id::float64)),
                   binary(expr_op::gt, col(3, type_id::int64), lit(int64_t{3}, type_id::int64)),
                   col(0, type_id::string), col(2, type_id::date)};
  project.output = table_schema();

  pipeline_step partial;
  partial.kind = step_kind::partial_aggregate;
  partial.exprs = {col(3, type_id::string)};
  partial.aggregates = sample_aggregates();
  partial.output = partial_schema({{"name", type_id::string}});

  p.steps = {filter, project, partial};
  p.output = partial.output;
  p.sink = sink_kind::hash;
  p.partition_keys = {0};
  p.partitions = 3;
  p.memory_per_task = 1ll << 33;
  return p;
}

// Shuffle of 3 tasks reading scan_portion(): final aggregate -> filter ->
// sort (top-N) -> limit -> project, single sink.
inline portion_spec shuffle_portion() {
  portion_spec p;
  p.id = 1;
  p.name = "final aggregate";
  p.source = source_kind::shuffle;
  p.inputs = {0};
  p.input_schema = partial_schema({{"name", type_id::string}});
  p.tasks = 3;

  pipeline_step fin;
  fin.kind = step_kind::final_aggregate;
  fin.num_keys = 1;
  fin.aggregates = sample_aggregates();
  fin.output.fields = {{"name", type_id::string}};
  for (const auto& a : fin.aggregates) fin.output.fields.push_back({a.name, a.type});

  pipeline_step having;
  having.kind = step_kind::filter;
  having.predicate = binary(expr_op::gt, col(1, type_id::int64), lit(int64_t{1}, type_id::int64));
  having.output = fin.output;

  pipeline_step sort;
  sort.kind = step_kind::sort;
  sort.keys = {{3, false, true}, {0, true, false}};
  sort.limit = 10;
  sort.output = fin.output;

  pipeline_step limit;
  limit.kind = step_kind::limit;
  limit.limit = 5;
  limit.output = fin.output;

  pipeline_step project;
  project.kind = step_kind::project;
  project.exprs = {col(0, type_id::string), col(3, type_id::float64)};
  project.output = schema{{{"name", type_id::string}, {"total", type_id::float64}}};

  p.steps = {fin, having, sort, limit, project};
  p.output = project.output;
  p.sink = sink_kind::single;
  p.partitions = 1;
  return p;
}

inline plan sample_plan() {
  plan p;
  p.portions = {scan_portion(), shuffle_portion()};
  p.result = p.portions.back().output;
  return p;
}

inline task_spec sample_task() {
  task_spec t;
  t.program = 0xfeedface12345678ull;
  t.portion = shuffle_portion();
  t.task = 2;
  t.inputs = {{7, t.program, 0, 0, 2}, {UINT64_MAX, t.program, 0, 1, 2}};
  return t;
}

// ---- hand-crafting messages

// Copies `bytes` into an aligned word array.
inline kj::Array<capnp::word> to_words(const std::vector<char>& bytes) {
  auto words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), words.size() * sizeof(capnp::word));
  return words;
}

inline std::vector<char> to_bytes(capnp::MessageBuilder& m) {
  auto words = capnp::messageToFlatArray(m);
  auto chars = words.asChars();
  return std::vector<char>(chars.begin(), chars.end());
}

// Re-encodes `bytes` (a message of root type T) after `edit` changed it.
template <class T, class Edit>
std::vector<char> edited(const std::vector<char>& bytes, Edit edit) {
  auto words = to_words(bytes);
  capnp::FlatArrayMessageReader reader(words);
  capnp::MallocMessageBuilder m;
  m.setRoot(reader.getRoot<T>());
  edit(m.getRoot<T>());
  return to_bytes(m);
}

}  // namespace tranche::testing
