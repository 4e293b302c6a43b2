// The probe half of the hash join (exec/hash_join.h), internal to exec: joins
// one probe batch with a built join_table and emits the result rows. The
// in-memory join calls it for every pushed batch; the spilling join calls it
// for each spilled probe batch against its partition's table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "exec/hash_join.h"
#include "exec/join_table.h"
#include "tranche/batch.h"

namespace tranche {

// What the NOT IN join needs to know of the whole build side, which a
// partition's table does not show.
struct build_facts {
  uint64_t rows = 0;
  bool null_key = false;
};

class join_prober {
 public:
  // `spec` must outlive the prober and be valid (checked by the operator).
  explicit join_prober(const join_spec& spec);

  // Joins `in` (probe_schema) with `table`; emits batches of spec.output.
  [[nodiscard]] absl::Status probe(const batch& in, const join_table& table,
                                   const build_facts& facts, const emit_fn& emit);

 private:
  absl::Status probe_plain(const batch& in, const join_table& t, const emit_fn& emit);
  absl::Status probe_residual(const batch& in, const join_table& t, const build_facts& facts,
                              const emit_fn& emit);
  // Emits the pairs (ps[k], bs[k]) as output rows; flush_pairs emits the
  // first n buffered in psel_, bsel_.
  absl::Status emit_pairs(const batch& in, const join_table& t, const std::vector<uint32_t>& ps,
                          const std::vector<uint32_t>& bs, const emit_fn& emit);
  absl::Status flush_pairs(const batch& in, const join_table& t, size_t n, const emit_fn& emit);
  // Applies the residual to the n buffered candidates: marks matched_ and,
  // for inner and left, emits the pairs that pass.
  absl::Status check_candidates(const batch& in, const join_table& t, size_t n,
                                const emit_fn& emit);
  // Emits the probe rows listed in sel (left: with NULL build columns).
  absl::Status emit_probe_rows(const batch& in, const std::vector<uint32_t>& sel,
                               const emit_fn& emit);
  // Emits the probe rows whose matched_ flag equals `want`.
  absl::Status emit_by_flag(const batch& in, uint8_t want, const emit_fn& emit);

  const join_spec& spec_;
  schema pair_schema_;               // probe fields, then build fields (residual input)
  std::vector<bool> residual_uses_;  // per pair column: referenced by the residual
  join_keys keys_;
  std::vector<uint32_t> first_, psel_, bsel_, sel_, out_p_, out_b_;
  std::vector<uint8_t> matched_;
};

}  // namespace tranche
