// Implementation of exec/agg_spill.h: the final aggregate's in-memory groups,
// hashing and scattering partial-state rows into spill partitions, and the
// recursive partition-by-partition aggregation at finish.
#include "exec/hash_mix.h"
#include "exec/agg_spill.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <utility>

#include "exec/column_util.h"

namespace tranche {
namespace {

inline uint64_t mix(uint64_t k) { return fmix64(k); }

inline uint64_t combine(uint64_t h, uint64_t v) { return mix(h ^ (v + 0x9e3779b97f4a7c15ULL)); }

constexpr uint64_t k_null_hash = 0x5be0cd19137e2179ULL;
// Unrelated to the shuffle's seed (exec/partition.cc): the rows a final
// aggregate receives share their shuffle partition, and must still spread.
constexpr uint64_t k_level_seed = 0x510e527fade682d1ULL;

uint64_t level_seed(int depth) { return mix(k_level_seed + static_cast<uint64_t>(depth)); }

uint64_t string_hash(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix(h ^ s.size());
}

}  // namespace

void group_key_hash(const batch& b, size_t num_keys, uint64_t seed, std::vector<uint64_t>* out) {
  const size_t n = b.rows;
  out->assign(n, seed);
  uint64_t* h = out->data();
  for (size_t k = 0; k < num_keys; ++k) {
    const column& c = *b.columns[k];
    const uint8_t* valid = c.has_nulls() ? c.valid().data() : nullptr;
    auto fold = [&](auto value_hash) {
      for (size_t i = 0; i < n; ++i)
        h[i] = combine(h[i], (valid && !valid[i]) ? k_null_hash : value_hash(i));
    };
    switch (c.type()) {
      case type_id::int64:
      case type_id::date: {
        const int64_t* v = c.i64().data();
        fold([&](size_t i) { return mix(static_cast<uint64_t>(v[i])); });
        break;
      }
      case type_id::float64: {
        const double* v = c.f64().data();
        fold([&](size_t i) {
          double x = v[i];
          if (x == 0) x = 0.0;
          if (std::isnan(x)) return mix(0x7ff8000000000000ULL);
          return mix(std::bit_cast<uint64_t>(x));
        });
        break;
      }
      case type_id::boolean: {
        const uint8_t* v = c.b().data();
        fold([&](size_t i) { return mix(v[i] & 1); });
        break;
      }
      case type_id::string:
        fold([&](size_t i) { return string_hash(c.str(i)); });
        break;
    }
  }
}

final_groups::final_groups(const final_spec& spec) : spec_(spec) {
  for (const auto& a : spec.aggs) has_distinct_ = has_distinct_ || a.fn == agg_fn::count_distinct;
  reset();
}

void final_groups::reset() {
  table_ = std::make_unique<group_table>(spec_.key_types);
  states_.clear();
  for (const auto& a : spec_.aggs) {
    // The caller built each state once already, so this cannot fail.
    auto s = make_agg_state(a, agg_phase::final);
    states_.push_back(*std::move(s));
    states_.back()->resize(table_->size());
  }
  gids_ = {};
}

absl::Status final_groups::merge(const batch& in) {
  if (in.rows == 0) return absl::OkStatus();
  std::vector<const column*> raw;
  raw.reserve(in.columns.size());
  for (const auto& c : in.columns) raw.push_back(c.get());
  const std::vector<const column*> keys(raw.begin(), raw.begin() + spec_.num_keys);
  table_->assign(keys, in.rows, &gids_);
  size_t at = spec_.num_keys;
  for (size_t j = 0; j < states_.size(); ++j) {
    states_[j]->resize(table_->size());
    if (auto st = states_[j]->merge(gids_.data(), in.rows, raw.data() + at); !st.ok()) return st;
    at += spec_.widths[j];
  }
  return absl::OkStatus();
}

size_t final_groups::memory_bytes() const {
  size_t n = table_->memory_bytes() + gids_.capacity() * sizeof(uint32_t);
  for (const auto& s : states_) n += s->memory_bytes();
  return n;
}

absl::Status final_groups::emit_final(const emit_fn& emit) {
  for (auto& s : states_) s->resize(table_->size());
  const size_t groups = table_->size();
  for (size_t begin = 0; begin < groups; begin += k_emit_batch_rows) {
    const size_t end = std::min(groups, begin + k_emit_batch_rows);
    batch out;
    out.schema = spec_.output;
    out.rows = end - begin;
    out.columns = table_->keys(begin, end);
    for (const auto& s : states_) out.columns.push_back(s->emit_final(begin, end));
    if (auto st = emit(std::move(out)); !st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::Status final_groups::emit_states(const emit_fn& emit) {
  for (auto& s : states_) s->resize(table_->size());
  const size_t groups = table_->size();
  std::vector<uint32_t> rows, sel;
  for (size_t begin = 0; begin < groups; begin += k_emit_batch_rows) {
    const size_t end = std::min(groups, begin + k_emit_batch_rows);
    batch out;
    out.schema = spec_.state_schema;
    out.columns = table_->keys(begin, end);
    rows.assign(end - begin, 1);
    if (has_distinct_) {
      // A group with d distinct values needs d rows; its keys repeat.
      for (const auto& s : states_)
        for (size_t g = begin; g < end; ++g)
          rows[g - begin] =
              std::max<uint32_t>(rows[g - begin], static_cast<uint32_t>(s->spill_rows(g)));
      sel.clear();
      for (size_t i = 0; i < rows.size(); ++i) sel.insert(sel.end(), rows[i], uint32_t(i));
      if (sel.size() != rows.size())
        for (auto& c : out.columns) c = take(*c, sel);
    }
    out.rows = has_distinct_ ? sel.size() : end - begin;
    for (const auto& s : states_) s->emit_spill(begin, end, rows, &out.columns);
    if (auto st = emit(std::move(out)); !st.ok()) return st;
  }
  return absl::OkStatus();
}

spill_partitions::spill_partitions(const final_spec& spec, int depth, uint64_t* spilled)
    : spec_(spec), seed_(level_seed(depth)), spilled_(spilled), files_(k_fanout), sels_(k_fanout) {
  // All write buffers together stay within about an eighth of the limit.
  buffer_bytes_ = std::clamp<size_t>(static_cast<size_t>(spec.budget.limit) / (8 * k_fanout),
                                     size_t{4} << 10, size_t{256} << 10);
}

absl::Status spill_partitions::append(const batch& b) {
  if (b.rows == 0) return absl::OkStatus();
  group_key_hash(b, spec_.num_keys, seed_, &hash_);
  for (auto& s : sels_) s.clear();
  for (size_t i = 0; i < b.rows; ++i)
    sels_[static_cast<size_t>((static_cast<unsigned __int128>(hash_[i]) * k_fanout) >> 64)]
        .push_back(static_cast<uint32_t>(i));
  for (size_t p = 0; p < k_fanout; ++p) {
    if (sels_[p].empty()) continue;
    auto& f = files_[p];
    if (!f) {
      auto created = spill_file::create(spec_.budget.spill_dir, buffer_bytes_);
      if (!created.ok()) return created.status();
      f = *std::move(created);
    }
    const uint64_t before = f->bytes();
    if (auto st = f->append(sels_[p].size() == b.rows ? b : take(b, sels_[p])); !st.ok()) return st;
    *spilled_ += f->bytes() - before;
  }
  return absl::OkStatus();
}

absl::Status spill_partitions::add(final_groups* g) {
  auto st = g->emit_states([this](batch b) { return append(b); });
  g->reset();
  return st;
}

absl::Status final_spill::finish(const emit_fn& emit) {
  for (size_t p = 0; p < spill_partitions::k_fanout; ++p)
    if (auto st = aggregate(top_.release(p), 1, emit); !st.ok()) return st;
  return absl::OkStatus();
}

absl::Status final_spill::aggregate(std::unique_ptr<spill_file> file, int depth,
                                    const emit_fn& emit) {
  if (!file) return absl::OkStatus();
  final_groups groups(spec_);
  std::unique_ptr<spill_partitions> split;
  const auto limit = static_cast<size_t>(spec_.budget.limit);
  // A partition of at most half the limit in rows has at most that many
  // groups: it is aggregated without splitting (and without the fixed
  // overhead of tables and files deciding it, which matters at tiny limits).
  const bool may_split = depth < k_max_depth && file->batch_bytes() > limit / 2;
  auto st = file->read_all([&](batch b) {
    if (auto st = groups.merge(b); !st.ok()) return st;
    if (!may_split || groups.memory_bytes() <= limit) return absl::OkStatus();
    if (!split) split = std::make_unique<spill_partitions>(spec_, depth, &spilled_);
    return split->add(&groups);
  });
  if (!st.ok()) return st;
  file.reset();
  if (!split) return groups.emit_final(emit);
  if (st = split->add(&groups); !st.ok()) return st;
  for (size_t p = 0; p < spill_partitions::k_fanout; ++p)
    if (st = aggregate(split->release(p), depth + 1, emit); !st.ok()) return st;
  return absl::OkStatus();
}

}  // namespace tranche
