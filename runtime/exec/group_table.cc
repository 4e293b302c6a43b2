// Implementation of exec/group_table.h: group-id assignment for the aggregate
// operators, with direct/hashed int64, short-list/hashed string and composite
// (column-by-column) multi-key paths.
#include "exec/group_table.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "exec/column_util.h"

namespace tranche {
namespace {

constexpr uint32_t k_empty = UINT32_MAX;
// std::string keeps up to this many chars inline (libstdc++); longer ones
// allocate.
constexpr size_t k_sso_chars = 15;

size_t column_bytes(const column& c) {
  return c.i64().capacity() * 8 + c.f64().capacity() * 8 + c.b().capacity() +
         c.offsets().capacity() * 4 + c.chars().capacity() + c.valid().capacity();
}

// A flat_hash_map/set slot array: capacity slots of `slot` bytes plus one
// control byte each.
template <class M>
size_t table_bytes(const M& m) {
  return m.capacity() * (sizeof(typename M::value_type) + 1);
}
// A direct array is used while the key span stays small, or within the hard
// cap and at most 8 slots per group: 4-byte slots then cost at most 32 bytes
// per group, about what the hash map needs (16-byte slots, load factor
// 0.44-0.875), and a lookup is one load instead of a hash and a probe.
constexpr uint64_t k_direct_always = uint64_t{1} << 20;  // 4 MiB of slots
constexpr uint64_t k_direct_max = uint64_t{1} << 23;

// Doubles group by value: -0.0 joins 0.0 and every NaN joins one NaN group.
int64_t normalized_bits(double x) {
  if (x == 0) x = 0.0;
  if (std::isnan(x)) x = std::numeric_limits<double>::quiet_NaN();
  return std::bit_cast<int64_t>(x);
}

// A string of n <= 7 bytes as an integer: its bytes in the low bytes, n in
// the top byte (so "a" and "a\0" differ). `avail` bytes are readable at p;
// with 8 of them one unaligned load and a mask replace the byte loop.
inline uint64_t pack_short(const char* p, uint32_t n, size_t avail) {
  uint64_t x = 0;
  if (std::endian::native == std::endian::little && avail >= 8) {
    std::memcpy(&x, p, 8);
    x &= (uint64_t{1} << (8 * n)) - 1;  // n <= 7: the shift is below 64
  } else {
    for (uint32_t b = 0; b < n; ++b) x |= uint64_t{static_cast<unsigned char>(p[b])} << (8 * b);
  }
  return x | (uint64_t{n} << 56);
}

}  // namespace

group_table::group_table(std::vector<type_id> key_types, bool keep_keys) : keep_keys_(keep_keys) {
  short_cache_.fill({~uint64_t{0}, 0});
  if (key_types.empty()) {
    mode_ = mode::global;
    size_ = 1;
  } else if (key_types.size() == 1 && key_types[0] == type_id::string) {
    mode_ = mode::string_key;
  } else if (key_types.size() == 1) {
    mode_ = mode::int_key;
    direct_ = key_types[0] != type_id::float64;  // bit patterns are never dense
  } else {
    mode_ = mode::composite;
    for (type_id t : key_types)
      per_column_.push_back(std::make_unique<group_table>(std::vector<type_id>{t}, false));
    for (size_t j = 1; j < key_types.size(); ++j)
      folds_.push_back(
          fold{std::make_unique<group_table>(std::vector<type_id>{type_id::int64}, false), 0, {}});
    packed_ = std::make_shared<column>(type_id::int64);
  }
  if (keep_keys_)
    for (type_id t : key_types) key_cols_.push_back(std::make_shared<column>(t));
}

uint32_t group_table::new_group(const std::vector<const column*>& keys, size_t row) {
  if (keep_keys_)
    for (size_t k = 0; k < keys.size(); ++k) key_cols_[k]->append_from(*keys[k], row);
  return static_cast<uint32_t>(size_++);
}

uint32_t group_table::null_group(const std::vector<const column*>& keys, size_t row) {
  if (null_group_ < 0) null_group_ = new_group(keys, row);
  return static_cast<uint32_t>(null_group_);
}

void group_table::assign(const std::vector<const column*>& keys, size_t rows,
                         std::vector<uint32_t>* gids) {
  gids->resize(rows);
  uint32_t* g = gids->data();
  switch (mode_) {
    case mode::global:
      std::fill(g, g + rows, 0u);
      return;
    case mode::int_key:
      return assign_int(*keys[0], rows, keys, g);
    case mode::string_key:
      return assign_string(*keys[0], rows, keys, g);
    case mode::composite:
      return assign_composite(keys, rows, g);
  }
}

void group_table::assign_int(const column& k, size_t rows, const std::vector<const column*>& keys,
                             uint32_t* g) {
  const int64_t* v = k.i64().data();
  if (k.type() == type_id::boolean || k.type() == type_id::float64) {
    scratch_i64_.resize(rows);
    if (k.type() == type_id::boolean) {
      for (size_t i = 0; i < rows; ++i) scratch_i64_[i] = k.b()[i];
    } else {
      for (size_t i = 0; i < rows; ++i) scratch_i64_[i] = normalized_bits(k.f64()[i]);
    }
    v = scratch_i64_.data();
  }
  const uint8_t* valid = k.has_nulls() ? k.valid().data() : nullptr;
  if (direct_ && !fit_direct(v, valid, rows)) {
    // The keys turned out sparse: move the groups to the hash map for good.
    for (size_t i = 0; i < direct_slots_.size(); ++i)
      if (direct_slots_[i] != k_empty)
        int_map_.emplace(static_cast<int64_t>(static_cast<uint64_t>(direct_base_) + i),
                         direct_slots_[i]);
    direct_slots_ = {};
    direct_ = false;
  }
  if (direct_) return assign_int_direct(v, valid, rows, keys, g);
  assign_int_hashed(v, valid, rows, keys, g);
}

// Ensures the direct array covers this batch's values; false if it would get
// too large or too sparse.
bool group_table::fit_direct(const int64_t* v, const uint8_t* valid, size_t rows) {
  int64_t lo = std::numeric_limits<int64_t>::max();
  int64_t hi = std::numeric_limits<int64_t>::min();
  bool any = false;
  if (!valid) {
    for (size_t i = 0; i < rows; ++i) {
      lo = std::min(lo, v[i]);
      hi = std::max(hi, v[i]);
    }
    any = rows > 0;
  } else {
    for (size_t i = 0; i < rows; ++i) {
      if (!valid[i]) continue;
      lo = std::min(lo, v[i]);
      hi = std::max(hi, v[i]);
      any = true;
    }
  }
  if (!any) return true;
  const uint64_t cap = direct_slots_.size();
  if (cap > 0) {
    lo = std::min(lo, direct_lo_);
    hi = std::max(hi, direct_hi_);
  }
  const uint64_t span_minus_1 = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (span_minus_1 >= k_direct_max) return false;
  const uint64_t span = span_minus_1 + 1;
  if (span > k_direct_always && span > 8 * (size_ + rows)) return false;
  direct_lo_ = lo;
  direct_hi_ = hi;
  const uint64_t base = static_cast<uint64_t>(direct_base_);
  if (cap > 0 && lo >= direct_base_ && static_cast<uint64_t>(hi) - base < cap) return true;
  // Grow at least twofold so that slowly widening ranges regrow rarely. The
  // slack goes above the values; slots past INT64_MAX are simply never used.
  const uint64_t new_cap = std::max(span, std::min(2 * cap, k_direct_max));
  std::vector<uint32_t> grown(new_cap, k_empty);
  const uint64_t shift = base - static_cast<uint64_t>(lo);
  for (uint64_t i = 0; i < cap; ++i)
    if (direct_slots_[i] != k_empty) grown[shift + i] = direct_slots_[i];
  direct_slots_ = std::move(grown);
  direct_base_ = lo;
  return true;
}

void group_table::assign_int_direct(const int64_t* v, const uint8_t* valid, size_t rows,
                                    const std::vector<const column*>& keys, uint32_t* g) {
  uint32_t* slots = direct_slots_.data();
  const uint64_t base = static_cast<uint64_t>(direct_base_);
  for (size_t i = 0; i < rows; ++i) {
    if (valid && !valid[i]) {
      g[i] = null_group(keys, i);
      continue;
    }
    uint32_t& slot = slots[static_cast<uint64_t>(v[i]) - base];
    if (slot == k_empty) slot = new_group(keys, i);
    g[i] = slot;
  }
}

void group_table::assign_int_hashed(const int64_t* v, const uint8_t* valid, size_t rows,
                                    const std::vector<const column*>& keys, uint32_t* g) {
  // Input is often clustered by key (e.g. lineitem by orderkey): remember the
  // previous row's key and skip the hash probe on a repeat.
  int64_t last_key = 0;
  uint32_t last_gid = k_empty;
  // Lookups in a table larger than the cache are bound by memory latency:
  // prefetch the slot of a row this far ahead so the misses overlap.
  constexpr size_t k_ahead = 16;
  const bool prefetch = int_map_.size() > 4096;
  for (size_t i = 0; i < rows; ++i) {
    if (prefetch && i + k_ahead < rows) int_map_.prefetch(v[i + k_ahead]);
    if (valid && !valid[i]) {
      g[i] = null_group(keys, i);
      continue;
    }
    const int64_t x = v[i];
    if (x == last_key && last_gid != k_empty) {
      g[i] = last_gid;
      continue;
    }
    auto [it, inserted] = int_map_.try_emplace(x, static_cast<uint32_t>(size_));
    if (inserted) new_group(keys, i);
    last_key = x;
    last_gid = g[i] = it->second;
  }
}

uint32_t group_table::find_or_add_string(std::string_view s, const std::vector<const column*>& keys,
                                         size_t row) {
  if (string_map_.empty()) {
    for (const auto& [key, id] : small_strings_)
      if (key.size() == s.size() && std::memcmp(key.data(), s.data(), s.size()) == 0) return id;
    if (small_strings_.size() < k_small_strings) {
      const uint32_t id = new_group(keys, row);
      small_strings_.emplace_back(std::string(s), id);
      return id;
    }
    // Too many distinct values for a linear scan: move them to the hash map.
    for (auto& [key, id] : small_strings_) {
      if (key.size() > k_sso_chars) string_heap_bytes_ += key.capacity() + 1;
      string_map_.emplace(std::move(key), id);
    }
    small_strings_.clear();
  }
  auto [it, inserted] =
      string_map_.try_emplace(absl::string_view(s.data(), s.size()), static_cast<uint32_t>(size_));
  if (inserted) {
    new_group(keys, row);
    if (s.size() > k_sso_chars) string_heap_bytes_ += s.size() + 1;
  }
  return it->second;
}

uint32_t group_table::find_or_add_short(uint64_t packed, const std::vector<const column*>& keys,
                                        size_t row) {
  if (int_map_.empty()) {
    for (const auto& [key, id] : small_packed_)
      if (key == packed) return id;
    if (small_packed_.size() < k_small_strings) {
      const uint32_t id = new_group(keys, row);
      small_packed_.emplace_back(packed, id);
      return id;
    }
    for (const auto& [key, id] : small_packed_) int_map_.emplace(static_cast<int64_t>(key), id);
    small_packed_.clear();
  }
  auto [it, inserted] =
      int_map_.try_emplace(static_cast<int64_t>(packed), static_cast<uint32_t>(size_));
  if (inserted) new_group(keys, row);
  return it->second;
}

void group_table::assign_string(const column& k, size_t rows,
                                const std::vector<const column*>& keys, uint32_t* g) {
  const uint8_t* valid = k.has_nulls() ? k.valid().data() : nullptr;
  const uint32_t* off = k.offsets().data();
  const char* chars = k.chars().data();
  // Strings of up to 7 bytes (flags, codes, modes) are packed with their
  // length into one integer: no memcmp, no string hashing. A small
  // direct-mapped cache in front of the lookup hits almost always for
  // low-cardinality keys, so the per-row branch is predictable even when the
  // values are in random order.
  const size_t total = k.chars().size();
  std::string_view last_long;
  uint32_t last_long_gid = k_empty;
  for (size_t i = 0; i < rows; ++i) {
    if (valid && !valid[i]) {
      g[i] = null_group(keys, i);
      continue;
    }
    const uint32_t n = off[i + 1] - off[i];
    const char* p = chars + off[i];
    if (n <= 7) {
      const uint64_t packed = pack_short(p, n, total - off[i]);
      auto& hit = short_cache_[(packed * 0x9e3779b97f4a7c15ULL) >> (64 - k_cache_bits)];
      if (hit.first != packed) hit = {packed, find_or_add_short(packed, keys, i)};
      g[i] = hit.second;
      continue;
    }
    const std::string_view s(p, n);
    if (last_long_gid == k_empty || s != last_long) {
      last_long = s;
      last_long_gid = find_or_add_string(s, keys, i);
    }
    g[i] = last_long_gid;
  }
}

void group_table::rebuild_fold(fold* f, int bits) {
  f->bits = bits;
  f->table = std::make_unique<group_table>(std::vector<type_id>{type_id::int64}, false);
  if (f->pairs.empty()) return;
  auto& packed = packed_->i64();
  packed.resize(f->pairs.size());
  for (size_t i = 0; i < f->pairs.size(); ++i)
    packed[i] = static_cast<int64_t>(((f->pairs[i] >> 32) << bits) | (f->pairs[i] & 0xffffffffu));
  packed_->set_size(f->pairs.size());
  std::vector<uint32_t> ids;  // distinct pairs in id order: get 0, 1, 2, ...
  f->table->assign({packed_.get()}, f->pairs.size(), &ids);
}

void group_table::assign_composite(const std::vector<const column*>& keys, size_t rows,
                                   uint32_t* g) {
  per_column_[0]->assign({keys[0]}, rows, &fold_ids_);
  for (size_t j = 1; j < keys.size(); ++j) {
    per_column_[j]->assign({keys[j]}, rows, &column_ids_);
    fold& f = folds_[j - 1];
    const size_t cardinality = per_column_[j]->size();
    if (cardinality > (size_t{1} << f.bits)) rebuild_fold(&f, std::bit_width(cardinality - 1));
    auto& packed = packed_->i64();
    packed.resize(rows);
    for (size_t i = 0; i < rows; ++i)
      packed[i] = static_cast<int64_t>((uint64_t{fold_ids_[i]} << f.bits) | column_ids_[i]);
    packed_->set_size(rows);
    f.table->assign({packed_.get()}, rows, &fold_ids_);
    // Record the pair of each new fold group (first-seen order = id order).
    const uint64_t mask = (uint64_t{1} << f.bits) - 1;
    for (size_t i = 0; i < rows; ++i) {
      if (fold_ids_[i] != f.pairs.size()) continue;
      const uint64_t p = static_cast<uint64_t>(packed[i]);
      f.pairs.push_back(((p >> f.bits) << 32) | (p & mask));
    }
  }
  // The last fold numbers groups in first-seen order, exactly as this table
  // must: a row showing the next unused id is that group's first row.
  for (size_t i = 0; i < rows; ++i) {
    const uint32_t id = fold_ids_[i];
    if (id == size_) new_group(keys, i);
    g[i] = id;
  }
}

size_t group_table::memory_bytes() const {
  size_t n = sizeof(*this) + direct_slots_.capacity() * sizeof(uint32_t) + table_bytes(int_map_) +
             table_bytes(string_map_) + string_heap_bytes_ +
             small_strings_.capacity() * sizeof(small_strings_[0]) + column_ids_.capacity() * 4 +
             fold_ids_.capacity() * 4 + scratch_i64_.capacity() * 8;
  for (const auto& c : key_cols_) n += column_bytes(*c);
  for (const auto& t : per_column_) n += t->memory_bytes();
  for (const auto& f : folds_) n += f.table->memory_bytes() + f.pairs.capacity() * 8;
  if (packed_) n += column_bytes(*packed_);
  return n;
}

std::vector<column_ptr> group_table::keys(size_t begin, size_t end) const {
  std::vector<column_ptr> out;
  out.reserve(key_cols_.size());
  for (const auto& c : key_cols_) out.push_back(slice(c, begin, end));
  return out;
}

}  // namespace tranche
