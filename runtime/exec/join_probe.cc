// Implementation of exec/join_probe.h. Per probe batch: load the keys, look
// up every row's first match at once (independent loads, so the misses
// overlap), then walk the chains of equal keys. Matching
// pairs collect as row numbers in fixed buffers of k_emit_batch_rows and
// leave as one output batch each (column-wise gathers with take()), so a key
// with a huge fan-out streams out in bounded batches. With a residual the
// buffered pairs are candidates: the residual is evaluated over a batch
// holding just the columns it reads, and only TRUE pairs match.
#include "exec/join_probe.h"

#include <algorithm>
#include <utility>

#include "exec/column_util.h"

namespace tranche {
namespace {

constexpr size_t k_chunk = k_emit_batch_rows;

void mark_columns(const expr& e, std::vector<bool>* uses) {
  if (e.op == expr_op::column && e.index >= 0 && static_cast<size_t>(e.index) < uses->size())
    (*uses)[static_cast<size_t>(e.index)] = true;
  for (const auto& a : e.args)
    if (a) mark_columns(*a, uses);
}

}  // namespace

join_prober::join_prober(const join_spec& spec) : spec_(spec) {
  pair_schema_ = spec.probe_schema;
  for (const auto& f : spec.build_schema.fields) pair_schema_.fields.push_back(f);
  residual_uses_.assign(pair_schema_.size(), false);
  if (spec.residual) mark_columns(*spec.residual, &residual_uses_);
  psel_.resize(k_chunk);
  bsel_.resize(k_chunk);
}

absl::Status join_prober::probe(const batch& in, const join_table& table, const build_facts& facts,
                                const emit_fn& emit) {
  if (in.rows == 0) return absl::OkStatus();
  if (spec_.type == join_type::anti_null_aware) {
    // x NOT IN (empty set) is TRUE, even for a NULL x.
    if (facts.rows == 0) {
      matched_.assign(in.rows, 0);
      return emit_by_flag(in, 0, emit);
    }
    // x NOT IN (..., NULL, ...) is never TRUE.
    if (!spec_.residual && facts.null_key) return absl::OkStatus();
  }
  keys_.load(in, spec_.probe_keys, table.needs_hash(), join_table::hash_seed());
  table.pack_probe(&keys_);
  first_.resize(in.rows);
  table.lookup(keys_, first_.data());
  return spec_.residual ? probe_residual(in, table, facts, emit) : probe_plain(in, table, emit);
}

absl::Status join_prober::probe_plain(const batch& in, const join_table& t, const emit_fn& emit) {
  const size_t n = in.rows;
  const uint32_t* first = first_.data();
  sel_.clear();
  if (spec_.type == join_type::inner || spec_.type == join_type::left) {
    const bool left = spec_.type == join_type::left;
    size_t k = 0;
    uint32_t* ps = psel_.data();
    uint32_t* bs = bsel_.data();
    if (t.unique()) {
      // At most one match per row: no chains to walk.
      for (size_t begin = 0; begin < n; begin += k_chunk) {
        const size_t end = std::min(n, begin + k_chunk);
        for (size_t i = begin; i < end; ++i) {
          ps[k] = static_cast<uint32_t>(i);
          bs[k] = first[i];
          k += first[i] != k_no_row;
        }
        if (left)
          for (size_t i = begin; i < end; ++i)
            if (first[i] == k_no_row) sel_.push_back(static_cast<uint32_t>(i));
        if (k > 0)
          if (auto st = flush_pairs(in, t, k, emit); !st.ok()) return st;
        k = 0;
      }
      return emit_probe_rows(in, sel_, emit);
    }
    for (size_t i = 0; i < n; ++i) {
      if (first[i] == k_no_row) {
        if (left) sel_.push_back(static_cast<uint32_t>(i));
        continue;
      }
      for (uint32_t r = first[i]; r != k_no_row; r = t.next(r)) {
        ps[k] = static_cast<uint32_t>(i);
        bs[k] = r;
        if (++k == k_chunk) {
          if (auto st = flush_pairs(in, t, k, emit); !st.ok()) return st;
          k = 0;
          ps = psel_.data();
          bs = bsel_.data();
        }
      }
    }
    if (k > 0)
      if (auto st = flush_pairs(in, t, k, emit); !st.ok()) return st;
    return emit_probe_rows(in, sel_, emit);
  }
  // semi, anti, anti_null_aware (whose build side here is non-empty and
  // without NULL keys: a NULL probe key is then unknown, never emitted).
  const bool want = spec_.type == join_type::semi;
  const bool drop_null = spec_.type == join_type::anti_null_aware;
  for (size_t i = 0; i < n; ++i)
    if ((first[i] != k_no_row) == want && !(drop_null && keys_.is_null(i)))
      sel_.push_back(static_cast<uint32_t>(i));
  return emit_probe_rows(in, sel_, emit);
}

absl::Status join_prober::probe_residual(const batch& in, const join_table& t,
                                         const build_facts& facts, const emit_fn& emit) {
  const size_t n = in.rows;
  const uint32_t* first = first_.data();
  const join_type type = spec_.type;
  // semi and anti only need one match per row; inner and left need them all.
  const bool all_pairs = type == join_type::inner || type == join_type::left;
  matched_.assign(n, 0);
  size_t k = 0;
  auto add = [&](size_t i, uint32_t r) -> absl::Status {
    psel_[k] = static_cast<uint32_t>(i);
    bsel_[k] = r;
    if (++k < k_chunk) return absl::OkStatus();
    k = 0;
    return check_candidates(in, t, k_chunk, emit);
  };
  for (size_t i = 0; i < n; ++i) {
    if (type == join_type::anti_null_aware && keys_.is_null(i)) {
      // NULL NOT IN (set): unknown unless the residual leaves the set empty.
      for (uint32_t r = 0; r < t.size() && !matched_[i]; ++r)
        if (auto st = add(i, r); !st.ok()) return st;
      continue;
    }
    for (uint32_t r = first[i]; r != k_no_row && (all_pairs || !matched_[i]); r = t.next(r))
      if (auto st = add(i, r); !st.ok()) return st;
    if (type == join_type::anti_null_aware && facts.null_key)
      for (uint32_t r : t.null_key_rows()) {
        if (matched_[i]) break;
        if (auto st = add(i, r); !st.ok()) return st;
      }
  }
  if (k > 0)
    if (auto st = check_candidates(in, t, k, emit); !st.ok()) return st;
  if (type == join_type::inner) return absl::OkStatus();
  return emit_by_flag(in, type == join_type::semi ? 1 : 0, emit);
}

absl::Status join_prober::flush_pairs(const batch& in, const join_table& t, size_t n,
                                      const emit_fn& emit) {
  // take() wants exact-size selections; shrinking keeps the buffers' memory.
  psel_.resize(n);
  bsel_.resize(n);
  auto st = emit_pairs(in, t, psel_, bsel_, emit);
  psel_.resize(k_chunk);
  bsel_.resize(k_chunk);
  return st;
}

absl::Status join_prober::emit_pairs(const batch& in, const join_table& t,
                                     const std::vector<uint32_t>& ps,
                                     const std::vector<uint32_t>& bs, const emit_fn& emit) {
  batch out;
  out.schema = spec_.output;
  out.rows = ps.size();
  out.columns.reserve(spec_.output.size());
  for (size_t c = 0; c < spec_.probe_schema.size(); ++c)
    out.columns.push_back(take(*in.columns[c], ps));
  for (const auto& c : t.rows().columns) out.columns.push_back(take(*c, bs));
  return emit(std::move(out));
}

absl::Status join_prober::check_candidates(const batch& in, const join_table& t, size_t n,
                                           const emit_fn& emit) {
  psel_.resize(n);
  bsel_.resize(n);
  const size_t probe_cols = spec_.probe_schema.size();
  batch pairs;
  pairs.schema = pair_schema_;
  pairs.rows = n;
  pairs.columns.resize(pair_schema_.size());
  for (size_t c = 0; c < pairs.columns.size(); ++c) {
    if (!residual_uses_[c]) continue;  // the residual never reads it
    pairs.columns[c] = c < probe_cols ? take(*in.columns[c], psel_)
                                      : take(*t.rows().columns[c - probe_cols], bsel_);
  }
  auto result = evaluate(*spec_.residual, pairs);
  if (!result.ok()) return result.status();
  const column& pass = **result;
  const bool all_pairs = spec_.type == join_type::inner || spec_.type == join_type::left;
  out_p_.clear();
  out_b_.clear();
  for (size_t j = 0; j < n; ++j) {
    if (!pass.b()[j] || pass.is_null(j)) continue;
    matched_[psel_[j]] = 1;
    if (all_pairs) {
      out_p_.push_back(psel_[j]);
      out_b_.push_back(bsel_[j]);
    }
  }
  psel_.resize(k_chunk);
  bsel_.resize(k_chunk);
  if (out_p_.empty()) return absl::OkStatus();
  return emit_pairs(in, t, out_p_, out_b_, emit);
}

absl::Status join_prober::emit_probe_rows(const batch& in, const std::vector<uint32_t>& sel,
                                          const emit_fn& emit) {
  const bool nulls = spec_.type == join_type::left;
  const bool all = sel.size() == in.rows;
  std::vector<uint32_t> part;
  for (size_t begin = 0; begin < sel.size(); begin += k_emit_batch_rows) {
    const size_t end = std::min(sel.size(), begin + k_emit_batch_rows);
    batch out;
    out.schema = spec_.output;
    out.rows = end - begin;
    if (!all)
      part.assign(sel.begin() + static_cast<std::ptrdiff_t>(begin),
                  sel.begin() + static_cast<std::ptrdiff_t>(end));
    for (size_t c = 0; c < spec_.probe_schema.size(); ++c)
      out.columns.push_back(all ? slice(in.columns[c], begin, end) : take(*in.columns[c], part));
    if (nulls)
      for (const auto& f : spec_.build_schema.fields)
        out.columns.push_back(all_null(f.type, out.rows));
    if (auto st = emit(std::move(out)); !st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::Status join_prober::emit_by_flag(const batch& in, uint8_t want, const emit_fn& emit) {
  sel_.clear();
  for (size_t i = 0; i < in.rows; ++i)
    if (matched_[i] == want) sel_.push_back(static_cast<uint32_t>(i));
  return emit_probe_rows(in, sel_, emit);
}

}  // namespace tranche
