// Implementation of run_task (see task_runner.h).
#include "plan/task_runner.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "exec/hash_join.h"
#include "exec/write_files.h"
#include "io/columnar.h"
#include "io/csv.h"

namespace tranche {
namespace {

bool is_blocking(const pipeline_step& s) {
  switch (s.kind) {
    case step_kind::partial_aggregate:
    case step_kind::final_aggregate:
    case step_kind::sort:
    case step_kind::hash_join:
      return true;
    default:
      return false;
  }
}

}  // namespace

int64_t operator_memory_limit(const portion_spec& p) {
  if (p.memory_per_task <= 0) return 0;
  const auto blocking = std::count_if(p.steps.begin(), p.steps.end(), is_blocking);
  return std::max<int64_t>(int64_t{1} << 20, p.memory_per_task / (2 * std::max<int64_t>(1, blocking)));
}

absl::StatusOr<std::vector<operator_ptr>> build_pipeline(const portion_spec& p, uint32_t task,
                                                         const std::string& spill_dir) {
  const memory_budget budget{operator_memory_limit(p), spill_dir};
  std::vector<operator_ptr> ops;
  schema flowing = p.input_schema;  // what the next step reads
  if (p.source == source_kind::scan) {
    flowing.fields.clear();
    for (int c : p.columns) flowing.fields.push_back(p.file_schema.fields[c]);
  }
  for (const auto& s : p.steps) {
    switch (s.kind) {
      case step_kind::filter:
        ops.push_back(make_filter(s.predicate));
        break;
      case step_kind::project:
        ops.push_back(make_project(s.exprs, s.output));
        break;
      case step_kind::partial_aggregate:
        ops.push_back(make_partial_aggregate(s.exprs, s.aggregates, s.output, budget));
        break;
      case step_kind::final_aggregate:
        ops.push_back(
            make_final_aggregate(static_cast<size_t>(s.num_keys), s.aggregates, s.output,
                                 /*global_always_emits=*/true, budget));
        break;
      case step_kind::sort:
        ops.push_back(make_sort(s.keys, s.limit, budget));
        break;
      case step_kind::limit:
        ops.push_back(make_limit(s.limit));
        break;
      case step_kind::single_row:
        ops.push_back(make_single_row(s.output));
        break;
      case step_kind::write:
        ops.push_back(make_write_files({s.path, s.file_format, flowing, task}));
        break;
      case step_kind::hash_join: {
        join_spec spec;
        spec.type = s.join;
        spec.probe_keys = s.probe_keys;
        spec.build_keys = s.build_keys;
        spec.residual = s.predicate;
        spec.probe_schema = flowing;
        spec.build_schema = s.build_schema;
        spec.output = s.output;
        spec.memory_limit = budget.limit;
        spec.spill_dir = budget.spill_dir;
        ops.push_back(make_hash_join(std::move(spec)));
        break;
      }
    }
    flowing = s.output;
  }
  return ops;
}

namespace {

// The `column op constant` terms of a filter right after a columnar scan,
// which the batches' min/max can rule out (columns as file columns).
std::vector<column_bound> scan_bounds(const portion_spec& p) {
  std::vector<column_bound> out;
  if (p.steps.empty() || p.steps[0].kind != step_kind::filter) return out;
  std::vector<const expr*> stack{p.steps[0].predicate.get()};
  while (!stack.empty()) {
    const expr* e = stack.back();
    stack.pop_back();
    if (e->op == expr_op::and_) {
      stack.push_back(e->args[0].get());
      stack.push_back(e->args[1].get());
      continue;
    }
    static constexpr std::pair<expr_op, bound_op> kOps[] = {
        {expr_op::eq, bound_op::eq}, {expr_op::ne, bound_op::ne}, {expr_op::lt, bound_op::lt},
        {expr_op::le, bound_op::le}, {expr_op::gt, bound_op::gt}, {expr_op::ge, bound_op::ge}};
    static constexpr std::pair<bound_op, bound_op> kFlip[] = {
        {bound_op::eq, bound_op::eq}, {bound_op::ne, bound_op::ne}, {bound_op::lt, bound_op::gt},
        {bound_op::le, bound_op::ge}, {bound_op::gt, bound_op::lt}, {bound_op::ge, bound_op::le}};
    const bound_op* op = nullptr;
    for (const auto& [from, to] : kOps)
      if (e->op == from) op = &to;
    if (op == nullptr) continue;
    const expr& a = *e->args[0];
    const expr& b = *e->args[1];
    bool flipped = false;
    const expr* column = &a;
    const expr* constant = &b;
    if (a.op == expr_op::literal && b.op == expr_op::column) {
      column = &b;
      constant = &a;
      flipped = true;
    }
    if (column->op != expr_op::column || constant->op != expr_op::literal) continue;
    if (column->index < 0 || static_cast<size_t>(column->index) >= p.columns.size()) continue;
    bound_op o = *op;
    if (flipped)
      for (const auto& [from, to] : kFlip)
        if (o == from) {
          o = to;
          break;
        }
    out.push_back(column_bound{p.columns[column->index], o, constant->literal});
  }
  return out;
}

}  // namespace

absl::StatusOr<task_output> run_task(const task_spec& task, block_source& inputs,
                                     const std::atomic<bool>* stop, const std::string& spill_dir) {
  const portion_spec& p = task.portion;
  auto stopped = [&] { return stop != nullptr && stop->load(std::memory_order_relaxed); };
  const auto cancelled = [&] {
    return absl::CancelledError(
        absl::StrCat("task ", task.task, " of portion ", p.id, " was cancelled"));
  };
  if (stopped()) return cancelled();
  std::string dir = spill_dir;
  std::error_code ec;
  if (dir.empty()) dir = std::filesystem::temp_directory_path(ec).string();
  if (dir.empty()) dir = "/tmp";
  if (operator_memory_limit(p) > 0 && !std::filesystem::is_directory(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec)
      return absl::UnavailableError(
          absl::StrCat("cannot create the spill directory \"", dir, "\": ", ec.message()));
  }
  auto ops_or = build_pipeline(p, task.task, dir);
  if (!ops_or.ok()) return ops_or.status();
  std::vector<operator_ptr> ops = std::move(*ops_or);

  task_output out;
  const size_t parts =
      p.sink == sink_kind::hash ? static_cast<size_t>(std::max(1, p.partitions)) : 1;
  out.partitions.resize(parts);
  emit_fn sink = [&](batch b) -> absl::Status {
    // Checked at every batch between operators too: a join whose probe
    // batch matches millions of rows stops within one output batch.
    if (stopped()) return cancelled();
    if (b.rows == 0) return absl::OkStatus();
    out.rows += b.rows;
    out.bytes += approx_bytes(b);
    if (parts == 1) {
      out.partitions[0].push_back(std::make_shared<batch>(std::move(b)));
    } else {
      auto split = hash_partition(b, p.partition_keys, parts);
      for (size_t i = 0; i < parts; ++i)
        if (split[i].rows > 0)
          out.partitions[i].push_back(std::make_shared<batch>(std::move(split[i])));
    }
    return absl::OkStatus();
  };
  // emitters[i] feeds ops[i]; emitters[ops.size()] is the sink.
  std::vector<emit_fn> emitters(ops.size() + 1);
  emitters[ops.size()] = sink;
  for (size_t i = ops.size(); i-- > 0;) {
    physical_operator* op = ops[i].get();
    const emit_fn* next = &emitters[i + 1];
    emitters[i] = [op, next, &stopped, &cancelled](batch b) -> absl::Status {
      if (stopped()) return cancelled();
      return op->push(std::move(b), *next);
    };
  }
  const emit_fn& head = emitters[0];

  // Join build sides first: every block of each join's build input.
  std::vector<int> build_inputs;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (p.steps[i].kind != step_kind::hash_join) continue;
    auto* join = dynamic_cast<hash_join_operator*>(ops[i].get());
    if (join == nullptr) return absl::InternalError("hash join step without a join operator");
    const int from = p.steps[i].build_input;
    build_inputs.push_back(from);
    for (const auto& ref : task.inputs) {
      if (static_cast<int>(ref.portion) != from) continue;
      auto s = inputs.fetch(
          ref, [&](const batch& b) { return stopped() ? cancelled() : join->add_build(b); });
      if (!s.ok()) return s;
    }
  }
  auto is_build = [&](const block_ref& ref) {
    return std::find(build_inputs.begin(), build_inputs.end(), static_cast<int>(ref.portion)) !=
           build_inputs.end();
  };

  if (p.source == source_kind::scan && p.format.columnar) {
    if (task.task >= p.task_splits.size())
      return absl::InvalidArgumentError(absl::StrCat("task ", task.task, " has no input split"));
    const std::vector<column_bound> bounds = scan_bounds(p);
    for (const auto& split : p.task_splits[task.task]) {
      auto reader = columnar_reader::open(split.path, p.file_schema);
      if (!reader.ok()) return reader.status();
      const size_t n = (*reader)->num_batches();
      if (split.offset > n || split.length > n - split.offset)
        return absl::InvalidArgumentError(
            absl::StrCat(split.path, ": batches ", split.offset, "+", split.length,
                         " are not in the file (", n, " batches)"));
      (*reader)->will_read(split.offset, split.length);
      for (uint64_t i = split.offset; i < split.offset + split.length; ++i) {
        if (stopped()) return cancelled();
        if (!may_match((*reader)->batch_info(i), bounds)) continue;
        batch b;
        if (auto s = (*reader)->read(i, p.columns, &b); !s.ok()) return s;
        if (auto s = head(std::move(b)); !s.ok()) return s;
      }
    }
  } else if (p.source == source_kind::scan) {
    if (task.task >= p.task_splits.size())
      return absl::InvalidArgumentError(absl::StrCat("task ", task.task, " has no input split"));
    csv_options opts;
    opts.delimiter = p.format.delimiter;
    opts.header = p.format.header;
    for (const auto& split : p.task_splits[task.task]) {
      auto reader = csv_reader::open(split, p.file_schema, p.columns, opts);
      if (!reader.ok()) return reader.status();
      for (;;) {
        batch b;
        auto more = (*reader)->next(&b);
        if (!more.ok()) return more.status();
        if (!*more) break;
        if (stopped()) return cancelled();
        if (auto s = head(std::move(b)); !s.ok()) return s;
      }
    }
  } else {
    for (const auto& ref : task.inputs) {
      if (is_build(ref)) continue;
      auto s = inputs.fetch(ref, [&](const batch& b) { return stopped() ? cancelled() : head(b); });
      if (!s.ok()) return s;
    }
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    if (auto s = ops[i]->finish(emitters[i + 1]); !s.ok()) return s;
    if (const auto* sp = dynamic_cast<const spilling_operator*>(ops[i].get()))
      out.spilled_bytes += sp->spilled_bytes();
  }
  return out;
}

}  // namespace tranche
