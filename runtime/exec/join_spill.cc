// Implementation of exec/join_spill.h: partitioning both sides into spill
// files, and joining partition by partition (recursively for partitions
// over the limit).
#include "exec/join_spill.h"

#include <algorithm>
#include <utility>

namespace tranche {
namespace {

// Level d partitions by the row hash from this seed + d: unrelated to
// join_table's seed, so a partition's rows still spread over its table.
constexpr uint64_t k_partition_seed = 0xa4093822299f31d0ULL;

uint64_t level_seed(int depth) { return join_mix(k_partition_seed + static_cast<uint64_t>(depth)); }

}  // namespace

grace_join::grace_join(const join_spec& spec, join_prober* prober)
    : spec_(spec), prober_(prober), build_(k_fanout), probe_(k_fanout) {
  // Write buffers of all open files stay within about a quarter of the limit.
  buffer_bytes_ = std::clamp<size_t>(static_cast<size_t>(spec.memory_limit) / (8 * k_fanout),
                                     size_t{4} << 10, size_t{256} << 10);
  batch none;
  none.schema = spec.build_schema;
  for (const auto& f : spec.build_schema.fields)
    none.columns.push_back(std::make_shared<column>(f.type));
  empty_.build(std::move(none), spec.build_keys);
}

absl::Status grace_join::scatter(const batch& b, const std::vector<int>& key_cols, int depth,
                                 files* out, std::vector<uint32_t>* skipped) {
  const size_t n = b.rows;
  keys_.load(b, key_cols, true, level_seed(depth));
  sels_.resize(k_fanout);
  for (auto& s : sels_) s.clear();
  skipped->clear();
  for (size_t i = 0; i < n; ++i) {
    if (keys_.skipped(i)) {
      skipped->push_back(static_cast<uint32_t>(i));
      continue;
    }
    const auto p =
        static_cast<size_t>((static_cast<unsigned __int128>(keys_.hash[i]) * k_fanout) >> 64);
    sels_[p].push_back(static_cast<uint32_t>(i));
  }
  for (size_t p = 0; p < k_fanout; ++p) {
    if (sels_[p].empty()) continue;
    auto& f = (*out)[p];
    if (!f) {
      auto created = spill_file::create(spec_.spill_dir, buffer_bytes_);
      if (!created.ok()) return created.status();
      f = *std::move(created);
    }
    const uint64_t before = f->bytes();
    if (auto st = f->append(sels_[p].size() == n ? b : take(b, sels_[p])); !st.ok()) return st;
    spilled_ += f->bytes() - before;
  }
  return absl::OkStatus();
}

absl::Status grace_join::add_build(const batch& b) {
  if (auto st = scatter(b, spec_.build_keys, 0, &build_, &skipped_); !st.ok()) return st;
  facts_.rows += b.rows;
  if (!keys_.null.empty())
    for (uint32_t i : skipped_) facts_.null_key = facts_.null_key || keys_.null[i];
  return absl::OkStatus();
}

absl::Status grace_join::push(const batch& probe, const emit_fn& emit) {
  if (probe.rows == 0) return absl::OkStatus();
  if (spec_.type == join_type::anti_null_aware && facts_.null_key) return absl::OkStatus();
  if (auto st = scatter(probe, spec_.probe_keys, 0, &probe_, &skipped_); !st.ok()) return st;
  if (skipped_.empty()) return absl::OkStatus();
  return prober_->probe(skipped_.size() == probe.rows ? probe : take(probe, skipped_), empty_,
                        facts_, emit);
}

absl::Status grace_join::finish(const emit_fn& emit) {
  for (size_t p = 0; p < k_fanout; ++p)
    if (auto st = join_partition(std::move(build_[p]), std::move(probe_[p]), 0, emit); !st.ok())
      return st;
  return absl::OkStatus();
}

absl::Status grace_join::join_partition(std::unique_ptr<spill_file> build,
                                        std::unique_ptr<spill_file> probe, int depth,
                                        const emit_fn& emit) {
  if (!probe) return absl::OkStatus();  // every output row needs a probe row
  if (build && build->batch_bytes() > static_cast<uint64_t>(spec_.memory_limit) &&
      depth < k_max_depth) {
    files sub_build(k_fanout), sub_probe(k_fanout);
    std::vector<uint32_t> none;
    auto st = build->read_all(
        [&](batch b) { return scatter(b, spec_.build_keys, depth + 1, &sub_build, &none); });
    if (!st.ok()) return st;
    build.reset();
    st = probe->read_all(
        [&](batch b) { return scatter(b, spec_.probe_keys, depth + 1, &sub_probe, &none); });
    if (!st.ok()) return st;
    probe.reset();
    for (size_t p = 0; p < k_fanout; ++p)
      if (st = join_partition(std::move(sub_build[p]), std::move(sub_probe[p]), depth + 1, emit);
          !st.ok())
        return st;
    return absl::OkStatus();
  }
  batch rows;
  if (build) {
    std::vector<batch> parts;
    auto st = build->read_all([&](batch b) {
      parts.push_back(std::move(b));
      return absl::OkStatus();
    });
    if (!st.ok()) return st;
    build.reset();
    if (parts.size() == 1) {
      rows = std::move(parts[0]);
    } else if (st = concat_batches(parts, spec_.build_schema, &rows); !st.ok()) {
      return st;
    }
  } else {
    rows = empty_.rows();
  }
  rows.schema = spec_.build_schema;
  join_table table;
  table.build(std::move(rows), spec_.build_keys);
  return probe->read_all([&](batch b) { return prober_->probe(b, table, facts_, emit); });
}

}  // namespace tranche
