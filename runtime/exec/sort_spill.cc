// Implementation of exec/sort_spill.h: gathering sorted rows into batches,
// writing sorted runs, and merging runs through a binary heap of cursors.
#include "exec/sort_spill.h"

#include <algorithm>
#include <utility>

namespace tranche {

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

absl::StatusOr<std::unique_ptr<spill_file>> write_run(const std::vector<batch_ptr>& parts,
                                                      const sort_entry* order, size_t n,
                                                      const run_options& opt, uint64_t* spilled) {
  auto file = spill_file::create(opt.spill_dir, opt.buffer_bytes);
  if (!file.ok()) return file.status();
  const size_t step = std::max<size_t>(1, opt.run_batch_rows);
  for (size_t b = 0; b < n; b += step) {
    const size_t e = std::min(n, b + step);
    if (auto st = (*file)->append(gather(parts, order + b, e - b)); !st.ok()) return st;
  }
  if (auto st = (*file)->release_buffer(); !st.ok()) return st;
  *spilled += (*file)->bytes();
  return file;
}

namespace {

// One run being read: its current batch and the next row in it.
struct cursor {
  std::unique_ptr<spill_file> file;
  uint64_t offset = 0;
  batch_ptr current;
  std::vector<bound_key> keys;
  size_t row = 0;
  uint32_t part = 0;  // index of `current` in the merge's output parts
};

// Merges `runs` in one pass, handing each output batch to `out`.
class merger {
 public:
  merger(std::vector<std::unique_ptr<spill_file>> runs, const std::vector<sort_key>& keys,
         size_t batch_rows, int64_t limit)
      : keys_(keys), batch_rows_(std::max<size_t>(1, batch_rows)), limit_(limit) {
    for (auto& r : runs) {
      cursors_.emplace_back();
      cursors_.back().file = std::move(r);
    }
  }

  absl::Status run(const std::function<absl::Status(batch)>& out) {
    for (size_t c = 0; c < cursors_.size(); ++c) {
      auto more = advance(c);
      if (!more.ok()) return more.status();
      if (*more) heap_.push_back(static_cast<uint32_t>(c));
    }
    for (size_t i = heap_.size() / 2; i-- > 0;) sift_down(i);
    uint64_t emitted = 0;
    while (!heap_.empty() && (limit_ < 0 || emitted < static_cast<uint64_t>(limit_))) {
      const uint32_t c = heap_.front();
      cursor& x = cursors_[c];
      order_.push_back({0, {x.part, static_cast<uint32_t>(x.row)}});
      ++emitted;
      bool alive = true;
      if (++x.row == x.current->rows) {
        auto more = advance(c);
        if (!more.ok()) return more.status();
        alive = *more;
      }
      if (alive) {
        sift_down(0);
      } else {
        heap_.front() = heap_.back();
        heap_.pop_back();
        if (!heap_.empty()) sift_down(0);
      }
      if (order_.size() == batch_rows_)
        if (auto st = flush(out); !st.ok()) return st;
    }
    return flush(out);
  }

 private:
  // Min-heap order on the cursors' current rows; ties go to the earlier run.
  bool less(uint32_t a, uint32_t b) const {
    const cursor& x = cursors_[a];
    const cursor& y = cursors_[b];
    const int c = compare_rows(x.keys, x.row, y.keys, y.row);
    return c != 0 ? c < 0 : a < b;
  }
  void sift_down(size_t i) {
    const size_t n = heap_.size();
    for (;;) {
      const size_t l = 2 * i + 1;
      if (l >= n) return;
      size_t m = l;
      if (l + 1 < n && less(heap_[l + 1], heap_[l])) m = l + 1;
      if (!less(heap_[m], heap_[i])) return;
      std::swap(heap_[m], heap_[i]);
      i = m;
    }
  }

  // Loads cursor c's next batch; false when its run is exhausted (and then
  // dropped, with its file).
  absl::StatusOr<bool> advance(size_t c) {
    cursor& x = cursors_[c];
    for (;;) {
      batch b;
      auto more = x.file->read_next(&x.offset, &b);
      if (!more.ok()) return more.status();
      if (!*more) {
        x.file.reset();
        x.current.reset();
        x.keys.clear();
        return false;
      }
      if (b.rows == 0) continue;
      x.current = std::make_shared<const batch>(std::move(b));
      x.keys = bind_keys(*x.current, keys_);
      x.row = 0;
      x.part = static_cast<uint32_t>(parts_.size());
      parts_.push_back(x.current);
      return true;
    }
  }

  // Emits the rows collected so far; the parts still in use stay.
  absl::Status flush(const std::function<absl::Status(batch)>& out) {
    if (order_.empty()) return absl::OkStatus();
    batch b = gather(parts_, order_.data(), order_.size());
    order_.clear();
    parts_.clear();
    for (auto& x : cursors_) {
      if (!x.current) continue;
      x.part = static_cast<uint32_t>(parts_.size());
      parts_.push_back(x.current);
    }
    return out(std::move(b));
  }

  const std::vector<sort_key>& keys_;
  size_t batch_rows_;
  int64_t limit_;
  std::vector<cursor> cursors_;
  std::vector<uint32_t> heap_;
  std::vector<batch_ptr> parts_;
  std::vector<sort_entry> order_;
};

}  // namespace

absl::Status merge_runs(std::vector<std::unique_ptr<spill_file>> runs,
                        const std::vector<sort_key>& keys, const run_options& opt,
                        uint64_t* spilled, const emit_fn& emit) {
  // Intermediate passes: neighbouring groups of runs become one run each.
  while (runs.size() > k_max_fan_in) {
    std::vector<std::unique_ptr<spill_file>> next;
    for (size_t b = 0; b < runs.size(); b += k_max_fan_in) {
      const size_t e = std::min(runs.size(), b + k_max_fan_in);
      if (e - b == 1) {
        next.push_back(std::move(runs[b]));
        continue;
      }
      auto file = spill_file::create(opt.spill_dir, opt.buffer_bytes);
      if (!file.ok()) return file.status();
      spill_file& f = **file;
      const uint64_t before = f.bytes();
      std::vector<std::unique_ptr<spill_file>> group;
      for (size_t i = b; i < e; ++i) group.push_back(std::move(runs[i]));
      merger m(std::move(group), keys, opt.run_batch_rows, opt.limit);
      if (auto st = m.run([&](batch out) { return f.append(out); }); !st.ok()) return st;
      if (auto st = f.release_buffer(); !st.ok()) return st;
      *spilled += f.bytes() - before;
      next.push_back(*std::move(file));
    }
    runs = std::move(next);
  }
  merger m(std::move(runs), keys, opt.output_batch_rows, opt.limit);
  return m.run(emit);
}

}  // namespace tranche
