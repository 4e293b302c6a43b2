// The spilling (grace) hash join, internal to exec: what the hash join
// operator (exec/hash_join.h) turns into when its build side passes
// memory_limit. Build rows and then probe rows are split by a hash of their
// keys into k_fanout partitions, each a pair of spill files; at finish() each
// partition's build rows are indexed in memory (join_table) and its probe
// rows streamed through the same join_prober the in-memory join uses, so
// the semantics are the same. The partition hash is seeded apart from the
// table's (and per level), so a partition's keys still spread over the table.
//
// A build partition larger than the limit is split again with the next
// level's seed, up to k_max_depth levels; past that (one key with more rows
// than the limit cannot be split) it is joined in memory anyway.
//
// Probe rows whose key is NULL or NaN can match nothing: they are joined
// against an empty table at once (left, anti emit them; inner, semi drop
// them) instead of being spilled; build rows with such keys are dropped.
// NOT IN (anti_null_aware) without a residual only needs to know whether
// the whole build side had a NULL key, which is known before the first
// probe row. Joins without keys, and NOT IN with a residual, need the whole
// build side for some probe rows and never spill (hash_join.cc keeps them in
// memory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "exec/hash_join.h"
#include "exec/join_probe.h"
#include "exec/join_table.h"
#include "exec/spill.h"
#include "tranche/batch.h"

namespace tranche {

class grace_join {
 public:
  static constexpr size_t k_fanout = 16;
  static constexpr int k_max_depth = 3;

  // `spec` and `prober` must outlive this.
  grace_join(const join_spec& spec, join_prober* prober);

  [[nodiscard]] absl::Status add_build(const batch& b);
  [[nodiscard]] absl::Status push(const batch& probe, const emit_fn& emit);
  [[nodiscard]] absl::Status finish(const emit_fn& emit);
  [[nodiscard]] uint64_t spilled_bytes() const { return spilled_; }

 private:
  using files = std::vector<std::unique_ptr<spill_file>>;

  // Appends the rows of `b` with keys `key_cols` to files[partition] by the
  // level's hash; rows with NULL/NaN keys go to `skipped` instead.
  absl::Status scatter(const batch& b, const std::vector<int>& key_cols, int depth, files* out,
                       std::vector<uint32_t>* skipped);
  absl::Status join_partition(std::unique_ptr<spill_file> build, std::unique_ptr<spill_file> probe,
                              int depth, const emit_fn& emit);

  const join_spec& spec_;
  join_prober* prober_;
  size_t buffer_bytes_;
  files build_, probe_;
  build_facts facts_;
  join_table empty_;  // for probe rows that match nothing
  join_keys keys_;
  std::vector<uint32_t> part_;
  std::vector<std::vector<uint32_t>> sels_;
  std::vector<uint32_t> skipped_;
  uint64_t spilled_ = 0;
  bool drop_probe_ = false;  // NOT IN with a NULL build key: no row qualifies
};

}  // namespace tranche
