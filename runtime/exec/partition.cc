// hash_partition from exec/operators.h: splits a batch into n batches by a
// hash of key columns. Hash sinks call it to route rows to the consumer
// task that owns their keys, possibly in another process on another machine,
// so the hash is a fixed function of the key bytes: the murmur3 64-bit
// finalizer over 8-byte values, FNV-1a over string bytes (then finalized),
// combined over keys. Never absl::Hash or std::hash, which are seeded per
// process or implementation-defined. Producers and consumers of a shuffle
// (and processes of different builds) must agree on it, so tests pin a few
// exact partition numbers to catch an accidental change.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "exec/hash_mix.h"
#include "exec/operators.h"

namespace tranche {
namespace {

constexpr uint64_t k_null_hash = 0x9ae16a3b2f90404fULL;
constexpr uint64_t k_seed = 0x243f6a8885a308d3ULL;


inline uint64_t hash_bytes(const char* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(p[i]);
    h *= 0x100000001b3ULL;
  }
  return fmix64(h ^ n);
}

// Doubles hash by value: -0.0 as 0.0, every NaN alike (as group_table groups),
// with an explicit NaN pattern rather than the platform's quiet_NaN().
inline uint64_t double_bits(double x) {
  if (x == 0) x = 0.0;
  if (std::isnan(x)) return 0x7ff8000000000000ULL;
  return std::bit_cast<uint64_t>(x);
}

// Folds one more key's hash into the row hash (order-sensitive).
inline uint64_t combine(uint64_t h, uint64_t v) { return fmix64(h ^ (v + 0x9e3779b97f4a7c15ULL)); }

void hash_column(const column& c, size_t n, uint64_t* h) {
  switch (c.type()) {
    case type_id::int64:
    case type_id::date: {
      const int64_t* v = c.i64().data();
      for (size_t i = 0; i < n; ++i) h[i] = combine(h[i], fmix64(static_cast<uint64_t>(v[i])));
      break;
    }
    case type_id::float64: {
      const double* v = c.f64().data();
      for (size_t i = 0; i < n; ++i) h[i] = combine(h[i], fmix64(double_bits(v[i])));
      break;
    }
    case type_id::boolean: {
      const uint8_t* v = c.b().data();
      for (size_t i = 0; i < n; ++i) h[i] = combine(h[i], fmix64(v[i] & 1));
      break;
    }
    case type_id::string:
      for (size_t i = 0; i < n; ++i) {
        const auto s = c.str(i);
        h[i] = combine(h[i], hash_bytes(s.data(), s.size()));
      }
      break;
  }
}

// NULL rows get the fixed NULL hash instead of whatever hash their (arbitrary)
// stored bytes produced: recompute from the hash before this key.
void fix_nulls(const column& c, size_t n, const std::vector<uint64_t>& before, uint64_t* h) {
  const uint8_t* valid = c.valid().data();
  for (size_t i = 0; i < n; ++i)
    if (!valid[i]) h[i] = combine(before[i], k_null_hash);
}

template <class T, class Storage>
void scatter_values(const T* src, size_t rows, const std::vector<uint32_t>& part,
                    const std::vector<uint32_t>& pos, const std::vector<uint32_t>& counts,
                    std::vector<std::shared_ptr<column>>* outs, Storage storage) {
  std::vector<T*> dst;
  for (size_t p = 0; p < counts.size(); ++p) {
    auto& v = storage(*(*outs)[p]);
    v.resize(counts[p]);
    dst.push_back(v.data());
  }
  for (size_t i = 0; i < rows; ++i) dst[part[i]][pos[i]] = src[i];
}

// Writes row i of `c` to row pos[i] of output part[i], one pass over the
// column (instead of one gather per partition).
std::vector<column_ptr> scatter(const column& c, size_t rows, const std::vector<uint32_t>& part,
                                const std::vector<uint32_t>& pos,
                                const std::vector<uint32_t>& counts) {
  const size_t n = counts.size();
  std::vector<std::shared_ptr<column>> outs;
  for (size_t p = 0; p < n; ++p) outs.push_back(std::make_shared<column>(c.type()));
  switch (c.type()) {
    case type_id::int64:
    case type_id::date:
      scatter_values(
          c.i64().data(), rows, part, pos, counts, &outs,
          [](column & o) -> auto& { return o.i64(); });
      break;
    case type_id::float64:
      scatter_values(
          c.f64().data(), rows, part, pos, counts, &outs,
          [](column & o) -> auto& { return o.f64(); });
      break;
    case type_id::boolean:
      scatter_values(
          c.b().data(), rows, part, pos, counts, &outs, [](column & o) -> auto& { return o.b(); });
      break;
    case type_id::string: {
      // Lengths first, then offsets per partition, then the bytes.
      const uint32_t* off = c.offsets().data();
      std::vector<uint32_t*> dst_off(n);
      for (size_t p = 0; p < n; ++p) {
        outs[p]->offsets().assign(counts[p] + 1, 0);
        dst_off[p] = outs[p]->offsets().data();
      }
      for (size_t i = 0; i < rows; ++i) dst_off[part[i]][pos[i] + 1] = off[i + 1] - off[i];
      std::vector<char*> dst_chars(n);
      for (size_t p = 0; p < n; ++p) {
        for (size_t r = 0; r < counts[p]; ++r) dst_off[p][r + 1] += dst_off[p][r];
        outs[p]->chars().resize(dst_off[p][counts[p]]);
        dst_chars[p] = outs[p]->chars().data();
      }
      const char* chars = c.chars().data();
      for (size_t i = 0; i < rows; ++i) {
        const uint32_t len = off[i + 1] - off[i];
        if (len) std::memcpy(dst_chars[part[i]] + dst_off[part[i]][pos[i]], chars + off[i], len);
      }
      break;
    }
  }
  if (c.has_nulls()) {
    std::vector<uint8_t*> dst(n);
    for (size_t p = 0; p < n; ++p) {
      outs[p]->valid().resize(counts[p]);
      dst[p] = outs[p]->valid().data();
    }
    const uint8_t* v = c.valid().data();
    for (size_t i = 0; i < rows; ++i) dst[part[i]][pos[i]] = v[i];
    for (auto& o : outs) o->compact_validity();
  }
  std::vector<column_ptr> result;
  for (size_t p = 0; p < n; ++p) {
    outs[p]->set_size(counts[p]);
    result.push_back(std::move(outs[p]));
  }
  return result;
}

}  // namespace

std::vector<batch> hash_partition(const batch& b, const std::vector<int>& key_columns, size_t n) {
  if (n == 0) return {};
  if (n == 1) return {b};
  const size_t rows = b.rows;
  std::vector<uint64_t> h(rows, k_seed);
  std::vector<uint64_t> before;
  for (int k : key_columns) {
    if (k < 0 || static_cast<size_t>(k) >= b.columns.size()) {
      // The planner derives keys from the schema; a bad index is a bug, and
      // routing rows by a wrong key would silently corrupt results.
      std::fprintf(stderr, "hash_partition: key column %d out of range (%zu columns)\n", k,
                   b.columns.size());
      std::abort();
    }
    const column& c = *b.columns[static_cast<size_t>(k)];
    if (c.has_nulls()) before = h;
    hash_column(c, rows, h.data());
    if (c.has_nulls()) fix_nulls(c, rows, before, h.data());
  }
  // Partition = floor(h * n / 2^64): uniform over n, no division. pos[i] is
  // row i's index within its partition (rows keep their relative order).
  std::vector<uint32_t> part(rows), pos(rows);
  std::vector<uint32_t> counts(n, 0);
  for (size_t i = 0; i < rows; ++i) {
    part[i] = static_cast<uint32_t>((static_cast<unsigned __int128>(h[i]) * n) >> 64);
    pos[i] = counts[part[i]]++;
  }
  std::vector<batch> out(n);
  for (size_t p = 0; p < n; ++p) {
    out[p].schema = b.schema;
    out[p].rows = counts[p];
    if (counts[p] == rows) out[p].columns = b.columns;  // all rows in one: share
  }
  if (std::find(counts.begin(), counts.end(), rows) != counts.end()) return out;
  for (const auto& c : b.columns) {
    const auto parts = scatter(*c, rows, part, pos, counts);
    for (size_t p = 0; p < n; ++p) out[p].columns.push_back(parts[p]);
  }
  return out;
}

}  // namespace tranche
