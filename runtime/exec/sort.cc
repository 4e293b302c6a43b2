// The sort operator from exec/operators.h: multi-key, ASC/DESC, NULLS
// FIRST/LAST per key, stable. Without a limit it buffers every batch, sorts
// row references (batch, row) at finish and gathers the output in batches.
// With a limit (top-N) it keeps only the best `limit` rows seen so far: new
// rows that cannot beat the current last row are dropped on arrival, and the
// rest are merged into the kept set whenever enough accumulate, so memory stays
// bounded by the limit. Task pipelines build it through make_sort.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exec/column_util.h"
#include "exec/operators.h"

namespace tranche {
namespace {

// A sort key bound to one batch's column, so comparisons read raw pointers.
struct bound_key {
  type_id type;
  const int64_t* i64;
  const double* f64;
  const uint8_t* b;
  const uint32_t* off;
  const char* chars;
  const uint8_t* valid;  // nullptr: no NULLs
  bool ascending;
  bool nulls_first;
};

std::vector<bound_key> bind_keys(const batch& in, const std::vector<sort_key>& keys) {
  std::vector<bound_key> out;
  out.reserve(keys.size());
  for (const auto& k : keys) {
    const column& c = *in.columns[k.column];
    out.push_back({c.type(), c.i64().data(), c.f64().data(), c.b().data(), c.offsets().data(),
                   c.chars().data(), c.has_nulls() ? c.valid().data() : nullptr, k.ascending,
                   k.nulls_first});
  }
  return out;
}

// Total order on doubles: NaN after every number, -0.0 equal to 0.0.
int compare_double(double a, double b) {
  if (a < b) return -1;
  if (a > b) return 1;
  return static_cast<int>(std::isnan(a)) - static_cast<int>(std::isnan(b));
}

// <0, 0, >0: row i (keys bound to its batch in ka) against row j (kb).
// Keys before `from` are not looked at (callers know they are equal).
int compare_rows(const std::vector<bound_key>& ka, size_t i, const std::vector<bound_key>& kb,
                 size_t j, size_t from = 0) {
  for (size_t k = from; k < ka.size(); ++k) {
    const bound_key& x = ka[k];
    const bound_key& y = kb[k];
    const bool nx = x.valid && !x.valid[i];
    const bool ny = y.valid && !y.valid[j];
    if (nx || ny) {
      if (nx && ny) continue;
      // NULL placement is explicit per key and independent of the direction.
      return nx == x.nulls_first ? -1 : 1;
    }
    int c = 0;
    switch (x.type) {
      case type_id::int64:
      case type_id::date:
        c = (x.i64[i] > y.i64[j]) - (x.i64[i] < y.i64[j]);
        break;
      case type_id::float64:
        c = compare_double(x.f64[i], y.f64[j]);
        break;
      case type_id::boolean:
        c = static_cast<int>(x.b[i] & 1) - static_cast<int>(y.b[j] & 1);
        break;
      case type_id::string: {
        const std::string_view sx(x.chars + x.off[i], x.off[i + 1] - x.off[i]);
        const std::string_view sy(y.chars + y.off[j], y.off[j + 1] - y.off[j]);
        c = sx.compare(sy);
        break;
      }
    }
    if (c != 0) return x.ascending ? c : -c;
  }
  return 0;
}

struct row_ref {
  uint32_t part;
  uint32_t row;
  friend bool operator<(const row_ref& a, const row_ref& b) {
    return a.part != b.part ? a.part < b.part : a.row < b.row;
  }
};

// A row to sort: its first key normalized to an unsigned integer whose order
// is the key's order (direction included), and where the row lives. Sorting
// these 16-byte entries touches contiguous memory; only ties on the first key
// (or on a string's 8-byte prefix) look at the rows themselves.
struct sort_entry {
  uint64_t key;
  row_ref ref;
};

uint64_t normalized_key(const bound_key& k, size_t i) {
  constexpr uint64_t sign = uint64_t{1} << 63;
  uint64_t u = 0;
  switch (k.type) {
    case type_id::int64:
    case type_id::date:
      u = static_cast<uint64_t>(k.i64[i]) ^ sign;
      break;
    case type_id::float64: {
      double x = k.f64[i];
      if (x == 0) x = 0.0;                                              // -0.0 sorts with 0.0
      if (std::isnan(x)) x = std::numeric_limits<double>::quiet_NaN();  // after +inf
      const uint64_t b = std::bit_cast<uint64_t>(x);
      u = (b & sign) ? ~b : (b | sign);
      break;
    }
    case type_id::boolean:
      u = k.b[i] & 1;
      break;
    case type_id::string: {
      // The first 8 bytes, big-endian, zero-padded: a prefix order only.
      const char* p = k.chars + k.off[i];
      const size_t n = std::min<size_t>(8, k.off[i + 1] - k.off[i]);
      for (size_t j = 0; j < n; ++j)
        u |= uint64_t{static_cast<unsigned char>(p[j])} << (56 - 8 * j);
      break;
    }
  }
  return k.ascending ? u : ~u;
}

// Gathers rows order[0, n) from `parts` into one batch of their schema.
batch gather(const std::vector<batch_ptr>& parts, const sort_entry* order, size_t n) {
  batch out;
  out.schema = parts[0]->schema;
  out.rows = n;
  for (size_t c = 0; c < out.schema.size(); ++c) {
    std::vector<const column*> src;
    bool nulls = false;
    for (const auto& p : parts) {
      src.push_back(p->columns[c].get());
      nulls = nulls || p->columns[c]->has_nulls();
    }
    auto col = std::make_shared<column>(src[0]->type());
    // Typed per-part data pointers, so each row costs two loads.
    auto gather_fixed = [&](auto& dst, auto data_of) {
      std::vector<decltype(data_of(*src[0]))> data;
      for (const column* s : src) data.push_back(data_of(*s));
      dst.resize(n);
      // Rows are scattered over the parts: prefetch ahead so the misses overlap.
      constexpr size_t k_ahead = 16;
      for (size_t k = 0; k < n; ++k) {
        if (k + k_ahead < n)
          __builtin_prefetch(&data[order[k + k_ahead].ref.part][order[k + k_ahead].ref.row]);
        dst[k] = data[order[k].ref.part][order[k].ref.row];
      }
    };
    switch (col->type()) {
      case type_id::int64:
      case type_id::date:
        gather_fixed(col->i64(), [](const column& s) { return s.i64().data(); });
        break;
      case type_id::float64:
        gather_fixed(col->f64(), [](const column& s) { return s.f64().data(); });
        break;
      case type_id::boolean:
        gather_fixed(col->b(), [](const column& s) { return s.b().data(); });
        break;
      case type_id::string: {
        auto& off = col->offsets();
        off.resize(n + 1);
        // Two dependent loads per row (offset, then bytes): prefetch the
        // offsets far ahead and the bytes nearer, once their offset is cached.
        constexpr size_t k_far = 16, k_near = 8;
        for (size_t k = 0; k < n; ++k) {
          if (k + k_far < n) {
            const row_ref& f = order[k + k_far].ref;
            __builtin_prefetch(src[f.part]->offsets().data() + f.row);
          }
          if (k + k_near < n) {
            const row_ref& f = order[k + k_near].ref;
            __builtin_prefetch(src[f.part]->chars().data() + src[f.part]->offsets()[f.row]);
          }
          const std::string_view s = src[order[k].ref.part]->str(order[k].ref.row);
          col->chars().append(s.data(), s.size());
          off[k + 1] = static_cast<uint32_t>(col->chars().size());
        }
        break;
      }
    }
    if (nulls) {
      auto& v = col->valid();
      v.resize(n);
      for (size_t k = 0; k < n; ++k)
        v[k] = src[order[k].ref.part]->is_null(order[k].ref.row) ? 0 : 1;
      col->compact_validity();
    }
    col->set_size(n);
    out.columns.push_back(std::move(col));
  }
  return out;
}

class sort_op final : public physical_operator {
 public:
  sort_op(std::vector<sort_key> keys, int64_t limit) : keys_(std::move(keys)), limit_(limit) {}

  absl::Status push(batch in, const emit_fn&) override {
    for (const auto& k : keys_)
      if (k.column < 0 || static_cast<size_t>(k.column) >= in.columns.size())
        return invalid("sort key column #", std::to_string(k.column), " is out of range");
    if (in.rows == 0 || limit_ == 0) return absl::OkStatus();
    if (limit_ > 0 && kept_ && kept_->rows == static_cast<size_t>(limit_)) {
      // Top-N is full: only rows strictly before the last kept row can enter
      // (a tie arrived later, so stability ranks it after).
      const auto kept_keys = bind_keys(*kept_, keys_);
      const auto in_keys = bind_keys(in, keys_);
      const size_t last = kept_->rows - 1;
      std::vector<uint32_t> sel;
      for (size_t i = 0; i < in.rows; ++i)
        if (compare_rows(in_keys, i, kept_keys, last) < 0) sel.push_back(static_cast<uint32_t>(i));
      if (sel.empty()) return absl::OkStatus();
      if (sel.size() < in.rows) in = take(in, sel);
    }
    buffered_rows_ += in.rows;
    buffered_.push_back(std::make_shared<const batch>(std::move(in)));
    if (limit_ > 0 && buffered_rows_ >= std::max(static_cast<size_t>(limit_), k_emit_batch_rows))
      compact();
    return absl::OkStatus();
  }

  absl::Status finish(const emit_fn& emit) override {
    if (limit_ >= 0) {
      compact();
      if (!kept_) return absl::OkStatus();
      for (size_t b = 0; b < kept_->rows; b += k_emit_batch_rows) {
        const size_t e = std::min(kept_->rows, b + k_emit_batch_rows);
        batch out;
        out.schema = kept_->schema;
        out.rows = e - b;
        for (const auto& c : kept_->columns) out.columns.push_back(slice(c, b, e));
        if (auto st = emit(std::move(out)); !st.ok()) return st;
      }
      return absl::OkStatus();
    }
    if (buffered_.empty()) return absl::OkStatus();
    const std::vector<sort_entry> order = sorted_order(buffered_, buffered_rows_);
    for (size_t b = 0; b < order.size(); b += k_emit_batch_rows) {
      const size_t e = std::min(order.size(), b + k_emit_batch_rows);
      if (auto st = emit(gather(buffered_, order.data() + b, e - b)); !st.ok()) return st;
    }
    return absl::OkStatus();
  }

 private:
  // The rows of `parts` in sorted order; with a limit, only the first
  // `limit`. Parts and rows are numbered in arrival order, and ties end on
  // that order: a stable result without std::stable_sort's extra buffer.
  std::vector<sort_entry> sorted_order(const std::vector<batch_ptr>& parts, size_t total) const {
    sorter s{keys_, {}};
    for (const auto& p : parts) s.bound.push_back(bind_keys(*p, keys_));
    std::vector<sort_entry> order;
    order.reserve(total);
    for (size_t p = 0; p < parts.size(); ++p)
      for (size_t i = 0; i < parts[p]->rows; ++i)
        order.push_back({0, {static_cast<uint32_t>(p), static_cast<uint32_t>(i)}});
    if (limit_ >= 0 && static_cast<size_t>(limit_) < order.size()) {
      // Top-N: select the first `limit` rows with the row comparator, then
      // order just those.
      auto less = [&](const sort_entry& a, const sort_entry& b) { return s.less_rows(a, b, 0); };
      std::nth_element(order.begin(), order.begin() + limit_, order.end(), less);
      order.resize(limit_);
    }
    s.refine(order.data(), order.size(), 0);
    return order;
  }

  // Sorts level by level: entries equal on keys [0, j) are ordered by key j's
  // normalized value (a sort of contiguous 16-byte entries), and only runs
  // still equal go on to key j + 1. NULLs of key j are split off first.
  struct sorter {
    const std::vector<sort_key>& keys;
    std::vector<std::vector<bound_key>> bound;

    const bound_key& key(const sort_entry& e, size_t j) const { return bound[e.ref.part][j]; }
    bool less_rows(const sort_entry& a, const sort_entry& b, size_t from) const {
      const int c = compare_rows(bound[a.ref.part], a.ref.row, bound[b.ref.part], b.ref.row, from);
      return c != 0 ? c < 0 : a.ref < b.ref;
    }

    void refine(sort_entry* v, size_t n, size_t j) const {
      if (n <= 1) return;
      if (j == keys.size()) {
        std::sort(v, v + n, [](const sort_entry& a, const sort_entry& b) { return a.ref < b.ref; });
        return;
      }
      auto is_null = [&](const sort_entry& e) {
        const bound_key& k = key(e, j);
        return k.valid && !k.valid[e.ref.row];
      };
      sort_entry* mid =
          keys[j].nulls_first
              ? std::partition(v, v + n, is_null)
              : std::partition(v, v + n, [&](const sort_entry& e) { return !is_null(e); });
      sort_entry* vals = keys[j].nulls_first ? mid : v;
      const size_t n_vals = keys[j].nulls_first ? v + n - mid : mid - v;
      sort_entry* nulls = keys[j].nulls_first ? v : mid;
      refine(nulls, n - n_vals, j + 1);  // equal on key j (NULL)
      // Past the first level the entries point at scattered rows: prefetch.
      constexpr size_t k_ahead = 16;
      for (size_t i = 0; i < n_vals; ++i) {
        if (i + k_ahead < n_vals) {
          const bound_key& f = key(vals[i + k_ahead], j);
          const size_t row = vals[i + k_ahead].ref.row;
          if (f.type == type_id::float64) __builtin_prefetch(f.f64 + row);
          if (f.type == type_id::int64 || f.type == type_id::date) __builtin_prefetch(f.i64 + row);
        }
        vals[i].key = normalized_key(key(vals[i], j), vals[i].ref.row);
      }
      if (n_vals > 0 && key(vals[0], j).type == type_id::string) {
        // The key is an 8-byte prefix: ties compare the rows from key j on.
        std::sort(vals, vals + n_vals, [&](const sort_entry& a, const sort_entry& b) {
          return a.key != b.key ? a.key < b.key : less_rows(a, b, j);
        });
        return;
      }
      std::sort(vals, vals + n_vals, [](const sort_entry& a, const sort_entry& b) {
        return a.key != b.key ? a.key < b.key : a.ref < b.ref;
      });
      if (j + 1 == keys.size()) return;
      for (size_t b = 0; b < n_vals;) {
        size_t e = b + 1;
        while (e < n_vals && vals[e].key == vals[b].key) ++e;
        refine(vals + b, e - b, j + 1);
        b = e;
      }
    }
  };

  // Top-N: merges the kept rows and the buffered ones into the new kept set.
  void compact() {
    if (buffered_.empty()) return;
    std::vector<batch_ptr> parts;
    if (kept_) parts.push_back(kept_);
    size_t total = kept_ ? kept_->rows : 0;
    for (auto& b : buffered_) parts.push_back(std::move(b));
    total += buffered_rows_;
    buffered_.clear();
    buffered_rows_ = 0;
    const std::vector<sort_entry> order = sorted_order(parts, total);
    kept_ = std::make_shared<const batch>(gather(parts, order.data(), order.size()));
  }

  std::vector<sort_key> keys_;
  int64_t limit_;
  std::vector<batch_ptr> buffered_;
  size_t buffered_rows_ = 0;
  batch_ptr kept_;  // top-N only: the best rows so far, in order
};

}  // namespace

operator_ptr make_sort(std::vector<sort_key> keys, int64_t limit) {
  return std::make_unique<sort_op>(std::move(keys), limit);
}

}  // namespace tranche
