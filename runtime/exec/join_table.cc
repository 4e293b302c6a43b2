// Implementation of exec/join_table.h: key normalization and hashing, the
// build-side concatenation, and the chained index (none, direct, hashed,
// generic) the hash join probes.
#include "exec/join_table.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "absl/hash/hash.h"
#include "exec/column_util.h"

namespace tranche {
namespace {

// Equal doubles get equal bits: -0.0 becomes 0.0. NaN equals nothing, so
// NaN rows are skipped before their bits matter.
inline int64_t double_key(double x) { return std::bit_cast<int64_t>(x == 0 ? 0.0 : x); }

inline uint64_t fold(uint64_t h, uint64_t key_hash) { return join_mix(h ^ key_hash); }

// A direct array is used while the values span at most this many slots, or
// at most 8 per row: 4-byte slots then cost at most 32 bytes per build row,
// about what the hashed index costs, and a lookup needs no comparison.
constexpr uint64_t k_direct_always = uint64_t{1} << 16;
constexpr uint64_t k_direct_per_row = 8;

// Lookups prefetch this many rows ahead: enough misses in flight to hide
// memory latency, few enough to stay in L1.
constexpr size_t k_ahead = 16;

inline void prefetch_keys(const join_keys& keys, uint32_t r) {
  for (size_t k = 0; k < keys.fixed.size(); ++k) {
    if (keys.strings[k]) {
      __builtin_prefetch(keys.strings[k]->offsets().data() + r);
    } else {
      __builtin_prefetch(keys.fixed[k] + r);
    }
  }
}

template <class T>
void append_range(std::vector<T>* dst, const std::vector<T>& src, size_t n) {
  dst->insert(dst->end(), src.begin(), src.begin() + static_cast<std::ptrdiff_t>(n));
}

}  // namespace

void join_keys::load(const batch& b, const std::vector<int>& key_cols, bool with_hash,
                     uint64_t seed) {
  rows = b.rows;
  const size_t nk = key_cols.size();
  fixed.assign(nk, nullptr);
  strings.assign(nk, nullptr);
  if (storage.size() < nk) storage.resize(nk);
  null.clear();
  skip.clear();
  for (size_t k = 0; k < nk; ++k) {
    const column& c = *b.columns[static_cast<size_t>(key_cols[k])];
    switch (c.type()) {
      case type_id::int64:
      case type_id::date:
        fixed[k] = c.i64().data();
        break;
      case type_id::boolean: {
        auto& s = storage[k];
        s.resize(rows);
        const uint8_t* v = c.b().data();
        for (size_t i = 0; i < rows; ++i) s[i] = v[i] != 0;
        fixed[k] = s.data();
        break;
      }
      case type_id::float64: {
        auto& s = storage[k];
        s.resize(rows);
        const double* v = c.f64().data();
        bool nan = false;
        for (size_t i = 0; i < rows; ++i) {
          s[i] = double_key(v[i]);
          nan |= std::isnan(v[i]);
        }
        if (nan) {
          if (skip.empty()) skip.assign(rows, 0);
          for (size_t i = 0; i < rows; ++i) skip[i] |= std::isnan(v[i]) ? 1 : 0;
        }
        fixed[k] = s.data();
        break;
      }
      case type_id::string:
        strings[k] = &c;
        break;
    }
    if (c.has_nulls()) {
      if (null.empty()) null.assign(rows, 0);
      const uint8_t* valid = c.valid().data();
      for (size_t i = 0; i < rows; ++i) null[i] |= valid[i] == 0;
    }
  }
  if (!null.empty()) {
    if (skip.empty()) {
      skip = null;
    } else {
      for (size_t i = 0; i < rows; ++i) skip[i] |= null[i];
    }
  }
  if (!with_hash) return;
  hash.assign(rows, seed);
  uint64_t* h = hash.data();
  for (size_t k = 0; k < nk; ++k) {
    if (const column* c = strings[k]) {
      for (size_t i = 0; i < rows; ++i) h[i] = fold(h[i], absl::HashOf(c->str(i)));
    } else {
      const int64_t* v = fixed[k];
      for (size_t i = 0; i < rows; ++i) h[i] = fold(h[i], join_mix(static_cast<uint64_t>(v[i])));
    }
  }
}

absl::Status concat_batches(const std::vector<batch>& parts, const schema& s, batch* out) {
  out->schema = s;
  out->columns.clear();
  size_t total = 0;
  for (const auto& p : parts) total += p.rows;
  out->rows = total;
  for (size_t c = 0; c < s.size(); ++c) {
    auto col = std::make_shared<column>(s.fields[c].type);
    bool nulls = false;
    for (const auto& p : parts) nulls |= p.columns[c]->has_nulls();
    for (const auto& p : parts) {
      const column& src = *p.columns[c];
      const size_t n = p.rows;
      switch (src.type()) {
        case type_id::int64:
        case type_id::date:
          append_range(&col->i64(), src.i64(), n);
          break;
        case type_id::float64:
          append_range(&col->f64(), src.f64(), n);
          break;
        case type_id::boolean:
          append_range(&col->b(), src.b(), n);
          break;
        case type_id::string: {
          auto& off = col->offsets();
          const uint32_t* so = src.offsets().data();
          const uint64_t base = off.back();
          const uint64_t len = so[n] - so[0];
          if (base + len > std::numeric_limits<uint32_t>::max())
            return invalid("hash join: string column \"", s.fields[c].name,
                           "\" of the build side holds more than 4 GiB; set a memory limit so "
                           "that the join spills");
          col->chars().append(src.chars().data() + so[0], len);
          for (size_t i = 1; i <= n; ++i)
            off.push_back(static_cast<uint32_t>(base + (so[i] - so[0])));
          break;
        }
      }
      if (nulls) {
        if (src.has_nulls()) {
          append_range(&col->valid(), src.valid(), n);
        } else {
          col->valid().resize(col->valid().size() + n, 1);
        }
      }
    }
    col->set_size(total);
    out->columns.push_back(std::move(col));
  }
  return absl::OkStatus();
}

void join_table::build(batch rows, const std::vector<int>& key_cols) {
  rows_ = std::move(rows);
  const size_t n = rows_.rows;
  head_.clear();
  int_slots_.clear();
  slots_.clear();
  packed_.clear();
  packed_values_.clear();
  next_.assign(n, k_no_row);
  null_rows_.clear();
  unique_ = n <= 1;
  if (key_cols.empty()) {
    mode_ = mode::none;
    for (size_t r = 0; r + 1 < n; ++r) next_[r] = static_cast<uint32_t>(r + 1);
    return;
  }
  bool all_fixed = true;
  for (int k : key_cols)
    all_fixed = all_fixed && rows_.schema.fields[static_cast<size_t>(k)].type != type_id::string;
  keys_.load(rows_, key_cols, false, k_seed);
  for (size_t r = 0; r < n; ++r)
    if (keys_.is_null(r)) null_rows_.push_back(static_cast<uint32_t>(r));
  const bool single_fixed = all_fixed && (key_cols.size() == 1 || pack_build(n));
  if (!single_fixed) keys_.load(rows_, key_cols, true, k_seed);
  // Open addressing at load <= 1/2.
  const int bits = std::max(1, static_cast<int>(std::bit_width(std::max<size_t>(n, 1) * 2 - 1)));
  shift_ = 64 - bits;
  if (!single_fixed) {
    build_generic(n);
  } else {
    build_single(n);
  }
  unique_ = std::all_of(next_.begin(), next_.end(), [](uint32_t r) { return r == k_no_row; });
}

bool join_table::pack_build(size_t n) {
  const size_t nk = keys_.fixed.size();
  std::vector<packed_key> pack(nk);
  int bits = 0;
  for (size_t k = 0; k < nk; ++k) {
    const int64_t* v = keys_.fixed[k];
    int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
    for (size_t r = 0; r < n; ++r) {
      if (keys_.skipped(r)) continue;
      lo = std::min(lo, v[r]);
      hi = std::max(hi, v[r]);
    }
    if (lo > hi) return false;  // no row to index
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    pack[k] = packed_key{lo, span, bits};
    bits += static_cast<int>(std::bit_width(span));
    if (bits > 62) return false;
  }
  packed_values_.assign(n, 0);
  for (size_t k = 0; k < nk; ++k) {
    const int64_t* v = keys_.fixed[k];
    const auto lo = static_cast<uint64_t>(pack[k].lo);
    const int shift = pack[k].shift;
    for (size_t r = 0; r < n; ++r)
      if (!keys_.skipped(r))
        packed_values_[r] |= static_cast<int64_t>((static_cast<uint64_t>(v[r]) - lo) << shift);
  }
  packed_ = std::move(pack);
  keys_.fixed.assign(1, packed_values_.data());
  keys_.strings.assign(1, nullptr);
  return true;
}

void join_table::pack_probe(join_keys* probe) const {
  if (packed_.empty()) return;
  const size_t n = probe->rows;
  const size_t nk = packed_.size();
  if (probe->storage.size() <= nk) probe->storage.resize(nk + 1);
  auto& out = probe->storage[nk];
  out.assign(n, 0);
  std::vector<uint8_t>& skip = probe->skip;
  for (size_t k = 0; k < nk; ++k) {
    const int64_t* v = probe->fixed[k];
    const packed_key& p = packed_[k];
    const auto lo = static_cast<uint64_t>(p.lo);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t d = static_cast<uint64_t>(v[i]) - lo;
      if (d > p.span) {
        if (skip.empty()) skip.assign(n, 0);
        skip[i] = 1;  // no build row has this value
      }
      out[i] |= static_cast<int64_t>(d << p.shift);
    }
  }
  probe->fixed.assign(1, out.data());
  probe->strings.assign(1, nullptr);
}

void join_table::build_single(size_t n) {
  const int64_t* v = keys_.fixed[0];
  int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
  for (size_t r = 0; r < n; ++r) {
    if (keys_.skipped(r)) continue;
    lo = std::min(lo, v[r]);
    hi = std::max(hi, v[r]);
  }
  const uint64_t span = lo <= hi ? static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) : 0;
  if (lo > hi || span >= std::max<uint64_t>(k_direct_always, k_direct_per_row * n)) {
    build_hashed(n);
    return;
  }
  mode_ = mode::direct;
  base_ = lo;
  head_.assign(span + 1, k_no_row);
  // Rows are linked in reverse so that each chain lists its rows in order.
  for (size_t r = n; r-- > 0;) {
    if (keys_.skipped(r)) continue;
    uint32_t& h = head_[static_cast<uint64_t>(v[r]) - static_cast<uint64_t>(lo)];
    next_[r] = h;
    h = static_cast<uint32_t>(r);
  }
}

void join_table::build_hashed(size_t n) {
  mode_ = mode::hashed;
  int_slots_.assign(size_t{1} << (64 - shift_), int_slot{0, k_no_row});
  const size_t mask = int_slots_.size() - 1;
  const int64_t* v = keys_.fixed[0];
  for (size_t r = n; r-- > 0;) {
    if (keys_.skipped(r)) continue;
    for (size_t s = join_mix(static_cast<uint64_t>(v[r])) >> shift_;; s = (s + 1) & mask) {
      int_slot& slot = int_slots_[s];
      if (slot.head == k_no_row) {
        slot.key = v[r];
      } else if (slot.key != v[r]) {
        continue;
      }
      next_[r] = slot.head;
      slot.head = static_cast<uint32_t>(r);
      break;
    }
  }
}

void join_table::build_generic(size_t n) {
  mode_ = mode::generic;
  slots_.assign(size_t{1} << (64 - shift_), k_empty_slot);
  const size_t mask = slots_.size() - 1;
  const uint64_t* h = keys_.hash.data();
  for (size_t r = n; r-- > 0;) {
    if (keys_.skipped(r)) continue;
    const uint64_t tag = h[r] << 32;
    for (size_t s = h[r] >> shift_;; s = (s + 1) & mask) {
      uint64_t& slot = slots_[s];
      if (slot != k_empty_slot) {
        const auto head = static_cast<uint32_t>(slot);
        if ((slot & ~uint64_t{0xffffffff}) != tag || !keys_equal(keys_, r, keys_, head)) continue;
        next_[r] = head;
      }
      slot = tag | r;
      break;
    }
  }
}

void join_table::lookup(const join_keys& probe, uint32_t* first) const {
  const size_t n = probe.rows;
  switch (mode_) {
    case mode::none:
      std::fill(first, first + n, rows_.rows ? 0 : k_no_row);
      return;  // no keys: nothing to skip
    case mode::direct: {
      const int64_t* v = probe.fixed[0];
      const uint64_t slots = head_.size();
      const uint32_t* head = head_.data();
      for (size_t i = 0; i < n; ++i) {
        const uint64_t s = static_cast<uint64_t>(v[i]) - static_cast<uint64_t>(base_);
        first[i] = s < slots ? head[s] : k_no_row;
      }
      break;
    }
    case mode::hashed: {
      const int64_t* v = probe.fixed[0];
      const int_slot* slots = int_slots_.data();
      const size_t mask = int_slots_.size() - 1;
      for (size_t i = 0; i < n; ++i) {
        if (i + k_ahead < n)
          __builtin_prefetch(&slots[join_mix(static_cast<uint64_t>(v[i + k_ahead])) >> shift_]);
        size_t s = join_mix(static_cast<uint64_t>(v[i])) >> shift_;
        while (slots[s].head != k_no_row && slots[s].key != v[i]) s = (s + 1) & mask;
        first[i] = slots[s].head;
      }
      break;
    }
    case mode::generic: {
      const uint64_t* h = probe.hash.data();
      const uint64_t* slots = slots_.data();
      const size_t mask = slots_.size() - 1;
      for (size_t i = 0; i < n; ++i) {
        // Two stages ahead: the slot of row i + 2d, the keys its slot points
        // to for row i + d, so that row i finds both in cache.
        if (i + 2 * k_ahead < n) __builtin_prefetch(&slots[h[i + 2 * k_ahead] >> shift_]);
        if (i + k_ahead < n) {
          const uint64_t ahead = slots[h[i + k_ahead] >> shift_];
          if (ahead != k_empty_slot) prefetch_keys(keys_, static_cast<uint32_t>(ahead));
        }
        const uint64_t tag = h[i] << 32;
        uint32_t found = k_no_row;
        for (size_t s = h[i] >> shift_; slots[s] != k_empty_slot; s = (s + 1) & mask) {
          const auto head = static_cast<uint32_t>(slots[s]);
          if ((slots[s] & ~uint64_t{0xffffffff}) == tag && !probe.skipped(i) &&
              keys_equal(probe, i, keys_, head)) {
            found = head;
            break;
          }
        }
        first[i] = found;
      }
      break;
    }
  }
  if (!probe.skip.empty())
    for (size_t i = 0; i < n; ++i)
      if (probe.skip[i]) first[i] = k_no_row;
}

}  // namespace tranche
