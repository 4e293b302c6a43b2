// The hash table behind GROUP BY, internal to exec: maps each input row's
// group-key values to a dense group id (0, 1, ... in first-seen order) and
// keeps one row of key values per group for the output. The partial and final
// aggregate operators call assign() once per batch and then update their
// state arrays column-wise by group id.
//
// Specialized paths keep the common shapes fast. One int64/date/boolean key
// indexes an array directly while its values are dense (TPC-H style keys,
// dates), and hashes the 8-byte value (absl::flat_hash_map) otherwise; doubles
// hash their normalized bits. One string key packs values of up to 7 bytes
// into an integer, and scans a few distinct values linearly before switching
// to a hash map, so a 3-value flag neither hashes nor calls memcmp.
// Several keys are grouped column by column: each key column gets its own
// single-key table, and the per-column ids are folded pairwise through int64
// tables on (id_so_far << bits | next_id) -- no per-row key serialization or
// string comparison, and dense enough for direct arrays when small. NULL is a key value of its own:
// all NULLs form one group, distinct from every value.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "tranche/batch.h"
#include "tranche/types.h"

namespace tranche {

class group_table {
 public:
  // With no key types every row belongs to the single group 0, which exists
  // from the start (a global aggregate has one row even without input).
  // Without `keep_keys` the key values are not stored (internal tables).
  explicit group_table(std::vector<type_id> key_types, bool keep_keys = true);

  // Sets (*gids)[i] to the group of row i of the key columns (one per key
  // type, same order and types), creating groups for unseen keys.
  void assign(const std::vector<const column*>& keys, size_t rows, std::vector<uint32_t>* gids);

  [[nodiscard]] size_t size() const { return size_; }

  // Estimated bytes held: key columns, slot arrays and hash maps by capacity
  // (for the aggregates' memory budget; O(number of keys), not of groups).
  [[nodiscard]] size_t memory_bytes() const;

  // Key values of groups [begin, end): one column per key.
  [[nodiscard]] std::vector<column_ptr> keys(size_t begin, size_t end) const;

 private:
  enum class mode : uint8_t { global, int_key, string_key, composite };

  void assign_int(const column& k, size_t rows, const std::vector<const column*>& keys,
                  uint32_t* gids);
  void assign_int_hashed(const int64_t* v, const uint8_t* valid, size_t rows,
                         const std::vector<const column*>& keys, uint32_t* gids);
  void assign_int_direct(const int64_t* v, const uint8_t* valid, size_t rows,
                         const std::vector<const column*>& keys, uint32_t* gids);
  bool fit_direct(const int64_t* v, const uint8_t* valid, size_t rows);
  void assign_string(const column& k, size_t rows, const std::vector<const column*>& keys,
                     uint32_t* gids);
  void assign_composite(const std::vector<const column*>& keys, size_t rows, uint32_t* gids);
  uint32_t find_or_add_short(uint64_t packed, const std::vector<const column*>& keys, size_t row);
  uint32_t find_or_add_string(std::string_view s, const std::vector<const column*>& keys,
                              size_t row);
  uint32_t null_group(const std::vector<const column*>& keys, size_t row);
  uint32_t new_group(const std::vector<const column*>& keys, size_t row);

  mode mode_;
  bool keep_keys_;
  size_t size_ = 0;
  int64_t null_group_ = -1;  // single-key modes: the group of NULL, once seen
  std::vector<std::shared_ptr<column>> key_cols_;

  // int_key: a direct array over [direct_base_, direct_base_ + size) while
  // the values are dense, else the hash map.
  bool direct_ = true;
  int64_t direct_base_ = 0;
  int64_t direct_lo_ = 0, direct_hi_ = 0;  // the values seen so far
  std::vector<uint32_t> direct_slots_;
  absl::flat_hash_map<int64_t, uint32_t> int_map_;

  // string_key: values of up to 7 bytes packed into an integer, others as
  // strings; each kind in a linear list while few, then in a hash map
  // (int_map_ for the packed ones).
  static constexpr size_t k_small_strings = 16;
  std::vector<std::pair<uint64_t, uint32_t>> small_packed_;
  static constexpr int k_cache_bits = 8;
  // Packed value -> group, direct-mapped; ~0 is no packed value (top byte <= 7).
  std::array<std::pair<uint64_t, uint32_t>, (1 << k_cache_bits)> short_cache_;
  std::vector<std::pair<std::string, uint32_t>> small_strings_;
  absl::flat_hash_map<std::string, uint32_t> string_map_;
  size_t string_heap_bytes_ = 0;  // bytes of string_map_ keys too long for SSO

  // composite: one table per key column, and one per fold of two ids. A
  // fold numbers pairs (id so far, next column's id) packed as
  // (id_so_far << bits | column_id): with `bits` just wide enough for the
  // column's ids the packed values stay dense, so small key combinations
  // (flag x status, flag x 100k keys) index a direct array instead of
  // hashing. When the column outgrows `bits`, the fold is rebuilt from its
  // recorded pairs, in id order, which reproduces the same ids.
  struct fold {
    std::unique_ptr<group_table> table;
    int bits = 0;
    std::vector<uint64_t> pairs;  // per fold group: id_so_far << 32 | column_id
  };
  void rebuild_fold(fold* f, int bits);
  std::vector<std::unique_ptr<group_table>> per_column_;
  std::vector<fold> folds_;
  std::vector<uint32_t> column_ids_;
  std::vector<uint32_t> fold_ids_;
  std::shared_ptr<column> packed_;

  std::vector<int64_t> scratch_i64_;  // normalized boolean/double keys
};

}  // namespace tranche
