// Implementation of the planner's rules (see planner.h).
#include "plan/planner.h"

#include <glob.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "exec/operators.h"

namespace tranche {
namespace {

std::vector<const logical_node*> flatten(const logical_node& top) {
  std::vector<const logical_node*> chain;
  for (const logical_node* n = &top;; n = n->inputs[0].get()) {
    chain.push_back(n);
    if (n->inputs.empty()) break;
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

pipeline_step to_step(const logical_node& n) {
  pipeline_step s;
  s.output = n.output;
  switch (n.kind) {
    case logical_kind::filter:
      s.kind = step_kind::filter;
      s.predicate = n.predicate;
      break;
    case logical_kind::project:
      s.kind = step_kind::project;
      s.exprs = n.exprs;
      break;
    case logical_kind::sort:
      s.kind = step_kind::sort;
      s.keys = n.keys;
      break;
    case logical_kind::limit:
      s.kind = step_kind::limit;
      s.limit = n.limit;
      break;
    default:
      break;
  }
  return s;
}

}  // namespace

absl::StatusOr<plan> make_plan(const logical_node& program, const planner_options& opts) {
  auto chain = flatten(program);
  const logical_node& scan = *chain[0];
  if (scan.kind != logical_kind::scan)
    return absl::InvalidArgumentError("program does not start with a table scan");
  std::vector<const logical_node*> ops(chain.begin() + 1, chain.end());

  plan p;
  p.result = program.output;

  portion_spec first;
  first.id = 0;
  first.name = absl::StrCat("scan ", scan.table);
  first.source = source_kind::scan;
  first.file_schema = scan.table_schema;
  first.columns = scan.columns;
  first.format = scan.format;
  first.input_schema = scan.output;
  first.memory_per_task = opts.memory_per_task;
  auto splits = make_splits(scan.files, std::max<uint64_t>(1, opts.split_bytes));
  if (!splits.ok()) return splits.status();
  for (auto& s : *splits) first.task_splits.push_back({s});
  if (first.task_splits.empty()) first.task_splits.push_back({});
  first.tasks = static_cast<int>(first.task_splits.size());
  first.output = scan.output;
  p.portions.push_back(std::move(first));

  size_t i = 0;
  auto cur = [&]() -> portion_spec& { return p.portions.back(); };
  auto append_streaming = [&]() {
    for (; i < ops.size(); ++i) {
      const auto k = ops[i]->kind;
      if (k != logical_kind::filter && k != logical_kind::project) break;
      cur().steps.push_back(to_step(*ops[i]));
      cur().output = ops[i]->output;
    }
  };
  append_streaming();

  if (i < ops.size() && ops[i]->kind == logical_kind::aggregate) {
    const logical_node& agg = *ops[i++];
    const size_t k = agg.group_keys.size();
    std::vector<field> key_fields(agg.output.fields.begin(), agg.output.fields.begin() + k);
    pipeline_step partial;
    partial.kind = step_kind::partial_aggregate;
    partial.exprs = agg.group_keys;
    partial.aggregates = agg.aggregates;
    partial.output = partial_aggregate_schema(key_fields, agg.aggregates);
    cur().steps.push_back(partial);
    cur().output = partial.output;
    const int final_tasks = k > 0 ? std::max(1, opts.parallelism) : 1;
    if (k > 0) {
      cur().sink = sink_kind::hash;
      for (size_t c = 0; c < k; ++c) cur().partition_keys.push_back(static_cast<int>(c));
    } else {
      cur().sink = sink_kind::single;
    }
    cur().partitions = final_tasks;

    portion_spec fin;
    fin.id = static_cast<int>(p.portions.size());
    fin.name = "final aggregate";
    fin.source = source_kind::shuffle;
    fin.inputs = {cur().id};
    fin.input_schema = partial.output;
    fin.tasks = final_tasks;
    fin.memory_per_task = opts.memory_per_task;
    pipeline_step final_step;
    final_step.kind = step_kind::final_aggregate;
    final_step.aggregates = agg.aggregates;
    final_step.num_keys = static_cast<int>(k);
    final_step.output = agg.output;
    fin.steps.push_back(final_step);
    fin.output = agg.output;
    p.portions.push_back(std::move(fin));
    append_streaming();
  }

  if (i < ops.size()) {
    // ORDER BY / LIMIT: each task keeps its local top-N, one task merges.
    const logical_node& first_global = *ops[i];
    if (first_global.kind != logical_kind::sort && first_global.kind != logical_kind::limit)
      return absl::UnimplementedError("this program shape is not supported by the planner yet");
    if (cur().tasks > 1) {
      pipeline_step local = to_step(first_global);
      if (first_global.kind == logical_kind::sort && i + 1 < ops.size() &&
          ops[i + 1]->kind == logical_kind::limit)
        local.limit = ops[i + 1]->limit;
      cur().steps.push_back(local);
      cur().sink = sink_kind::single;
      cur().partitions = 1;

      portion_spec res;
      res.id = static_cast<int>(p.portions.size());
      res.name = "result";
      res.source = source_kind::shuffle;
      res.inputs = {cur().id};
      res.input_schema = cur().output;
      res.tasks = 1;
      res.memory_per_task = opts.memory_per_task;
      res.output = cur().output;
      p.portions.push_back(std::move(res));
    }
    for (; i < ops.size(); ++i) {
      const auto k = ops[i]->kind;
      if (k == logical_kind::aggregate || k == logical_kind::scan)
        return absl::UnimplementedError("this program shape is not supported by the planner yet");
      pipeline_step s = to_step(*ops[i]);
      if (k == logical_kind::sort && i + 1 < ops.size() && ops[i + 1]->kind == logical_kind::limit)
        s.limit = ops[i + 1]->limit;
      cur().steps.push_back(s);
      cur().output = ops[i]->output;
    }
  }
  cur().sink = sink_kind::single;
  cur().partitions = 1;
  cur().partition_keys.clear();
  return p;
}

absl::Status binding_catalog::bind(const std::string& name, const std::string& pattern,
                                   csv_format fmt) {
  glob_t g{};
  int rc = ::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g);
  std::vector<std::string> files;
  if (rc == 0)
    for (size_t i = 0; i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
  globfree(&g);
  if (files.empty())
    return absl::NotFoundError(absl::StrCat("table ", name, ": no file matches \"", pattern, "\""));
  std::sort(files.begin(), files.end());
  csv_options copts;
  copts.delimiter = fmt.delimiter;
  copts.header = fmt.header;
  auto s = infer_csv_schema(files[0], copts);
  if (!s.ok())
    return absl::Status(s.status().code(),
                        absl::StrCat("table ", name, ": ", s.status().message()));
  std::erase_if(tables_, [&](const table_info& t) { return t.name == name; });
  tables_.push_back(table_info{name, std::move(files), *std::move(s), fmt});
  return absl::OkStatus();
}

absl::StatusOr<table_info> binding_catalog::lookup(std::string_view name) const {
  for (const auto& t : tables_)
    if (absl::EqualsIgnoreCase(t.name, absl::string_view(name.data(), name.size()))) return t;
  return absl::NotFoundError(absl::StrCat("unknown table \"", std::string(name), "\""));
}

std::vector<std::string> binding_catalog::names() const {
  std::vector<std::string> out;
  for (const auto& t : tables_) out.push_back(t.name);
  return out;
}

}  // namespace tranche
