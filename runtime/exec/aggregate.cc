// The two-phase hash aggregate operators from exec/operators.h. The partial
// aggregate runs in scan tasks before the shuffle: it evaluates the group keys
// and arguments, maps rows to groups (group_table) and folds values into
// per-aggregate state arrays (agg_state); at finish it emits one state row per
// group. The final aggregate runs after the shuffle on those state rows and
// emits the final values. Task pipelines build both through make_*.
//
// Memory (with a memory_budget): both estimate their state as
// group_table::memory_bytes() plus each agg_state's memory_bytes() (capacity
// of the slot arrays and hash maps, string and set contents), checked after
// each input batch. The partial aggregate then emits what it holds and starts
// over; the final aggregate writes its groups to spill partitions
// (exec/agg_spill.h). So the state passes the limit by at most what one input
// batch adds, and vectors' doubling can make the real footprint up to twice
// the estimate in between; spill write buffers add about limit/8.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "exec/agg_spill.h"
#include "exec/agg_state.h"
#include "exec/column_util.h"
#include "exec/group_table.h"
#include "exec/operators.h"

namespace tranche {
namespace {

// Emits groups [0, table.size()) in batches of k_emit_batch_rows: the keys,
// then whatever `columns_of(begin, end, &cols)` appends.
template <class F>
absl::Status emit_groups(const group_table& table, const schema& out_schema, F columns_of,
                         const emit_fn& emit) {
  const size_t groups = table.size();
  for (size_t begin = 0; begin < groups; begin += k_emit_batch_rows) {
    const size_t end = std::min(groups, begin + k_emit_batch_rows);
    batch out;
    out.schema = out_schema;
    out.rows = end - begin;
    out.columns = table.keys(begin, end);
    columns_of(begin, end, &out.columns);
    if (auto st = emit(std::move(out)); !st.ok()) return st;
  }
  return absl::OkStatus();
}

std::string field_name(const schema& s, size_t i) {
  return i < s.size() ? "\"" + s.fields[i].name + "\"" : "#" + std::to_string(i);
}

class partial_aggregate final : public spilling_operator {
 public:
  partial_aggregate(std::vector<expr_ptr> keys, std::vector<aggregate_call> aggs, schema out,
                    memory_budget budget)
      : keys_(std::move(keys)),
        aggs_(std::move(aggs)),
        output_(std::move(out)),
        budget_(std::move(budget)) {}

  // Never spills: over the limit it emits its states early instead.
  uint64_t spilled_bytes() const override { return 0; }

  absl::Status push(batch in, const emit_fn& emit) override {
    if (auto st = init(); !st.ok()) return st;
    if (in.rows == 0) return absl::OkStatus();
    // Aggregates often share an argument (SUM(x), AVG(x)): evaluate it once.
    // Group keys are looked up there too, for COUNT(DISTINCT x)'s hidden x.
    std::vector<std::pair<const expr*, column_ptr>> args;
    std::vector<const column*> key_raw;
    for (const expr* k : group_exprs_) {
      auto c = evaluate(*k, in);
      if (!c.ok()) return c.status();
      key_raw.push_back(c->get());
      args.emplace_back(k, *std::move(c));
    }
    table_->assign(key_raw, in.rows, &gids_);
    for (size_t j = 0; j < aggs_.size(); ++j) {
      states_[j]->resize(table_->size());
      const expr* arg = aggs_[j].fn == agg_fn::count_star ? nullptr : aggs_[j].arg.get();
      column_ptr value;
      if (arg) {
        for (const auto& [e, c] : args)
          if (e == arg) value = c;
        if (!value) {
          auto c = evaluate(*arg, in);
          if (!c.ok()) return c.status();
          value = *std::move(c);
          args.emplace_back(arg, value);
        }
      }
      if (auto st = states_[j]->update(gids_.data(), in.rows, value.get()); !st.ok()) return st;
    }
    // Over the budget: hand the states on now (the final aggregate merges a
    // group's rows however many there are) and start over. Without group
    // expressions there is one group, which is always small.
    if (budget_.limit > 0 && !group_exprs_.empty() &&
        memory_bytes() > static_cast<size_t>(budget_.limit)) {
      if (auto st = emit_states(emit); !st.ok()) return st;
      reset();
    }
    return absl::OkStatus();
  }

  absl::Status finish(const emit_fn& emit) override {
    if (auto st = init(); !st.ok()) return st;
    return emit_states(emit);
  }

 private:
  size_t memory_bytes() const {
    size_t n = table_->memory_bytes() + gids_.capacity() * sizeof(uint32_t);
    for (const auto& s : states_) n += s->memory_bytes();
    return n;
  }

  // A fresh table and states (make_agg_state succeeded for each in init()).
  void reset() {
    table_ = std::make_unique<group_table>(key_types_);
    for (size_t j = 0; j < aggs_.size(); ++j) {
      states_[j] = *make_agg_state(aggs_[j], agg_phase::partial);
      states_[j]->resize(table_->size());
    }
    gids_ = {};
  }

  absl::Status emit_states(const emit_fn& emit) {
    for (auto& s : states_) s->resize(table_->size());
    return emit_groups(
        *table_, output_,
        [&](size_t b, size_t e, std::vector<column_ptr>* cols) {
          cols->resize(keys_.size());  // drop the hidden COUNT(DISTINCT) keys
          for (const auto& s : states_) s->emit_partial(b, e, cols);
        },
        emit);
  }

  // Validates the output schema against keys and aggregates once, and builds
  // the table and states; the result is remembered for later calls.
  absl::Status init() {
    if (table_ || !init_status_.ok()) return init_status_;
    std::vector<field> expected;
    std::vector<type_id> key_types;
    for (size_t i = 0; i < keys_.size(); ++i) {
      group_exprs_.push_back(keys_[i].get());
      key_types.push_back(keys_[i]->type);
      expected.push_back({i < output_.size() ? output_.fields[i].name : "", keys_[i]->type});
    }
    // Grouping by each COUNT(DISTINCT) argument as well deduplicates its
    // values here, before the shuffle; the final state counts what remains.
    for (const auto& a : aggs_) {
      if (a.fn != agg_fn::count_distinct || !a.arg) continue;
      group_exprs_.push_back(a.arg.get());
      key_types.push_back(a.arg->type);
    }
    for (const auto& a : aggs_) {
      append_state_fields(a, &expected);
      auto s = make_agg_state(a, agg_phase::partial);
      if (!s.ok()) return init_status_ = s.status();
      states_.push_back(*std::move(s));
    }
    if (expected.size() != output_.size())
      return init_status_ =
                 invalid("partial aggregate: output schema has ", std::to_string(output_.size()),
                         " columns, expected ", std::to_string(expected.size()));
    for (size_t i = 0; i < expected.size(); ++i)
      if (expected[i].type != output_.fields[i].type)
        return init_status_ = invalid("partial aggregate: output column ", field_name(output_, i),
                                      " has type ",
                                      std::string(type_name(output_.fields[i].type)) +
                                          ", expected " + std::string(type_name(expected[i].type)));
    key_types_ = key_types;
    table_ = std::make_unique<group_table>(std::move(key_types));
    for (auto& s : states_) s->resize(table_->size());
    return absl::OkStatus();
  }

  std::vector<expr_ptr> keys_;
  std::vector<aggregate_call> aggs_;
  schema output_;
  memory_budget budget_;
  std::vector<type_id> key_types_;  // of group_exprs_
  absl::Status init_status_;
  std::vector<const expr*> group_exprs_;  // keys_, then COUNT(DISTINCT) arguments
  std::unique_ptr<group_table> table_;
  std::vector<std::unique_ptr<agg_state>> states_;
  std::vector<uint32_t> gids_;
};

class final_aggregate final : public spilling_operator {
 public:
  final_aggregate(size_t num_keys, std::vector<aggregate_call> aggs, schema out, bool always,
                  memory_budget budget)
      : global_always_emits_(always) {
    spec_.num_keys = num_keys;
    spec_.aggs = std::move(aggs);
    spec_.output = std::move(out);
    spec_.budget = std::move(budget);
  }

  uint64_t spilled_bytes() const override {
    return spilled_ + (spill_ ? spill_->spilled_bytes() : 0);
  }

  absl::Status push(batch in, const emit_fn&) override {
    if (auto st = init(); !st.ok()) return st;
    if (in.rows == 0) return absl::OkStatus();
    if (in.columns.size() != input_types_.size())
      return invalid("final aggregate: input has ", std::to_string(in.columns.size()),
                     " columns, expected ", std::to_string(input_types_.size()));
    for (size_t i = 0; i < input_types_.size(); ++i) {
      const std::string what = "final aggregate: input column " + field_name(in.schema, i);
      if (auto st = check_column(*in.columns[i], input_types_[i], in.rows, what); !st.ok())
        return st;
    }
    saw_rows_ = true;
    if (auto st = groups_->merge(in); !st.ok()) return st;
    // Over the budget: move the groups to spill partitions and start over.
    // The global aggregate holds one group and never needs to.
    if (spec_.budget.limit > 0 && spec_.num_keys > 0 &&
        groups_->memory_bytes() > static_cast<size_t>(spec_.budget.limit)) {
      if (!spill_) spill_ = std::make_unique<final_spill>(spec_);
      if (auto st = spill_->add(groups_.get()); !st.ok()) return st;
    }
    return absl::OkStatus();
  }

  absl::Status finish(const emit_fn& emit) override {
    if (auto st = init(); !st.ok()) return st;
    if (spec_.num_keys == 0 && !saw_rows_ && !global_always_emits_) return absl::OkStatus();
    if (!spill_) return groups_->emit_final(emit);
    auto st = spill_->add(groups_.get());
    if (st.ok()) st = spill_->finish(emit);
    spilled_ += spill_->spilled_bytes();
    spill_.reset();  // the spill files go at once, not with the operator
    return st;
  }

 private:
  absl::Status init() {
    if (groups_ || !init_status_.ok()) return init_status_;
    const size_t num_keys = spec_.num_keys;
    const schema& output = spec_.output;
    if (output.size() != num_keys + spec_.aggs.size())
      return init_status_ =
                 invalid("final aggregate: output schema has ", std::to_string(output.size()),
                         " columns, expected ", std::to_string(num_keys + spec_.aggs.size()));
    for (size_t i = 0; i < num_keys; ++i) {
      spec_.key_types.push_back(output.fields[i].type);
      spec_.state_schema.fields.push_back(output.fields[i]);
    }
    input_types_ = spec_.key_types;
    for (size_t j = 0; j < spec_.aggs.size(); ++j) {
      const aggregate_call& a = spec_.aggs[j];
      if (output.fields[num_keys + j].type != a.type)
        return init_status_ =
                   invalid("final aggregate: output column ", field_name(output, num_keys + j),
                           " does not have type ", type_name(a.type));
      const size_t before = spec_.state_schema.size();
      append_state_fields(a, &spec_.state_schema.fields);
      spec_.widths.push_back(spec_.state_schema.size() - before);
      for (size_t i = before; i < spec_.state_schema.size(); ++i)
        input_types_.push_back(spec_.state_schema.fields[i].type);
      if (auto s = make_agg_state(a, agg_phase::final); !s.ok()) return init_status_ = s.status();
    }
    groups_ = std::make_unique<final_groups>(spec_);
    return absl::OkStatus();
  }

  final_spec spec_;
  bool global_always_emits_;
  bool saw_rows_ = false;
  absl::Status init_status_;
  std::vector<type_id> input_types_;  // keys, then each aggregate's state columns
  std::unique_ptr<final_groups> groups_;
  std::unique_ptr<final_spill> spill_;
  uint64_t spilled_ = 0;  // by spills already finished
};

}  // namespace

schema partial_aggregate_schema(const std::vector<field>& keys,
                                const std::vector<aggregate_call>& aggs) {
  schema s;
  s.fields = keys;
  for (const auto& a : aggs) append_state_fields(a, &s.fields);
  return s;
}

operator_ptr make_partial_aggregate(std::vector<expr_ptr> keys, std::vector<aggregate_call> aggs,
                                    schema partial_output, memory_budget budget) {
  return std::make_unique<partial_aggregate>(std::move(keys), std::move(aggs),
                                             std::move(partial_output), std::move(budget));
}

operator_ptr make_final_aggregate(size_t num_keys, std::vector<aggregate_call> aggs, schema output,
                                  bool global_always_emits, memory_budget budget) {
  return std::make_unique<final_aggregate>(num_keys, std::move(aggs), std::move(output),
                                           global_always_emits, std::move(budget));
}

}  // namespace tranche
