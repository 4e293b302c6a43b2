// The sort operator from exec/operators.h: multi-key, ASC/DESC, NULLS
// FIRST/LAST per key, stable. Without a limit it buffers every batch, sorts
// row references (batch, row) at finish and gathers the output in batches.
// With a limit (top-N) it keeps only the best `limit` rows seen so far: new
// rows that cannot beat the current last row are dropped on arrival, and the
// rest are merged into the kept set whenever enough accumulate, so memory stays
// bounded by the limit. Task pipelines build it through make_sort.
//
// Memory (with a memory_budget): the buffered input counts as its
// approx_bytes plus the 16-byte sort entry per row that sorting it needs.
// Past the limit the buffer is sorted into a run in a spill file, and
// finish() merges the runs (exec/sort_spill.h), holding one batch of about
// limit / (2 * k_max_fan_in) bytes per run merged and emitting batches of
// about limit / 4 bytes: at most about twice the limit in all. A top-N keeps
// its best `limit` rows; only when those pass half the budget does it turn
// into runs (each cut to `limit` rows) merged at finish.
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
#include "exec/sort_spill.h"

namespace tranche {
namespace {

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

class sort_op final : public spilling_operator {
 public:
  sort_op(std::vector<sort_key> keys, int64_t limit, memory_budget budget)
      : keys_(std::move(keys)), limit_(limit), budget_(std::move(budget)) {}

  uint64_t spilled_bytes() const override { return spilled_; }

  absl::Status push(batch in, const emit_fn&) override {
    for (const auto& k : keys_)
      if (k.column < 0 || static_cast<size_t>(k.column) >= in.columns.size())
        return invalid("sort key column #", std::to_string(k.column), " is out of range");
    if (in.rows == 0 || limit_ == 0) return absl::OkStatus();
    // Top-N: only rows strictly before the last of `limit` rows already seen
    // can enter (a tie arrived later, so stability ranks it after).
    const batch* bar = nullptr;
    if (limit_ > 0 && kept_ && kept_->rows == static_cast<size_t>(limit_)) bar = kept_.get();
    if (limit_ > 0 && threshold_) bar = threshold_.get();
    if (bar) {
      const auto bar_keys = bind_keys(*bar, keys_);
      const auto in_keys = bind_keys(in, keys_);
      const size_t last = bar->rows - 1;
      std::vector<uint32_t> sel;
      for (size_t i = 0; i < in.rows; ++i)
        if (compare_rows(in_keys, i, bar_keys, last) < 0) sel.push_back(static_cast<uint32_t>(i));
      if (sel.empty()) return absl::OkStatus();
      if (sel.size() < in.rows) in = take(in, sel);
    }
    const uint64_t bytes = approx_bytes(in) + in.rows * sizeof(sort_entry);
    in_bytes_ += bytes;
    in_rows_ += in.rows;
    buffered_bytes_ += bytes;
    buffered_rows_ += in.rows;
    buffered_.push_back(std::make_shared<const batch>(std::move(in)));
    const bool budgeted = budget_.limit > 0;
    const auto limit_bytes = static_cast<uint64_t>(budget_.limit);
    if (limit_ > 0 && runs_.empty()) {
      if (buffered_rows_ >= std::max(static_cast<size_t>(limit_), k_emit_batch_rows) ||
          (budgeted && buffered_bytes_ + kept_bytes_ > limit_bytes))
        compact();
      // The best `limit` rows alone fill half the budget: they become the
      // first run, and later input goes to runs as in a full sort.
      if (budgeted && kept_ && kept_bytes_ > limit_bytes / 2) return spill_kept();
      return absl::OkStatus();
    }
    if (budgeted && buffered_bytes_ > limit_bytes) return spill_buffered();
    return absl::OkStatus();
  }

  absl::Status finish(const emit_fn& emit) override {
    if (!runs_.empty()) {
      if (auto st = spill_buffered(); !st.ok()) return st;
      auto runs = std::move(runs_);
      runs_.clear();
      return merge_runs(std::move(runs), keys_, run_opts(), &spilled_, emit);
    }
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

  run_options run_opts() const {
    const auto limit = static_cast<size_t>(budget_.limit);
    const size_t row_bytes = std::max<uint64_t>(1, in_bytes_ / std::max<uint64_t>(1, in_rows_));
    run_options o;
    o.spill_dir = budget_.spill_dir;
    o.buffer_bytes = std::clamp<size_t>(limit / 16, size_t{4} << 10, size_t{1} << 20);
    o.run_batch_rows =
        std::clamp<size_t>(limit / (2 * k_max_fan_in * row_bytes), 1, k_emit_batch_rows);
    o.output_batch_rows = std::clamp<size_t>(limit / (4 * row_bytes), 1, k_emit_batch_rows);
    o.limit = limit_;
    return o;
  }

  // Sorts the buffered rows (a top-N: its best `limit`) into a new run.
  absl::Status spill_buffered() {
    if (buffered_.empty()) return absl::OkStatus();
    const std::vector<sort_entry> order = sorted_order(buffered_, buffered_rows_);
    auto run = write_run(buffered_, order.data(), order.size(), run_opts(), &spilled_);
    if (!run.ok()) return run.status();
    runs_.push_back(*std::move(run));
    if (limit_ > 0 && order.size() == static_cast<size_t>(limit_))
      lower_threshold(gather(buffered_, &order.back(), 1));
    buffered_.clear();
    buffered_rows_ = 0;
    buffered_bytes_ = 0;
    return absl::OkStatus();
  }

  // Top-N: the kept rows (already in order) become the first run.
  absl::Status spill_kept() {
    std::vector<sort_entry> order(kept_->rows);
    for (size_t i = 0; i < order.size(); ++i) order[i].ref = {0, static_cast<uint32_t>(i)};
    const std::vector<batch_ptr> parts{kept_};
    auto run = write_run(parts, order.data(), order.size(), run_opts(), &spilled_);
    if (!run.ok()) return run.status();
    runs_.push_back(*std::move(run));
    if (kept_->rows == static_cast<size_t>(limit_))
      lower_threshold(gather(parts, &order.back(), 1));
    kept_.reset();
    kept_bytes_ = 0;
    return spill_buffered();
  }

  // Top-N: `row` (one row) is the last of `limit` rows seen; it becomes the
  // bar for later input if it ranks before the current one.
  void lower_threshold(batch row) {
    if (threshold_ && compare_rows(bind_keys(row, keys_), 0, bind_keys(*threshold_, keys_), 0) >= 0)
      return;
    threshold_ = std::make_shared<const batch>(std::move(row));
  }

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
    buffered_bytes_ = 0;
    const std::vector<sort_entry> order = sorted_order(parts, total);
    kept_ = std::make_shared<const batch>(gather(parts, order.data(), order.size()));
    kept_bytes_ = approx_bytes(*kept_) + kept_->rows * sizeof(sort_entry);
  }

  std::vector<sort_key> keys_;
  int64_t limit_;
  memory_budget budget_;
  std::vector<batch_ptr> buffered_;
  size_t buffered_rows_ = 0;
  uint64_t buffered_bytes_ = 0;          // approx_bytes + a sort entry per row
  uint64_t in_bytes_ = 0, in_rows_ = 0;  // all input kept so far: the average row size
  batch_ptr kept_;                       // top-N only: the best rows so far, in order
  uint64_t kept_bytes_ = 0;
  // Spilling: sorted runs in input order; for a top-N, the last row of the
  // best `limit` rows of some run, which later rows must beat.
  std::vector<std::unique_ptr<spill_file>> runs_;
  batch_ptr threshold_;
  uint64_t spilled_ = 0;
};

}  // namespace

operator_ptr make_sort(std::vector<sort_key> keys, int64_t limit, memory_budget budget) {
  return std::make_unique<sort_op>(std::move(keys), limit, std::move(budget));
}

}  // namespace tranche
