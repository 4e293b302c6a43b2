// The hash join operator from exec/hash_join.h: checks the spec once, keeps
// the build batches as they come, and on the first push() concatenates them
// into one batch and indexes it (join_table); every probe batch is then
// joined by join_prober. Nothing is held back between probe batches, so
// finish() emits nothing in memory. When the build batches pass
// memory_limit, they and everything after go to a grace_join
// (join_spill.h), which emits most rows at finish().
#include "exec/hash_join.h"

#include <string>
#include <utility>

#include "exec/column_util.h"
#include "exec/join_probe.h"
#include "exec/join_spill.h"
#include "exec/join_table.h"

namespace tranche {

namespace {

std::string num(size_t n) { return std::to_string(n); }

absl::Status check_spec(const join_spec& s) {
  const std::string what = std::string("hash join (") + join_type_name(s.type) + "): ";
  if (s.probe_keys.size() != s.build_keys.size())
    return invalid(what, num(s.probe_keys.size()) + " probe keys but ",
                   num(s.build_keys.size()) + " build keys");
  for (size_t k = 0; k < s.probe_keys.size(); ++k) {
    const int p = s.probe_keys[k], b = s.build_keys[k];
    if (p < 0 || static_cast<size_t>(p) >= s.probe_schema.size())
      return invalid(what, "probe key column #" + std::to_string(p), " is out of range");
    if (b < 0 || static_cast<size_t>(b) >= s.build_schema.size())
      return invalid(what, "build key column #" + std::to_string(b), " is out of range");
    const field& pf = s.probe_schema.fields[static_cast<size_t>(p)];
    const field& bf = s.build_schema.fields[static_cast<size_t>(b)];
    if (pf.type != bf.type)
      return invalid(what, "key \"" + pf.name + "\" (" + std::string(type_name(pf.type)),
                     ") = \"" + bf.name + "\" (" + std::string(type_name(bf.type)),
                     "): key types differ");
  }
  if (s.type == join_type::anti_null_aware && s.probe_keys.size() != 1)
    return invalid(what, "needs exactly one key, got ", num(s.probe_keys.size()));
  if (s.residual && s.residual->type != type_id::boolean)
    return invalid(what, "residual condition has type ", type_name(s.residual->type),
                   ", expected BOOLEAN");
  schema expected = s.probe_schema;
  if (s.type == join_type::inner || s.type == join_type::left)
    for (const auto& f : s.build_schema.fields) expected.fields.push_back(f);
  bool same = expected.size() == s.output.size();
  for (size_t i = 0; same && i < expected.size(); ++i)
    same = expected.fields[i].type == s.output.fields[i].type;
  if (!same)
    return invalid(what, "output schema has " + num(s.output.size()) + " columns, expected ",
                   num(expected.size()) + " (probe columns",
                   expected.size() > s.probe_schema.size() ? " then build columns)" : ")");
  if (s.memory_limit < 0) return invalid(what, "negative memory limit");
  return absl::OkStatus();
}

absl::Status check_batch(const batch& b, const schema& s, const char* side) {
  if (b.columns.size() != s.size())
    return invalid("hash join: ", side,
                   " batch has " + num(b.columns.size()) + " columns, expected ", num(s.size()));
  for (size_t c = 0; c < s.size(); ++c) {
    if (!b.columns[c])
      return invalid("hash join: ", side, " column \"" + s.fields[c].name, "\" is missing");
    if (auto st = check_column(
            *b.columns[c], s.fields[c].type, b.rows,
            std::string("hash join: ") + side + " column \"" + s.fields[c].name + "\"");
        !st.ok())
      return st;
  }
  return absl::OkStatus();
}

class hash_join final : public hash_join_operator {
 public:
  explicit hash_join(join_spec spec)
      : spec_(std::move(spec)), status_(check_spec(spec_)), prober_(spec_) {}

  absl::Status add_build(const batch& b) override {
    if (!status_.ok()) return status_;
    if (sealed_)
      return absl::FailedPreconditionError("hash join: add_build after the probe side started");
    if (auto st = check_batch(b, spec_.build_schema, "build"); !st.ok()) return st;
    if (b.rows == 0) return absl::OkStatus();
    if (grace_) return keep(grace_->add_build(b));
    build_rows_ += b.rows;
    build_bytes_ += approx_bytes(b);
    parts_.push_back(b);
    if (may_spill() && build_bytes_ > static_cast<uint64_t>(spec_.memory_limit)) {
      grace_ = std::make_unique<grace_join>(spec_, &prober_);
      for (const auto& p : parts_)
        if (auto st = keep(grace_->add_build(p)); !st.ok()) return st;
      parts_.clear();
      return absl::OkStatus();
    }
    if (build_rows_ >= k_no_row)
      return keep(invalid("hash join: build side has more than ", num(k_no_row - 1),
                          " rows; set a memory limit so that it spills"));
    return absl::OkStatus();
  }

  absl::Status push(batch in, const emit_fn& emit) override {
    if (auto st = seal(); !st.ok()) return st;
    if (auto st = check_batch(in, spec_.probe_schema, "probe"); !st.ok()) return st;
    if (grace_) return keep(grace_->push(in, emit));
    return prober_.probe(in, table_, facts_, emit);
  }

  absl::Status finish(const emit_fn& emit) override {
    if (auto st = seal(); !st.ok()) return st;
    if (!grace_) return absl::OkStatus();
    auto st = grace_->finish(emit);
    spilled_ = grace_->spilled_bytes();
    grace_.reset();  // closes (and so removes) every spill file
    return keep(std::move(st));
  }

  uint64_t spilled_bytes() const override { return grace_ ? grace_->spilled_bytes() : spilled_; }

 private:
  // Joins without keys and NOT IN with a residual compare some probe rows
  // with every build row, so they cannot partition (join_spill.h).
  bool may_spill() const {
    return spec_.memory_limit > 0 && !spec_.build_keys.empty() &&
           !(spec_.type == join_type::anti_null_aware && spec_.residual);
  }

  // Remembers the first error: the operator is unusable after it.
  absl::Status keep(absl::Status st) {
    if (!st.ok() && status_.ok()) status_ = st;
    return st;
  }

  absl::Status seal() {
    if (!status_.ok() || sealed_) return status_;
    sealed_ = true;
    if (grace_) return status_;
    batch all;
    if (parts_.size() == 1) {
      all = std::move(parts_[0]);
    } else if (status_ = concat_batches(parts_, spec_.build_schema, &all); !status_.ok()) {
      return status_;
    }
    parts_.clear();
    all.schema = spec_.build_schema;
    table_.build(std::move(all), spec_.build_keys);
    facts_.rows = table_.size();
    facts_.null_key = !table_.null_key_rows().empty();
    return status_;
  }

  const join_spec spec_;
  absl::Status status_;  // the first error; every later call returns it
  join_prober prober_;
  bool sealed_ = false;
  uint64_t build_rows_ = 0;
  uint64_t build_bytes_ = 0;
  std::vector<batch> parts_;
  join_table table_;
  build_facts facts_;
  std::unique_ptr<grace_join> grace_;  // once the build side passed memory_limit
  uint64_t spilled_ = 0;
};

}  // namespace

std::unique_ptr<hash_join_operator> make_hash_join(join_spec spec) {
  return std::make_unique<hash_join>(std::move(spec));
}

}  // namespace tranche
