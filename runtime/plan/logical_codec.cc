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
              same_ordinal(logical_kind::limit, wire::LogicalKind::LIMIT) &&
              same_ordinal(logical_kind::join, wire::LogicalKind::JOIN) &&
              same_ordinal(logical_kind::union_all, wire::LogicalKind::UNION_ALL) &&
              same_ordinal(logical_kind::single_row, wire::LogicalKind::SINGLE_ROW));
static_assert(same_ordinal(join_type::inner, wire::LogicalJoinType::INNER) &&
              same_ordinal(join_type::anti_null_aware, wire::LogicalJoinType::ANTI_NULL_AWARE));

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
  b.setJoinType(static_cast<wire::LogicalJoinType>(n->join));
  write_ints(b.initLeftKeys(n->left_keys.size()), n->left_keys);
  write_ints(b.initRightKeys(n->right_keys.size()), n->right_keys);
}

// Every field is decoded (so a round trip is exact), but only the fields the
// node's kind uses are bound to its input schema and required.
absl::StatusOr<logical_ptr> read_node(wire::LogicalNode::Reader r, int depth) {
  if (depth > k_max_tree_depth)
    return malformed(
        absl::StrCat("program tree nested too deeply (more than ", k_max_tree_depth, " levels)"));
  auto raw_kind = static_cast<uint16_t>(r.getKind());
  if (raw_kind > static_cast<uint16_t>(wire::LogicalKind::SINGLE_ROW))
    return malformed(absl::StrCat("unknown node kind ", raw_kind));
  auto n = std::make_shared<logical_node>();
  n->kind = static_cast<logical_kind>(raw_kind);
  const std::string where = absl::StrCat(kind_name(n->kind), " node");
  auto fail = [&](auto&& s) { return within(where, std::forward<decltype(s)>(s)); };

  CODEC_RETURN_IF_ERROR(fail(within("output", read_schema(r.getOutput(), &n->output))));
  auto inputs = r.getInputs();
  size_t want_inputs = n->kind == logical_kind::scan   ? 0
                       : n->kind == logical_kind::join ? 2
                                                       : 1;
  if (n->kind == logical_kind::union_all ? inputs.size() < 2 : inputs.size() != want_inputs)
    return fail(malformed(absl::StrCat("has ", inputs.size(), " inputs, expected ",
                                       n->kind == logical_kind::union_all
                                           ? std::string("2 or more")
                                           : absl::StrCat(want_inputs))));
  for (auto in : inputs) {
    // The input's own kind prefixes its errors, which reads as a path.
    CODEC_ASSIGN_OR_RETURN(auto child, fail(read_node(in, depth + 1)));
    n->inputs.push_back(std::move(child));
  }
  const schema* input = want_inputs ? &n->inputs[0]->output : nullptr;
  auto bound_if = [&](logical_kind k) { return n->kind == k ? input : nullptr; };
  schema joined;  // a join's residual reads left ++ right
  if (n->kind == logical_kind::join) {
    joined = n->inputs[0]->output;
    for (const field& f : n->inputs[1]->output.fields) joined.fields.push_back(f);
  }

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
    const schema* over = n->kind == logical_kind::join ? &joined : bound_if(logical_kind::filter);
    CODEC_ASSIGN_OR_RETURN(n->predicate,
                           fail(within("predicate", read_expr(r.getPredicate(), over))));
  }
  auto raw_join = static_cast<uint16_t>(r.getJoinType());
  if (raw_join > static_cast<uint16_t>(wire::LogicalJoinType::ANTI_NULL_AWARE))
    return fail(malformed(absl::StrCat("unknown join type ", raw_join)));
  n->join = static_cast<join_type>(raw_join);
  const bool is_join = n->kind == logical_kind::join;
  CODEC_RETURN_IF_ERROR(fail(read_columns(r.getLeftKeys(),
                                          is_join ? n->inputs[0]->output.size() : SIZE_MAX,
                                          "left key", &n->left_keys)));
  CODEC_RETURN_IF_ERROR(fail(read_columns(r.getRightKeys(),
                                          is_join ? n->inputs[1]->output.size() : SIZE_MAX,
                                          "right key", &n->right_keys)));
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
    case logical_kind::single_row:
      produced = types_of(*input);
      break;
    case logical_kind::union_all:
      produced = types_of(*input);
      for (const logical_ptr& in : n->inputs)
        CODEC_RETURN_IF_ERROR(
            fail(within("union input", check_output(in->output, produced, "input"))));
      break;
    case logical_kind::join:
      if (n->left_keys.size() != n->right_keys.size())
        return fail(malformed(absl::StrCat(n->left_keys.size(), " left keys but ",
                                           n->right_keys.size(), " right keys")));
      for (size_t k = 0; k < n->left_keys.size(); ++k)
        if (n->inputs[0]->output.fields[n->left_keys[k]].type !=
            n->inputs[1]->output.fields[n->right_keys[k]].type)
          return fail(malformed(absl::StrCat("join key ", k, " has two types")));
      if (n->predicate && n->predicate->type != type_id::boolean)
        return fail(malformed("join condition is not BOOLEAN"));
      produced = types_of(join_keeps_right(n->join) ? joined : *input);
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
