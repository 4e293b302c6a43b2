// The build side of the hash join (exec/hash_join.h), internal to exec: the
// build rows in one batch and an index from key values to rows. The join
// operator loads each probe batch's keys (join_keys), asks lookup() for the
// first build row with each probe row's keys and walks next() from there:
// rows with equal keys are chained, so the walk needs no comparison.
//
// Keys are normalized to 8-byte values (int64, date days, boolean 0/1,
// float64 bits with -0.0 as 0.0) so that equal values have equal bits, or
// stay strings. Rows whose key is NULL or NaN never match: they are left out
// of the index and get no candidates. Several 8-byte keys whose build values
// span at most 62 bits together (partkey + suppkey) are first packed into one
// value, each key's offset from its minimum in its own bits; a probe row with
// a value outside a key's build range cannot match. Index shapes, by key:
//   none:    no keys; every row is a candidate (next() chains all rows).
//   direct:  one 8-byte key whose values span a small range: an array of
//            chain heads indexed by value - min; no hashing, no comparison.
//   hashed:  one 8-byte key otherwise: open addressing (linear probing) over
//            slots of {value, chain head}; one cache line per lookup.
//   generic: other several keys, or a string key: a row hash computed column
//            by column, open addressing over slots of {32 hash bits, chain
//            head}; a slot whose bits match is confirmed by comparing keys.
// Slots and chains are flat arrays: building allocates nothing per row.
// Lookups prefetch the slots (and keys) of rows a few ahead, so that the
// cache misses of a large build side overlap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "exec/hash_mix.h"
#include "tranche/batch.h"
#include "tranche/types.h"

namespace tranche {

inline constexpr uint32_t k_no_row = UINT32_MAX;

// The key columns of one batch, normalized for hashing and comparison.
// Reused across batches (its vectors keep their capacity).
struct join_keys {
  size_t rows = 0;
  std::vector<const int64_t*> fixed;          // per 8-byte key: normalized values
  std::vector<const column*> strings;         // per key: the string column, or nullptr if 8-byte
  std::vector<uint8_t> null;                  // per row: 1 if a key is NULL; empty = no NULL keys
  std::vector<uint8_t> skip;                  // per row: 1 if a key is NULL or NaN; empty = none
  std::vector<uint64_t> hash;                 // per row, when loaded with a hash
  std::vector<std::vector<int64_t>> storage;  // normalized values of non-int64 (or packed) keys

  // Loads `key_cols` of `b` (types already checked). With `with_hash`, also
  // the row hash from `seed`; rows to skip get an arbitrary hash.
  void load(const batch& b, const std::vector<int>& key_cols, bool with_hash, uint64_t seed);
  [[nodiscard]] bool skipped(size_t i) const { return !skip.empty() && skip[i]; }
  [[nodiscard]] bool is_null(size_t i) const { return !null.empty() && null[i]; }
};

// Concatenates `parts` (of schema `s`) into one batch, column by column with
// one copy per buffer. InvalidArgument if a string column would pass 4 GiB.
[[nodiscard]] absl::Status concat_batches(const std::vector<batch>& parts, const schema& s,
                                          batch* out);

class join_table {
 public:
  enum class mode : uint8_t { none, direct, hashed, generic };

  // Indexes `rows` by `key_cols` (types already checked). Fewer than
  // k_no_row rows.
  void build(batch rows, const std::vector<int>& key_cols);

  [[nodiscard]] const batch& rows() const { return rows_; }
  [[nodiscard]] size_t size() const { return rows_.rows; }
  // Rows with a NULL key (for NOT IN), in row order.
  [[nodiscard]] const std::vector<uint32_t>& null_key_rows() const { return null_rows_; }
  // Whether probe keys must be loaded with a hash (from hash_seed()).
  [[nodiscard]] bool needs_hash() const { return mode_ == mode::generic; }
  [[nodiscard]] static uint64_t hash_seed() { return k_seed; }

  // Rewrites probe keys loaded by join_keys::load into the packed single
  // key when the table packs its keys (else leaves them). Before lookup().
  void pack_probe(join_keys* probe) const;
  // first[i] = the first build row whose keys equal probe row i's, or k_no_row.
  void lookup(const join_keys& probe, uint32_t* first) const;
  // The next row with the same keys (every row, for no keys), or k_no_row.
  [[nodiscard]] uint32_t next(uint32_t r) const { return next_[r]; }
  // Whether no two indexed rows share keys (next() is always k_no_row): a
  // primary key's side, which lets the probe skip the chains.
  [[nodiscard]] bool unique() const { return unique_; }

 private:
  static constexpr uint64_t k_seed = 0x3c6ef372fe94f82bULL;
  struct int_slot {
    int64_t key;
    uint32_t head;  // k_no_row: empty
  };
  // A generic slot: hash bits << 32 | head; empty slots hold k_empty_slot.
  static constexpr uint64_t k_empty_slot = ~uint64_t{0};

  struct packed_key {
    int64_t lo;     // the smallest build value
    uint64_t span;  // largest - smallest
    int shift;      // where (value - lo) goes in the packed value
  };
  // Packs several 8-byte keys into keys_.fixed[0] if their spans fit 62 bits.
  bool pack_build(size_t n);
  void build_single(size_t n);  // direct or hashed
  void build_hashed(size_t n);
  void build_generic(size_t n);

  batch rows_;
  join_keys keys_;
  mode mode_ = mode::none;
  int64_t base_ = 0;            // direct: value of slot 0
  int shift_ = 63;              // hashed, generic: first slot = hash >> shift_
  std::vector<uint32_t> head_;  // direct
  std::vector<int_slot> int_slots_;
  std::vector<uint64_t> slots_;  // generic
  std::vector<uint32_t> next_;
  std::vector<uint32_t> null_rows_;
  std::vector<packed_key> packed_;  // non-empty: keys are packed
  std::vector<int64_t> packed_values_;
  bool unique_ = false;
};

// Whether row i of `a` and row j of `b` have equal (non-NULL) keys.
[[nodiscard]] inline bool keys_equal(const join_keys& a, size_t i, const join_keys& b, size_t j) {
  for (size_t k = 0; k < a.fixed.size(); ++k) {
    if (a.strings[k]) {
      if (a.strings[k]->str(i) != b.strings[k]->str(j)) return false;
    } else if (a.fixed[k][i] != b.fixed[k][j]) {
      return false;
    }
  }
  return true;
}

// The hash of an 8-byte key value, and the mix that folds each key's hash
// into a row hash (join_keys::load). The spill partitioner uses the same row
// hash from another seed than the table's.
[[nodiscard]] inline uint64_t join_mix(uint64_t k) { return fmix64(k); }

}  // namespace tranche
