// Internal to plan/: what the logical codec (logical_codec.cc) and the plan
// codec (plan_codec.cc) share: converting schemas, expressions, aggregate
// calls, sort keys, CSV formats and column lists to and from their Cap'n Proto
// form, the checks that tie them to the schema they read, and the framing that
// turns untrusted bytes into a message reader (codec_common.cc; expressions
// and aggregate calls in expr_codec.cc). Readers return bare messages
// ("add has 1 argument, expected 2"); callers prefix where they were, and
// read_message prefixes "malformed plan: " (or the like).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "capnp/message.h"
#include "exec/expr.h"
#include "plan/logical.h"
#include "schemas/batch.capnp.h"
#include "schemas/program.capnp.h"
#include "tranche/types.h"

// Abseil 20220623 has no status macros; these stay private to the codecs.
#define CODEC_RETURN_IF_ERROR(expr)                                      \
  do {                                                                   \
    if (absl::Status codec_s_ = (expr); !codec_s_.ok()) return codec_s_; \
  } while (false)
#define CODEC_CONCAT_INNER_(a, b) a##b
#define CODEC_CONCAT_(a, b) CODEC_CONCAT_INNER_(a, b)
#define CODEC_ASSIGN_OR_RETURN(lhs, rexpr) \
  CODEC_ASSIGN_OR_RETURN_IMPL_(CODEC_CONCAT_(codec_or_, __LINE__), lhs, rexpr)
#define CODEC_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                 \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

namespace tranche::codec {

// Deeper expressions are refused before Cap'n Proto's own nesting limit is
// reached, so the error names the cause. The binder never builds more than
// a few dozen levels.
inline constexpr int k_max_expr_depth = 256;
inline constexpr int k_max_tree_depth = 256;

// The wire enums are cast to and from the in-memory ones; static_asserts on
// this keep the ordinals in step if either side gains a member.
template <class A, class B>
constexpr bool same_ordinal(A a, B b) {
  return static_cast<int>(a) == static_cast<int>(b);
}

// InvalidArgument with `what`, and the same error with "where: " in front.
[[nodiscard]] absl::Status malformed(absl::string_view what);
[[nodiscard]] absl::Status within(absl::string_view where, const absl::Status& s);
template <class T>
[[nodiscard]] absl::StatusOr<T> within(absl::string_view where, absl::StatusOr<T> v) {
  if (v.ok()) return v;
  return within(where, v.status());
}

[[nodiscard]] std::string type_label(type_id t);  // "BIGINT"
[[nodiscard]] std::vector<type_id> types_of(const schema& s);
// State columns of one aggregate in a partial aggregate's output; mirrors the
// contract of partial_aggregate_schema in exec/operators.h.
[[nodiscard]] std::vector<type_id> partial_state_types(const aggregate_call& a);

// ---- encoding (never fails; null pointers, which no builder produces, are
// written as invalid objects so that decoding rejects them)
void write_schema(wire::Schema::Builder b, const schema& s);
void write_expr(wire::Expr::Builder b, const expr* e);
void write_exprs(capnp::List<wire::Expr>::Builder b, const std::vector<expr_ptr>& v);
void write_aggregates(capnp::List<wire::AggregateCall>::Builder b,
                      const std::vector<aggregate_call>& v);
void write_sort_keys(capnp::List<wire::SortKey>::Builder b, const std::vector<sort_key>& v);
void write_format(wire::CsvFormat::Builder b, const csv_format& f);
void write_ints(capnp::List<int32_t>::Builder b, const std::vector<int>& v);
[[nodiscard]] std::vector<char> to_bytes(capnp::MessageBuilder& m);

// ---- decoding. `input`, when given, is the schema the expressions read:
// column references must be in range and of the field's type.
[[nodiscard]] absl::Status read_type(wire::TypeId t, type_id* out);
[[nodiscard]] absl::Status read_schema(wire::Schema::Reader r, schema* out);
[[nodiscard]] absl::StatusOr<expr_ptr> read_expr(wire::Expr::Reader r, const schema* input);
[[nodiscard]] absl::Status read_exprs(capnp::List<wire::Expr>::Reader r, const schema* input,
                                      std::vector<expr_ptr>* out);
[[nodiscard]] absl::Status read_aggregates(capnp::List<wire::AggregateCall>::Reader r,
                                           const schema* input, std::vector<aggregate_call>* out);
// Sort key columns must be below `width`.
[[nodiscard]] absl::Status read_sort_keys(capnp::List<wire::SortKey>::Reader r, size_t width,
                                          std::vector<sort_key>* out);
[[nodiscard]] absl::Status read_format(wire::CsvFormat::Reader r, csv_format* out);
// Each value must lie in [0, width); `what` names the list in errors.
[[nodiscard]] absl::Status read_columns(capnp::List<int32_t>::Reader r, size_t width,
                                        absl::string_view what, std::vector<int>* out);
// `got` must have exactly the types `produced` (names are free). Callers say
// which schema it is: within("output", check_output(...)).
[[nodiscard]] absl::Status check_output(const schema& got, const std::vector<type_id>& produced,
                                        absl::string_view producer);

// Frames `data` as one Cap'n Proto message (copying it if misaligned), with
// limits fit for hostile bytes, and runs `fn` on it. Every failure, including
// a kj::Exception thrown while `fn` reads, comes back as InvalidArgument
// "<prefix>: <what>".
[[nodiscard]] absl::Status read_message(const char* data, size_t size, absl::string_view prefix,
                                        absl::FunctionRef<absl::Status(capnp::MessageReader&)> fn);

}  // namespace tranche::codec
