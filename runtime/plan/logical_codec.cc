// encode_logical / decode_logical (plan_codec.h): the logical program tree as
// schemas/program.capnp's LogicalNode. Clients submit dataflow programs this
// way and the head decodes them before planning, so decoding checks each node
// against its input's schema (see plan_codec.h for the list).
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "capnp/message.h"
#include "plan/codec_common.h"
#include "plan/plan_codec.h"

namespace tranche {
namespace {

using namespace codec;  // NOLINT: the codec helpers are this file's vocabulary

static_assert(same_ordinal(logical_kind::scan, wire::LogicalKind::SCAN) &&
              same_ordinal(logical_kind::filter, wire::LogicalKind::FILTER) &&
              same_ordinal(logical_kind::project, wire::LogicalKind::PROJECT) &&
              same_ordinal(logical_kind::aggregate, wire::LogicalKind::AGGREGATE) &&
              same_ordinal(logical_kind::sort, wire::LogicalKind::SORT) &&
              same_ordinal(logical_kind::limit, wire::LogicalKind::LIMIT));

void write_node(wire::LogicalNode::Builder b, const logical_node* n) {
  if (n == nullptr) {  // no builder makes one; make sure the decoder says so
    b.setKind(static_cast<wire::LogicalKind>(0xffff));
    return;
  }
  b.setKind(static_cast<wire::LogicalKind>(n->kind));
  write_schema(b.initOutput(), n->output);
  auto inputs = b.initInputs(n->inputs.size());
  for (size_t i = 0; i < n->inputs.size(); ++i) write_node(inputs[i], n->inputs[i].get());

  b.setTable(capnp::Text::Reader(n->table.data(), n->table.size()));
  auto files = b.initFiles(n->files.size());
  for (size_t i = 0; i < n->files.size(); ++i)
    files.set(i, capnp::Text::Reader(n->files[i].data(), n->files[i].size()));
  write_schema(b.initTableSchema(), n->table_schema);
  write_ints(b.initColumns(n->columns.size()), n->columns);
  write_format(b.initFormat(), n->format);

  if (n->predicate) write_expr(b.initPredicate(), n->predicate.get());
  write_exprs(b.initExprs(n->exprs.size()), n->exprs);
  write_exprs(b.initGroupKeys(n->group_keys.size()), n->group_keys);
  write_aggregates(b.initAggregates(n->aggregates.size()), n->aggregates);
  write_sort_keys(b.initKeys(n->keys.size()), n->keys);
  b.setLimit(n->limit);
}

// Every field is decoded (so a round trip is exact), but only the fields the
// node's kind uses are bound to its input schema and required.
absl::StatusOr<logical_ptr> read_node(wire::LogicalNode::Reader r, int depth) {
  if (depth > k_max_tree_depth)
    return malformed(
        absl::StrCat("program tree nested too deeply (more than ", k_max_tree_depth, " levels)"));
  auto raw_kind = static_cast<uint16_t>(r.getKind());
  if (raw_kind > static_cast<uint16_t>(wire::LogicalKind::LIMIT))
    return malformed(absl::StrCat("unknown node kind ", raw_kind));
  auto n = std::make_shared<logical_node>();
  n->kind = static_cast<logical_kind>(raw_kind);
  const std::string where = absl::StrCat(kind_name(n->kind), " node");
  auto fail = [&](auto&& s) { return within(where, std::forward<decltype(s)>(s)); };

  CODEC_RETURN_IF_ERROR(fail(within("output", read_schema(r.getOutput(), &n->output))));
  auto inputs = r.getInputs();
  size_t want_inputs = n->kind == logical_kind::scan ? 0 : 1;
  if (inputs.size() != want_inputs)
    return fail(malformed(absl::StrCat("has ", inputs.size(), " inputs, expected ", want_inputs)));
  for (auto in : inputs) {
    // The input's own kind prefixes its errors, which reads as a path.
    CODEC_ASSIGN_OR_RETURN(auto child, fail(read_node(in, depth + 1)));
    n->inputs.push_back(std::move(child));
  }
  const schema* input = want_inputs ? &n->inputs[0]->output : nullptr;
  auto bound_if = [&](logical_kind k) { return n->kind == k ? input : nullptr; };

  auto table = r.getTable();
  n->table.assign(table.begin(), table.size());
  auto files = r.getFiles();
  n->files.reserve(files.size());
  for (auto f : files) n->files.emplace_back(f.begin(), f.size());
  CODEC_RETURN_IF_ERROR(
      fail(within("table schema", read_schema(r.getTableSchema(), &n->table_schema))));
  CODEC_RETURN_IF_ERROR(
      fail(read_columns(r.getColumns(), n->table_schema.size(), "scan column", &n->columns)));
  CODEC_RETURN_IF_ERROR(fail(read_format(r.getFormat(), &n->format)));

  if (r.hasPredicate()) {
    CODEC_ASSIGN_OR_RETURN(
        n->predicate,
        fail(within("predicate", read_expr(r.getPredicate(), bound_if(logical_kind::filter)))));
  }
  CODEC_RETURN_IF_ERROR(fail(read_exprs(r.getExprs(), bound_if(logical_kind::project), &n->exprs)));
  CODEC_RETURN_IF_ERROR(
      fail(within("group keys", read_exprs(r.getGroupKeys(), bound_if(logical_kind::aggregate),
                                           &n->group_keys))));
  CODEC_RETURN_IF_ERROR(
      fail(read_aggregates(r.getAggregates(), bound_if(logical_kind::aggregate), &n->aggregates)));
  CODEC_RETURN_IF_ERROR(fail(read_sort_keys(
      r.getKeys(), n->kind == logical_kind::sort ? input->size() : SIZE_MAX, &n->keys)));
  n->limit = r.getLimit();

  // What the kind produces; the output schema must agree with it.
  std::vector<type_id> produced;
  switch (n->kind) {
    case logical_kind::scan:
      // Every scan reads a named table; an unnamed one is an all-defaults
      // struct, which no encoder writes.
      if (n->table.empty()) return fail(malformed("scan has no table name"));
      for (int c : n->columns) produced.push_back(n->table_schema.fields[c].type);
      break;
    case logical_kind::filter:
      if (!n->predicate) return fail(malformed("has no predicate"));
      if (n->predicate->type != type_id::boolean)
        return fail(malformed(
            absl::StrCat("predicate is ", type_label(n->predicate->type), ", expected BOOLEAN")));
      produced = types_of(*input);
      break;
    case logical_kind::project:
      for (const auto& e : n->exprs) produced.push_back(e->type);
      break;
    case logical_kind::aggregate:
      for (const auto& e : n->group_keys) produced.push_back(e->type);
      for (const auto& a : n->aggregates) produced.push_back(a.type);
      break;
    case logical_kind::sort:
      produced = types_of(*input);
      break;
    case logical_kind::limit:
      if (n->limit < 0) return fail(malformed(absl::StrCat("limit ", n->limit, " is negative")));
      produced = types_of(*input);
      break;
  }
  CODEC_RETURN_IF_ERROR(fail(within("output", check_output(n->output, produced, "node"))));
  return logical_ptr(std::move(n));
}

}  // namespace

std::vector<char> encode_logical(const logical_node& n) {
  capnp::MallocMessageBuilder message;
  write_node(message.initRoot<wire::LogicalNode>(), &n);
  return to_bytes(message);
}

absl::StatusOr<logical_ptr> decode_logical(const char* data, size_t size) {
  logical_ptr out;
  CODEC_RETURN_IF_ERROR(read_message(data, size, "malformed plan", [&](capnp::MessageReader& m) {
    CODEC_ASSIGN_OR_RETURN(out, read_node(m.getRoot<wire::LogicalNode>(), 1));
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace tranche
