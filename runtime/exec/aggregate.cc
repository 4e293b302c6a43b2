// The two-phase hash aggregate operators from exec/operators.h. The partial
// aggregate runs in scan tasks before the shuffle: it evaluates the group keys
// and arguments, maps rows to groups (group_table) and folds values into
// per-aggregate state arrays (agg_state); at finish it emits one state row per
// group. The final aggregate runs after the shuffle on those state rows and
// emits the final values. Task pipelines build both through make_*.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

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

class partial_aggregate final : public physical_operator {
 public:
  partial_aggregate(std::vector<expr_ptr> keys, std::vector<aggregate_call> aggs, schema out)
      : keys_(std::move(keys)), aggs_(std::move(aggs)), output_(std::move(out)) {}

  absl::Status push(batch in, const emit_fn&) override {
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
    return absl::OkStatus();
  }

  absl::Status finish(const emit_fn& emit) override {
    if (auto st = init(); !st.ok()) return st;
    for (auto& s : states_) s->resize(table_->size());
    return emit_groups(
        *table_, output_,
        [&](size_t b, size_t e, std::vector<column_ptr>* cols) {
          cols->resize(keys_.size());  // drop the hidden COUNT(DISTINCT) keys
          for (const auto& s : states_) s->emit_partial(b, e, cols);
        },
        emit);
  }

 private:
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
    table_ = std::make_unique<group_table>(std::move(key_types));
    for (auto& s : states_) s->resize(table_->size());
    return absl::OkStatus();
  }

  std::vector<expr_ptr> keys_;
  std::vector<aggregate_call> aggs_;
  schema output_;
  absl::Status init_status_;
  std::vector<const expr*> group_exprs_;  // keys_, then COUNT(DISTINCT) arguments
  std::unique_ptr<group_table> table_;
  std::vector<std::unique_ptr<agg_state>> states_;
  std::vector<uint32_t> gids_;
};

class final_aggregate final : public physical_operator {
 public:
  final_aggregate(size_t num_keys, std::vector<aggregate_call> aggs, schema out, bool always)
      : num_keys_(num_keys),
        aggs_(std::move(aggs)),
        output_(std::move(out)),
        global_always_emits_(always) {}

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
    std::vector<const column*> raw;
    for (const auto& c : in.columns) raw.push_back(c.get());
    const std::vector<const column*> keys(raw.begin(), raw.begin() + num_keys_);
    table_->assign(keys, in.rows, &gids_);
    size_t at = num_keys_;
    for (size_t j = 0; j < states_.size(); ++j) {
      states_[j]->resize(table_->size());
      if (auto st = states_[j]->merge(gids_.data(), in.rows, raw.data() + at); !st.ok()) return st;
      at += widths_[j];
    }
    return absl::OkStatus();
  }

  absl::Status finish(const emit_fn& emit) override {
    if (auto st = init(); !st.ok()) return st;
    if (num_keys_ == 0 && !saw_rows_ && !global_always_emits_) return absl::OkStatus();
    for (auto& s : states_) s->resize(table_->size());
    return emit_groups(
        *table_, output_,
        [&](size_t b, size_t e, std::vector<column_ptr>* cols) {
          for (const auto& s : states_) cols->push_back(s->emit_final(b, e));
        },
        emit);
  }

 private:
  absl::Status init() {
    if (table_ || !init_status_.ok()) return init_status_;
    if (output_.size() != num_keys_ + aggs_.size())
      return init_status_ =
                 invalid("final aggregate: output schema has ", std::to_string(output_.size()),
                         " columns, expected ", std::to_string(num_keys_ + aggs_.size()));
    std::vector<type_id> key_types;
    for (size_t i = 0; i < num_keys_; ++i) key_types.push_back(output_.fields[i].type);
    input_types_ = key_types;
    for (size_t j = 0; j < aggs_.size(); ++j) {
      const aggregate_call& a = aggs_[j];
      if (output_.fields[num_keys_ + j].type != a.type)
        return init_status_ =
                   invalid("final aggregate: output column ", field_name(output_, num_keys_ + j),
                           " does not have type ", type_name(a.type));
      std::vector<field> fields;
      append_state_fields(a, &fields);
      widths_.push_back(fields.size());
      for (const auto& f : fields) input_types_.push_back(f.type);
      auto s = make_agg_state(a, agg_phase::final);
      if (!s.ok()) return init_status_ = s.status();
      states_.push_back(*std::move(s));
    }
    table_ = std::make_unique<group_table>(std::move(key_types));
    for (auto& s : states_) s->resize(table_->size());
    return absl::OkStatus();
  }

  size_t num_keys_;
  std::vector<aggregate_call> aggs_;
  schema output_;
  bool global_always_emits_;
  bool saw_rows_ = false;
  absl::Status init_status_;
  std::vector<type_id> input_types_;  // keys, then each aggregate's state columns
  std::vector<size_t> widths_;        // state columns per aggregate
  std::unique_ptr<group_table> table_;
  std::vector<std::unique_ptr<agg_state>> states_;
  std::vector<uint32_t> gids_;
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
                                    schema partial_output) {
  return std::make_unique<partial_aggregate>(std::move(keys), std::move(aggs),
                                             std::move(partial_output));
}

operator_ptr make_final_aggregate(size_t num_keys, std::vector<aggregate_call> aggs, schema output,
                                  bool global_always_emits) {
  return std::make_unique<final_aggregate>(num_keys, std::move(aggs), std::move(output),
                                           global_always_emits);
}

}  // namespace tranche
