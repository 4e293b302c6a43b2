// Implementation of the planner's rules (see planner.h).
#include "plan/planner.h"

#include <glob.h>

#include <algorithm>
#include <functional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "exec/operators.h"
#include "io/columnar.h"
#include "sql/logical_util.h"

namespace tranche {
namespace {

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
    case logical_kind::single_row:
      s.kind = step_kind::single_row;
      break;
    default:
      break;
  }
  return s;
}

// Builds the plan bottom-up. build(n) returns the portion whose output is
// n's output and to which the next streaming step can still be appended
// (its sink is not decided yet: "open").
class plan_builder {
 public:
  explicit plan_builder(const planner_options& opts) : opts_(opts) {}

  absl::StatusOr<plan> run(const logical_node& program) {
    auto built = build(program, -1);
    if (!built.ok()) return built.status();
    const int top = *built;
    portion_spec& last = p_.portions[top];
    last.sink = sink_kind::single;
    last.partitions = 1;
    last.partition_keys.clear();
    p_.result = program.output;
    return topological(top);
  }

 private:
  // `int var = expr` for an expr returning StatusOr<int>, returning its error.
#define PLAN_ASSIGN(var, expr)                  \
  auto var##_or = (expr);                       \
  if (!var##_or.ok()) return var##_or.status(); \
  int var = *var##_or

  // The portions renumbered in the order a depth-first walk from the result
  // finishes them: every input before its reader, the result last.
  plan topological(int top) {
    std::vector<int> order, new_id(p_.portions.size(), -1);
    std::vector<bool> seen(p_.portions.size(), false);
    std::function<void(int)> visit = [&](int id) {
      if (seen[id]) return;
      seen[id] = true;
      for (int in : p_.portions[id].inputs) visit(in);
      new_id[id] = static_cast<int>(order.size());
      order.push_back(id);
    };
    visit(top);
    plan out;
    out.result = p_.result;
    for (int id : order) {
      portion_spec s = std::move(p_.portions[id]);
      s.id = new_id[id];
      for (int& in : s.inputs) in = new_id[in];
      for (int& in : s.broadcast_inputs) in = new_id[in];
      for (pipeline_step& step : s.steps)
        if (step.build_input >= 0) step.build_input = new_id[step.build_input];
      out.portions.push_back(std::move(s));
    }
    return out;
  }

  portion_spec& add_portion(std::string name) {
    portion_spec& s = p_.portions.emplace_back();
    s.id = static_cast<int>(p_.portions.size()) - 1;
    s.name = std::move(name);
    s.memory_per_task = opts_.memory_per_task;
    return s;
  }

  void append(int id, pipeline_step step) {
    portion_spec& s = p_.portions[id];
    s.output = step.output;
    s.steps.push_back(std::move(step));
  }

  void rename(int id, std::string_view what) {
    portion_spec& s = p_.portions[id];
    s.name = absl::StrCat(s.name, " + ", std::string(what));
  }

  // Ends portion `id` with a hash sink on `keys` into `partitions`, or a
  // single sink.
  void close_hash(int id, std::vector<int> keys, int partitions) {
    portion_spec& s = p_.portions[id];
    s.sink = sink_kind::hash;
    s.partition_keys = std::move(keys);
    s.partitions = partitions;
  }
  void close_single(int id) {
    portion_spec& s = p_.portions[id];
    s.sink = sink_kind::single;
    s.partitions = 1;
    s.partition_keys.clear();
  }

  // A new portion reading `inputs` by shuffle, `tasks` tasks.
  int add_shuffle(std::string name, const std::vector<int>& inputs, int tasks) {
    portion_spec& s = add_portion(std::move(name));
    s.source = source_kind::shuffle;
    s.inputs = inputs;
    s.input_schema = p_.portions[inputs[0]].output;
    s.output = s.input_schema;
    s.tasks = tasks;
    return s.id;
  }

  // Gathers an open portion into one task (when it has several).
  int gather(int id, std::string name) {
    if (p_.portions[id].tasks == 1) return id;
    close_single(id);
    return add_shuffle(std::move(name), {id}, 1);
  }

  absl::StatusOr<int> build(const logical_node& n, int64_t limit_hint) {
    switch (n.kind) {
      case logical_kind::scan:
        return build_scan(n);
      case logical_kind::filter:
      case logical_kind::project: {
        PLAN_ASSIGN(id, build(*n.inputs[0], -1));
        append(id, to_step(n));
        return id;
      }
      case logical_kind::aggregate:
        return build_aggregate(n);
      case logical_kind::sort:
      case logical_kind::limit: {
        const int64_t hint = n.kind == logical_kind::limit ? n.limit : limit_hint;
        PLAN_ASSIGN(id, build(*n.inputs[0], hint));
        pipeline_step step = to_step(n);
        if (n.kind == logical_kind::sort) step.limit = limit_hint;
        if (p_.portions[id].tasks > 1) {
          // Each task keeps its local top-N (or first N); one task merges.
          append(id, step);
          id = gather(id, "result");
        }
        append(id, step);
        return id;
      }
      case logical_kind::single_row: {
        PLAN_ASSIGN(id, build(*n.inputs[0], -1));
        id = gather(id, "scalar subquery");
        append(id, to_step(n));
        return id;
      }
      case logical_kind::union_all:
        return build_union(n);
      case logical_kind::join:
        return build_join(n);
    }
    return absl::InternalError("unknown logical node");
  }

  absl::StatusOr<int> build_scan(const logical_node& scan) {
    portion_spec& s = add_portion(absl::StrCat("scan ", scan.table));
    s.source = source_kind::scan;
    s.file_schema = scan.table_schema;
    s.columns = scan.columns;
    s.format = scan.format;
    s.input_schema = scan.output;
    s.output = scan.output;
    if (scan.format.columnar) {
      // A split is a run of batches of one file: offset = first, length = count.
      auto splits = make_columnar_splits(scan.files, std::max<uint64_t>(1, opts_.split_bytes));
      if (!splits.ok()) return splits.status();
      for (auto& sp : *splits) s.task_splits.push_back({file_split{sp.path, sp.first, sp.count}});
    } else {
      auto splits = make_splits(scan.files, std::max<uint64_t>(1, opts_.split_bytes));
      if (!splits.ok()) return splits.status();
      for (auto& sp : *splits) s.task_splits.push_back({sp});
    }
    if (s.task_splits.empty()) s.task_splits.push_back({});
    s.tasks = static_cast<int>(s.task_splits.size());
    return s.id;
  }

  absl::StatusOr<int> build_aggregate(const logical_node& agg) {
    PLAN_ASSIGN(id, build(*agg.inputs[0], -1));
    const size_t k = agg.group_keys.size();
    std::vector<field> key_fields(agg.output.fields.begin(), agg.output.fields.begin() + k);
    pipeline_step partial;
    partial.kind = step_kind::partial_aggregate;
    partial.exprs = agg.group_keys;
    partial.aggregates = agg.aggregates;
    partial.output = partial_aggregate_schema(key_fields, agg.aggregates);
    append(id, partial);
    const int tasks = k > 0 ? std::max(1, opts_.parallelism) : 1;
    if (k > 0) {
      std::vector<int> keys(k);
      for (size_t c = 0; c < k; ++c) keys[c] = static_cast<int>(c);
      close_hash(id, keys, tasks);
    } else {
      close_single(id);
    }
    int fin = add_shuffle("final aggregate", {id}, tasks);
    pipeline_step final_step;
    final_step.kind = step_kind::final_aggregate;
    final_step.aggregates = agg.aggregates;
    final_step.num_keys = static_cast<int>(k);
    final_step.output = agg.output;
    append(fin, final_step);
    return fin;
  }

  absl::StatusOr<int> build_union(const logical_node& u) {
    std::vector<int> ids;
    bool all_single = true;
    for (const logical_ptr& in : u.inputs) {
      PLAN_ASSIGN(id, build(*in, -1));
      ids.push_back(id);
      all_single = all_single && p_.portions[id].tasks == 1;
    }
    const int tasks = all_single ? 1 : std::max(1, opts_.parallelism);
    std::vector<int> all(u.output.size());
    for (size_t c = 0; c < all.size(); ++c) all[c] = static_cast<int>(c);
    for (int id : ids) {
      if (tasks == 1) {
        close_single(id);
      } else {
        close_hash(id, all, tasks);
      }
    }
    int out = add_shuffle("union all", ids, tasks);
    p_.portions[out].input_schema = u.output;
    p_.portions[out].output = u.output;
    return out;
  }

  absl::StatusOr<int> build_join(const logical_node& j) {
    const logical_node& left = *j.inputs[0];
    const logical_node& right = *j.inputs[1];
    const double left_bytes = estimate_size(left).bytes();
    const double right_bytes = estimate_size(right).bytes();
    // Inner joins build on the smaller side; the others on the right.
    const bool swap = j.join == join_type::inner && left_bytes < right_bytes;
    const logical_node& probe = swap ? right : left;
    const logical_node& build_side = swap ? left : right;
    const std::vector<int>& probe_keys = swap ? j.right_keys : j.left_keys;
    const std::vector<int>& build_keys = swap ? j.left_keys : j.right_keys;
    const double build_bytes = swap ? left_bytes : right_bytes;

    PLAN_ASSIGN(probe_id, build(probe, -1));
    PLAN_ASSIGN(build_id, build(build_side, -1));
    // Broadcast a small side, unless every probe task rebuilding its hash
    // table would cost more than shuffling both sides once.
    const int probe_tasks = p_.portions[probe_id].tasks;
    const double probe_bytes = swap ? right_bytes : left_bytes;
    // NOT IN's NULL rule needs the whole build side in every task.
    const bool broadcast =
        build_keys.empty() || probe_tasks == 1 || j.join == join_type::anti_null_aware ||
        (build_bytes <= static_cast<double>(opts_.broadcast_bytes) &&
         build_bytes * (probe_tasks - 1) <= probe_bytes + build_bytes);
    int at = probe_id;
    if (broadcast) {
      close_single(build_id);
      portion_spec& s = p_.portions[probe_id];
      s.inputs.push_back(build_id);
      s.broadcast_inputs.push_back(build_id);
      rename(probe_id, absl::StrCat("broadcast join ", p_.portions[build_id].name));
    } else {
      const int tasks = std::max(1, opts_.parallelism);
      close_hash(probe_id, probe_keys, tasks);
      close_hash(build_id, build_keys, tasks);
      at = add_shuffle("shuffle join", {probe_id}, tasks);
      p_.portions[at].inputs.push_back(build_id);
    }
    pipeline_step step;
    step.kind = step_kind::hash_join;
    step.join = j.join;
    step.probe_keys = probe_keys;
    step.build_keys = build_keys;
    step.build_schema = build_side.output;
    step.build_input = build_id;
    const int pw = static_cast<int>(probe.output.size());
    const int bw = static_cast<int>(build_side.output.size());
    schema out = probe.output;
    if (join_keeps_right(j.join))
      for (const field& f : build_side.output.fields) out.fields.push_back(f);
    step.output = out;
    if (j.predicate) {
      // The residual reads left ++ right; the step reads probe ++ build.
      step.predicate = !swap ? j.predicate : remap_columns(j.predicate, [&](int i) {
        return i < bw ? pw + i : i - bw;
      });
    }
    append(at, step);
    if (swap) {
      // Back to left ++ right.
      std::vector<int> order;
      for (int i = 0; i < bw; ++i) order.push_back(pw + i);
      for (int i = 0; i < pw; ++i) order.push_back(i);
      pipeline_step reorder;
      reorder.kind = step_kind::project;
      for (int c : order) {
        reorder.exprs.push_back(col(c, out.fields[c].type));
        reorder.output.fields.push_back(out.fields[c]);
      }
      append(at, reorder);
    }
    return at;
  }

#undef PLAN_ASSIGN

  const planner_options& opts_;
  plan p_;
};

}  // namespace

absl::StatusOr<plan> make_plan(const logical_node& program, const planner_options& opts) {
  return plan_builder(opts).run(program);
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
  const auto is_tcol = [](const std::string& f) {
    return f.size() > 5 && f.compare(f.size() - 5, 5, ".tcol") == 0;
  };
  const bool columnar = std::all_of(files.begin(), files.end(), is_tcol);
  if (fmt.columnar && !columnar) {
    const auto other = std::find_if_not(files.begin(), files.end(), is_tcol);
    return absl::InvalidArgumentError(absl::StrCat("table ", name, ": bound as columnar, but \"",
                                                   *other, "\" is not a .tcol file"));
  }
  if (columnar) {
    auto reader = columnar_reader::open(files[0]);
    if (!reader.ok())
      return absl::Status(reader.status().code(),
                          absl::StrCat("table ", name, ": ", reader.status().message()));
    fmt.columnar = true;
    std::erase_if(tables_, [&](const table_info& t) { return t.name == name; });
    tables_.push_back(table_info{name, std::move(files), (*reader)->file_schema(), fmt});
    return absl::OkStatus();
  }
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
