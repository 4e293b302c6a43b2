// Cap'n Proto codecs for everything of a program that crosses a process
// boundary: the logical tree (schemas/program.capnp), portions, plans, task
// specs and task results (schemas/plan.capnp). The head encodes plans and
// tasks; executors and the job actor decode them from untrusted bytes.
//
// Decoding never throws and never trusts the bytes. Beyond the wire format it
// checks what would otherwise make a kernel read out of bounds or misread a
// column: known enum values; each expression op's arity, result type (as the
// constructors in exec/expr.h derive it) and numeric operands for arithmetic;
// literals matching their type; nesting depth (at most 256); column indices
// and types against the schema each expression reads (a node's input, a
// step's input); aggregate calls (COUNT(*) alone has no argument; result
// types as in logical.h); output schemas that agree with what the node or
// step produces; sort/partition/scan columns in range; one split list per
// scan task; shuffle inputs that are earlier portions whose partition count
// equals the consumer's task count; a task number below the portion's tasks.
// Errors are InvalidArgument "malformed plan: <where>: <what>" (or
// "malformed task: ...") and never echo the bytes.
#pragma once

#include <cstddef>
#include <vector>

#include "absl/status/statusor.h"
#include "plan/logical.h"
#include "plan/plan.h"
#include "plan/task.h"

namespace tranche {

[[nodiscard]] std::vector<char> encode_logical(const logical_node& n);
[[nodiscard]] absl::StatusOr<logical_ptr> decode_logical(const char* data, size_t size);

[[nodiscard]] std::vector<char> encode_portion(const portion_spec& p);
[[nodiscard]] absl::StatusOr<portion_spec> decode_portion(const char* data, size_t size);

[[nodiscard]] std::vector<char> encode_plan(const plan& p);
[[nodiscard]] absl::StatusOr<plan> decode_plan(const char* data, size_t size);

[[nodiscard]] std::vector<char> encode_task(const task_spec& t);
[[nodiscard]] absl::StatusOr<task_spec> decode_task(const char* data, size_t size);

[[nodiscard]] std::vector<char> encode_task_result(const task_result& r);
[[nodiscard]] absl::StatusOr<task_result> decode_task_result(const char* data, size_t size);

}  // namespace tranche
