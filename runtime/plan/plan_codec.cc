// encode/decode of portions, plans, task specs and task results (plan_codec.h)
// as schemas/plan.capnp. The job actor ships plans and task specs to
// executors, which decode them from untrusted bytes: decoding checks each
// pipeline step against the schema flowing into it, and each shuffle against
// the portions it reads.
#include "plan/plan_codec.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <map>

#include "absl/strings/str_cat.h"
#include "capnp/message.h"
#include "plan/codec_common.h"
#include "schemas/plan.capnp.h"

namespace tranche {
namespace {

using namespace codec;  // NOLINT: the codec helpers are this file's vocabulary

static_assert(same_ordinal(step_kind::filter, wire::StepKind::FILTER) &&
              same_ordinal(step_kind::project, wire::StepKind::PROJECT) &&
              same_ordinal(step_kind::partial_aggregate, wire::StepKind::PARTIAL_AGGREGATE) &&
              same_ordinal(step_kind::final_aggregate, wire::StepKind::FINAL_AGGREGATE) &&
              same_ordinal(step_kind::sort, wire::StepKind::SORT) &&
              same_ordinal(step_kind::limit, wire::StepKind::LIMIT) &&
              same_ordinal(step_kind::hash_join, wire::StepKind::HASH_JOIN) &&
              same_ordinal(step_kind::single_row, wire::StepKind::SINGLE_ROW) &&
              same_ordinal(step_kind::write, wire::StepKind::WRITE));
static_assert(same_ordinal(join_type::inner, wire::JoinType::INNER) &&
              same_ordinal(join_type::left, wire::JoinType::LEFT) &&
              same_ordinal(join_type::semi, wire::JoinType::SEMI) &&
              same_ordinal(join_type::anti, wire::JoinType::ANTI) &&
              same_ordinal(join_type::anti_null_aware, wire::JoinType::ANTI_NULL_AWARE));
static_assert(same_ordinal(source_kind::scan, wire::SourceKind::SCAN) &&
              same_ordinal(source_kind::shuffle, wire::SourceKind::SHUFFLE));
static_assert(same_ordinal(sink_kind::hash, wire::SinkKind::HASH) &&
              same_ordinal(sink_kind::single, wire::SinkKind::SINGLE));

// A sanity bound on task and partition counts: an executor allocates per
// partition, so a hostile count must not become a huge allocation.
constexpr int k_max_tasks = 1 << 20;

const char* step_name(step_kind k) {
  switch (k) {
    case step_kind::filter:
      return "filter";
    case step_kind::project:
      return "project";
    case step_kind::partial_aggregate:
      return "partial aggregate";
    case step_kind::final_aggregate:
      return "final aggregate";
    case step_kind::sort:
      return "sort";
    case step_kind::limit:
      return "limit";
    case step_kind::hash_join:
      return "hash join";
    case step_kind::single_row:
      return "single row";
    case step_kind::write:
      return "write";
  }
  return "?";
}

capnp::Text::Reader text(const std::string& s) { return capnp::Text::Reader(s.data(), s.size()); }

// ---- encoding

void write_step(wire::PipelineStep::Builder b, const pipeline_step& s) {
  b.setKind(static_cast<wire::StepKind>(s.kind));
  write_schema(b.initOutput(), s.output);
  if (s.predicate) write_expr(b.initPredicate(), s.predicate.get());
  write_exprs(b.initExprs(s.exprs.size()), s.exprs);
  write_aggregates(b.initAggregates(s.aggregates.size()), s.aggregates);
  b.setNumKeys(s.num_keys);
  write_sort_keys(b.initKeys(s.keys.size()), s.keys);
  b.setLimit(s.limit);
  b.setJoinType(static_cast<wire::JoinType>(s.join));
  write_ints(b.initProbeKeys(s.probe_keys.size()), s.probe_keys);
  write_ints(b.initBuildKeys(s.build_keys.size()), s.build_keys);
  write_schema(b.initBuildSchema(), s.build_schema);
  b.setBuildInput(s.build_input);
  b.setPath(text(s.path));
  write_format(b.initFileFormat(), s.file_format);
}

void write_portion(wire::PortionSpec::Builder b, const portion_spec& p) {
  b.setId(p.id);
  b.setName(text(p.name));
  b.setSource(static_cast<wire::SourceKind>(p.source));
  write_schema(b.initFileSchema(), p.file_schema);
  write_ints(b.initColumns(p.columns.size()), p.columns);
  write_format(b.initFormat(), p.format);
  auto task_splits = b.initTaskSplits(p.task_splits.size());
  for (size_t t = 0; t < p.task_splits.size(); ++t) {
    auto splits = task_splits.init(t, p.task_splits[t].size());
    for (size_t i = 0; i < p.task_splits[t].size(); ++i) {
      const file_split& s = p.task_splits[t][i];
      splits[i].setPath(text(s.path));
      splits[i].setOffset(s.offset);
      splits[i].setLength(s.length);
    }
  }
  write_ints(b.initInputs(p.inputs.size()), p.inputs);
  write_schema(b.initInputSchema(), p.input_schema);
  auto steps = b.initSteps(p.steps.size());
  for (size_t i = 0; i < p.steps.size(); ++i) write_step(steps[i], p.steps[i]);
  write_schema(b.initOutput(), p.output);
  b.setSink(static_cast<wire::SinkKind>(p.sink));
  write_ints(b.initPartitionKeys(p.partition_keys.size()), p.partition_keys);
  b.setPartitions(p.partitions);
  b.setTasks(p.tasks);
  b.setMemoryPerTask(p.memory_per_task);
  write_ints(b.initBroadcastInputs(p.broadcast_inputs.size()), p.broadcast_inputs);
}

// ---- decoding

// Decodes every field (so a round trip is exact); binds to `input` only the
// fields the step's kind uses, and checks its output schema against what the
// kind produces from `input`.
absl::Status read_step(wire::PipelineStep::Reader r, const schema& input, pipeline_step* out) {
  auto raw_kind = static_cast<uint16_t>(r.getKind());
  if (raw_kind > static_cast<uint16_t>(wire::StepKind::WRITE))
    return malformed(absl::StrCat("unknown step kind ", raw_kind));
  out->kind = static_cast<step_kind>(raw_kind);
  auto bound_if = [&](bool uses) { return uses ? &input : nullptr; };
  const bool partial = out->kind == step_kind::partial_aggregate;
  const bool join = out->kind == step_kind::hash_join;

  CODEC_RETURN_IF_ERROR(within("output", read_schema(r.getOutput(), &out->output)));
  auto raw_join = static_cast<uint16_t>(r.getJoinType());
  if (raw_join > static_cast<uint16_t>(wire::JoinType::ANTI_NULL_AWARE))
    return malformed(absl::StrCat("unknown join type ", raw_join));
  out->join = static_cast<join_type>(raw_join);
  CODEC_RETURN_IF_ERROR(within("build schema", read_schema(r.getBuildSchema(), &out->build_schema)));
  out->build_input = r.getBuildInput();
  auto path = r.getPath();
  out->path.assign(path.begin(), path.size());
  CODEC_RETURN_IF_ERROR(within("file format", read_format(r.getFileFormat(), &out->file_format)));
  CODEC_RETURN_IF_ERROR(read_columns(r.getProbeKeys(), join ? input.size() : SIZE_MAX,
                                     "probe key", &out->probe_keys));
  CODEC_RETURN_IF_ERROR(read_columns(r.getBuildKeys(),
                                     join ? out->build_schema.size() : SIZE_MAX, "build key",
                                     &out->build_keys));
  schema joined = input;  // what a join's residual reads
  for (const field& f : out->build_schema.fields) joined.fields.push_back(f);
  if (r.hasPredicate()) {
    const schema* over = out->kind == step_kind::filter ? &input : join ? &joined : nullptr;
    CODEC_ASSIGN_OR_RETURN(out->predicate, within("predicate", read_expr(r.getPredicate(), over)));
  }
  CODEC_RETURN_IF_ERROR(
      read_exprs(r.getExprs(), bound_if(out->kind == step_kind::project || partial), &out->exprs));
  // A final aggregate's calls name the arguments of the pre-shuffle input,
  // which this step never evaluates: they are checked but not bound.
  CODEC_RETURN_IF_ERROR(read_aggregates(r.getAggregates(), bound_if(partial), &out->aggregates));
  out->num_keys = r.getNumKeys();
  CODEC_RETURN_IF_ERROR(read_sort_keys(
      r.getKeys(), out->kind == step_kind::sort ? input.size() : SIZE_MAX, &out->keys));
  out->limit = r.getLimit();

  std::vector<type_id> produced;
  switch (out->kind) {
    case step_kind::filter:
      if (!out->predicate) return malformed("filter has no predicate");
      if (out->predicate->type != type_id::boolean)
        return malformed(
            absl::StrCat("predicate is ", type_label(out->predicate->type), ", expected BOOLEAN"));
      produced = types_of(input);
      break;
    case step_kind::project:
      for (const auto& e : out->exprs) produced.push_back(e->type);
      break;
    case step_kind::partial_aggregate:
      for (const auto& e : out->exprs) produced.push_back(e->type);
      for (const auto& a : out->aggregates)
        for (type_id t : partial_state_types(a)) produced.push_back(t);
      break;
    case step_kind::final_aggregate: {
      // The input is a partial aggregate's output: keys, then state columns.
      if (out->num_keys < 0 || static_cast<size_t>(out->num_keys) > input.size())
        return malformed(
            absl::StrCat(out->num_keys, " keys, but the input has ", input.size(), " columns"));
      for (int k = 0; k < out->num_keys; ++k) produced.push_back(input.fields[k].type);
      std::vector<type_id> want = produced;
      for (const auto& a : out->aggregates)
        for (type_id t : partial_state_types(a)) want.push_back(t);
      CODEC_RETURN_IF_ERROR(within("input", check_output(input, want, "partial aggregate")));
      for (const auto& a : out->aggregates) produced.push_back(a.type);
      break;
    }
    case step_kind::sort:
      if (out->limit < -1)
        return malformed(absl::StrCat("top-N limit ", out->limit, " is invalid"));
      produced = types_of(input);
      break;
    case step_kind::limit:
      if (out->limit < 0) return malformed(absl::StrCat("limit ", out->limit, " is negative"));
      produced = types_of(input);
      break;
    case step_kind::single_row:
      produced = types_of(input);
      break;
    case step_kind::write:
      if (out->path.empty()) return malformed("write has no path");
      // One row per task: the file written and its rows.
      produced = {type_id::string, type_id::int64};
      break;
    case step_kind::hash_join:
      if (out->build_input < 0) return malformed("hash join has no build input");
      if (out->probe_keys.size() != out->build_keys.size())
        return malformed(absl::StrCat(out->probe_keys.size(), " probe keys but ",
                                      out->build_keys.size(), " build keys"));
      for (size_t k = 0; k < out->probe_keys.size(); ++k)
        if (input.fields[out->probe_keys[k]].type !=
            out->build_schema.fields[out->build_keys[k]].type)
          return malformed(absl::StrCat("join key ", k, " compares ",
                                        type_label(input.fields[out->probe_keys[k]].type),
                                        " with ",
                                        type_label(out->build_schema.fields[out->build_keys[k]].type)));
      if (out->predicate && out->predicate->type != type_id::boolean)
        return malformed(
            absl::StrCat("residual is ", type_label(out->predicate->type), ", expected BOOLEAN"));
      produced = types_of(join_keeps_right(out->join) ? joined : input);
      break;
  }
  return within("output", check_output(out->output, produced, "step"));
}

absl::Status read_split(wire::FileSplit::Reader r, file_split* out) {
  auto path = r.getPath();
  if (path.size() == 0) return malformed("split has an empty path");
  out->path.assign(path.begin(), path.size());
  out->offset = r.getOffset();
  out->length = r.getLength();
  if (out->length > UINT64_MAX - out->offset)
    return malformed(absl::StrCat("split of \"", out->path, "\" ends past 2^64 bytes"));
  return absl::OkStatus();
}

absl::Status read_count(int32_t v, const char* what, int* out) {
  if (v < 1 || v > k_max_tasks)
    return malformed(absl::StrCat(what, " ", v, " is outside 1..", k_max_tasks));
  *out = v;
  return absl::OkStatus();
}

absl::Status read_portion(wire::PortionSpec::Reader r, portion_spec* out) {
  out->id = r.getId();
  if (out->id < 0) return malformed(absl::StrCat("negative portion id ", out->id));
  auto name = r.getName();
  out->name.assign(name.begin(), name.size());
  auto raw_source = static_cast<uint16_t>(r.getSource());
  if (raw_source > static_cast<uint16_t>(wire::SourceKind::SHUFFLE))
    return malformed(absl::StrCat("unknown source kind ", raw_source));
  out->source = static_cast<source_kind>(raw_source);
  CODEC_RETURN_IF_ERROR(within("file schema", read_schema(r.getFileSchema(), &out->file_schema)));
  CODEC_RETURN_IF_ERROR(
      read_columns(r.getColumns(), out->file_schema.size(), "scan column", &out->columns));
  CODEC_RETURN_IF_ERROR(read_format(r.getFormat(), &out->format));
  CODEC_RETURN_IF_ERROR(read_count(r.getTasks(), "task count", &out->tasks));

  auto task_splits = r.getTaskSplits();
  out->task_splits.reserve(task_splits.size());
  for (auto splits : task_splits) {
    auto& v = out->task_splits.emplace_back();
    v.reserve(splits.size());
    for (auto s : splits) {
      CODEC_RETURN_IF_ERROR(within(absl::StrCat("task ", out->task_splits.size() - 1),
                                   read_split(s, &v.emplace_back())));
    }
  }
  for (int32_t in : r.getInputs()) {
    if (in < 0) return malformed(absl::StrCat("negative input portion id ", in));
    out->inputs.push_back(in);
  }
  CODEC_RETURN_IF_ERROR(
      within("input schema", read_schema(r.getInputSchema(), &out->input_schema)));

  schema flowing;  // what the next step reads
  if (out->source == source_kind::scan) {
    if (out->task_splits.size() != static_cast<size_t>(out->tasks))
      return malformed(absl::StrCat("scan has split lists for ", out->task_splits.size(),
                                    " tasks, but ", out->tasks, " tasks"));
    for (int c : out->columns) flowing.fields.push_back(out->file_schema.fields[c]);
  } else {
    if (out->inputs.empty()) return malformed("shuffle has no input portions");
    flowing = out->input_schema;
  }
  auto steps = r.getSteps();
  out->steps.reserve(steps.size());
  for (auto s : steps) {
    auto& step = out->steps.emplace_back();
    auto raw_kind = static_cast<uint16_t>(s.getKind());
    const char* kind = raw_kind <= static_cast<uint16_t>(wire::StepKind::WRITE)
                           ? step_name(static_cast<step_kind>(raw_kind))
                           : "?";
    CODEC_RETURN_IF_ERROR(within(absl::StrCat("step ", out->steps.size() - 1, " (", kind, ")"),
                                 read_step(s, flowing, &step)));
    flowing = step.output;
  }
  CODEC_RETURN_IF_ERROR(within("output", read_schema(r.getOutput(), &out->output)));
  CODEC_RETURN_IF_ERROR(within("output", check_output(out->output, types_of(flowing), "pipeline")));

  auto raw_sink = static_cast<uint16_t>(r.getSink());
  if (raw_sink > static_cast<uint16_t>(wire::SinkKind::SINGLE))
    return malformed(absl::StrCat("unknown sink kind ", raw_sink));
  out->sink = static_cast<sink_kind>(raw_sink);
  CODEC_RETURN_IF_ERROR(read_columns(r.getPartitionKeys(), out->output.size(), "partition key",
                                     &out->partition_keys));
  CODEC_RETURN_IF_ERROR(read_count(r.getPartitions(), "partition count", &out->partitions));
  if (out->sink == sink_kind::single && out->partitions != 1)
    return malformed(absl::StrCat("single sink has ", out->partitions, " partitions"));
  out->memory_per_task = r.getMemoryPerTask();
  if (out->memory_per_task < 0)
    return malformed(absl::StrCat("negative memory per task ", out->memory_per_task));
  for (int32_t in : r.getBroadcastInputs()) {
    if (std::find(out->inputs.begin(), out->inputs.end(), in) == out->inputs.end())
      return malformed(absl::StrCat("broadcast input ", in, " is not an input"));
    out->broadcast_inputs.push_back(in);
  }
  for (const pipeline_step& s : out->steps)
    if (s.kind == step_kind::hash_join &&
        std::find(out->inputs.begin(), out->inputs.end(), s.build_input) == out->inputs.end())
      return malformed(absl::StrCat("join build input ", s.build_input, " is not an input"));
  return absl::OkStatus();
}

absl::Status read_plan(wire::Plan::Reader r, plan* out) {
  std::map<int, size_t> index_of_id;  // portions seen so far
  auto portions = r.getPortions();
  out->portions.reserve(portions.size());
  for (auto pr : portions) {
    const std::string where = absl::StrCat("portion ", out->portions.size());
    portion_spec& p = out->portions.emplace_back();
    CODEC_RETURN_IF_ERROR(within(where, read_portion(pr, &p)));
    if (!index_of_id.emplace(p.id, out->portions.size() - 1).second)
      return within(where, malformed(absl::StrCat("duplicate portion id ", p.id)));
    for (int in : p.inputs) {
      auto it = index_of_id.find(in);
      if (it == index_of_id.end() || in == p.id)
        return within(where, malformed(absl::StrCat("input ", in, " is not an earlier portion")));
      const portion_spec& up = out->portions[it->second];
      const bool broadcast = std::find(p.broadcast_inputs.begin(), p.broadcast_inputs.end(),
                                       in) != p.broadcast_inputs.end();
      int up_partitions = up.sink == sink_kind::hash ? up.partitions : 1;
      int want = broadcast ? 1 : p.tasks;
      if (up_partitions != want)
        return within(where, malformed(absl::StrCat("input ", in, " writes ", up_partitions,
                                                    " partitions for ", want, " readers")));
      const pipeline_step* builds = nullptr;
      for (const pipeline_step& s : p.steps)
        if (s.kind == step_kind::hash_join && s.build_input == in) builds = &s;
      if (builds != nullptr) {
        CODEC_RETURN_IF_ERROR(within(
            where, within("build schema", check_output(builds->build_schema, types_of(up.output),
                                                       absl::StrCat("input portion ", in)))));
      } else if (p.source == source_kind::shuffle && !broadcast) {
        CODEC_RETURN_IF_ERROR(
            within(where, within("input schema", check_output(p.input_schema, types_of(up.output),
                                                              absl::StrCat("input portion ", in)))));
      } else {
        return within(where, malformed(absl::StrCat("input ", in, " is read by nothing")));
      }
    }
  }
  // The planner always makes at least the scan portion.
  if (out->portions.empty()) return malformed("plan has no portions");
  CODEC_RETURN_IF_ERROR(within("result", read_schema(r.getResult(), &out->result)));
  CODEC_RETURN_IF_ERROR(within(
      "result", check_output(out->result, types_of(out->portions.back().output), "last portion")));
  return absl::OkStatus();
}

absl::Status read_task(wire::TaskSpec::Reader r, task_spec* out) {
  out->program = r.getProgramId();
  CODEC_RETURN_IF_ERROR(within("portion", read_portion(r.getPortion(), &out->portion)));
  out->task = r.getTask();
  if (out->task >= static_cast<uint32_t>(out->portion.tasks))
    return malformed(
        absl::StrCat("task ", out->task, " of a portion with ", out->portion.tasks, " tasks"));
  auto blocks = r.getInputBlocks();
  if (out->portion.inputs.empty() && blocks.size() != 0)
    return malformed(
        absl::StrCat("a task of a portion without inputs has ", blocks.size(), " input blocks"));
  out->inputs.reserve(blocks.size());
  for (auto b : blocks) {
    block_ref ref{b.getNode(), b.getProgram(), b.getPortion(), b.getTask(), b.getPartition()};
    const std::string where = absl::StrCat("input block ", out->inputs.size());
    bool is_input = false;
    for (int in : out->portion.inputs) is_input |= static_cast<uint32_t>(in) == ref.portion;
    if (!is_input)
      return within(where,
                    malformed(absl::StrCat("portion ", ref.portion, " is not an input portion")));
    const auto& bc = out->portion.broadcast_inputs;
    const bool whole = std::find(bc.begin(), bc.end(), static_cast<int>(ref.portion)) != bc.end();
    const uint32_t want = whole ? 0 : out->task;
    if (ref.partition != want)
      return within(where, malformed(absl::StrCat("partition ", ref.partition, " is not ",
                                                  whole ? "a broadcast's (0)" : "this task's (",
                                                  whole ? "" : absl::StrCat(out->task, ")"))));
    out->inputs.push_back(ref);
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<char> encode_portion(const portion_spec& p) {
  capnp::MallocMessageBuilder message;
  write_portion(message.initRoot<wire::PortionSpec>(), p);
  return to_bytes(message);
}

absl::StatusOr<portion_spec> decode_portion(const char* data, size_t size) {
  portion_spec out;
  CODEC_RETURN_IF_ERROR(read_message(data, size, "malformed plan", [&](capnp::MessageReader& m) {
    return within("portion", read_portion(m.getRoot<wire::PortionSpec>(), &out));
  }));
  return out;
}

std::vector<char> encode_plan(const plan& p) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<wire::Plan>();
  auto portions = b.initPortions(p.portions.size());
  for (size_t i = 0; i < p.portions.size(); ++i) write_portion(portions[i], p.portions[i]);
  write_schema(b.initResult(), p.result);
  return to_bytes(message);
}

absl::StatusOr<plan> decode_plan(const char* data, size_t size) {
  plan out;
  CODEC_RETURN_IF_ERROR(read_message(data, size, "malformed plan", [&](capnp::MessageReader& m) {
    return read_plan(m.getRoot<wire::Plan>(), &out);
  }));
  return out;
}

std::vector<char> encode_task(const task_spec& t) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<wire::TaskSpec>();
  b.setProgramId(t.program);
  write_portion(b.initPortion(), t.portion);
  b.setTask(t.task);
  auto blocks = b.initInputBlocks(t.inputs.size());
  for (size_t i = 0; i < t.inputs.size(); ++i) {
    blocks[i].setNode(t.inputs[i].node);
    blocks[i].setProgram(t.inputs[i].program);
    blocks[i].setPortion(t.inputs[i].portion);
    blocks[i].setTask(t.inputs[i].task);
    blocks[i].setPartition(t.inputs[i].partition);
  }
  return to_bytes(message);
}

absl::StatusOr<task_spec> decode_task(const char* data, size_t size) {
  task_spec out;
  CODEC_RETURN_IF_ERROR(read_message(data, size, "malformed task", [&](capnp::MessageReader& m) {
    return read_task(m.getRoot<wire::TaskSpec>(), &out);
  }));
  return out;
}

std::vector<char> encode_task_result(const task_result& r) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<wire::TaskResult>();
  b.setRows(r.rows);
  b.setBytes(r.bytes);
  b.setSpilledBytes(r.spilled_bytes);
  auto parts = b.initPartitions(r.partition_rows.size());
  for (size_t i = 0; i < r.partition_rows.size(); ++i) parts.set(i, r.partition_rows[i]);
  return to_bytes(message);
}

absl::StatusOr<task_result> decode_task_result(const char* data, size_t size) {
  task_result out;
  CODEC_RETURN_IF_ERROR(read_message(data, size, "malformed task", [&](capnp::MessageReader& m) {
    auto r = m.getRoot<wire::TaskResult>();
    out.rows = r.getRows();
    out.bytes = r.getBytes();
    out.spilled_bytes = r.getSpilledBytes();
    auto parts = r.getPartitions();
    out.partition_rows.reserve(parts.size());
    for (uint64_t n : parts) out.partition_rows.push_back(n);
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace tranche
