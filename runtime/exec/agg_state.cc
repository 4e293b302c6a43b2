// Implementation of exec/agg_state.h: COUNT, SUM, AVG, MIN, MAX and
// COUNT(DISTINCT) state arrays with column-wise update (raw values) and merge
// (partial states).
#include "exec/agg_state.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/container/flat_hash_set.h"
#include "exec/column_util.h"

namespace tranche {
namespace {

// Typed storage access, so one template serves int64/date, double and boolean.
template <class T>
const T* data_of(const column& c) {
  if constexpr (std::is_same_v<T, double>) {
    return c.f64().data();
  } else if constexpr (std::is_same_v<T, uint8_t>) {
    return c.b().data();
  } else {
    return c.i64().data();
  }
}

template <class T>
std::vector<T>& storage_of(column& c) {
  if constexpr (std::is_same_v<T, double>) {
    return c.f64();
  } else if constexpr (std::is_same_v<T, uint8_t>) {
    return c.b();
  } else {
    return c.i64();
  }
}

const uint8_t* valid_of(const column& c) { return c.has_nulls() ? c.valid().data() : nullptr; }

// Heap bytes of a std::string of capacity `cap` (libstdc++ keeps up to 15
// chars inline).
size_t string_heap(size_t cap) { return cap > 15 ? cap + 1 : 0; }

// counts[g[i]] += 1 per non-NULL row of `values` (or per row without one).
// How many rows ahead the update loops prefetch their group's state.
constexpr size_t kPrefetch = 16;

void count_rows(const uint32_t* g, size_t n, const column* values, int64_t* counts) {
  const uint8_t* valid = values ? valid_of(*values) : nullptr;
  if (!valid) {
    // Prefetching a few rows ahead hides the cache misses of many groups.
    for (size_t i = 0; i < n; ++i) {
      if (i + kPrefetch < n) __builtin_prefetch(&counts[g[i + kPrefetch]], 1);
      ++counts[g[i]];
    }
  } else {
    for (size_t i = 0; i < n; ++i) counts[g[i]] += valid[i];
  }
}

// counts[g[i]] += partial count of row i (a NULL partial count adds nothing).
void add_counts(const uint32_t* g, size_t n, const column& partial, int64_t* counts) {
  const int64_t* v = partial.i64().data();
  const uint8_t* valid = valid_of(partial);
  if (!valid) {
    for (size_t i = 0; i < n; ++i) counts[g[i]] += v[i];
  } else {
    for (size_t i = 0; i < n; ++i) counts[g[i]] += valid[i] ? v[i] : 0;
  }
}

// A column of slots [b, e) read through get(i) as storage type S, NULL where
// `valid_if(i)` (when given) is false.
template <class S, class G, class P>
column_ptr make_column(type_id t, size_t b, size_t e, G get, P valid_if) {
  auto c = std::make_shared<column>(t);
  auto& d = storage_of<S>(*c);
  d.resize(e - b);
  for (size_t i = b; i < e; ++i) d[i - b] = static_cast<S>(get(i));
  if constexpr (!std::is_same_v<P, std::nullptr_t>) {
    auto& valid = c->valid();
    valid.resize(e - b);
    for (size_t i = b; i < e; ++i) valid[i - b] = valid_if(i) ? 1 : 0;
    c->compact_validity();
  }
  c->set_size(e - b);
  return c;
}

class count_state final : public agg_state {
 public:
  void resize(size_t groups) override { count_.resize(groups, 0); }
  absl::Status update(const uint32_t* g, size_t n, const column* arg) override {
    count_rows(g, n, arg, count_.data());
    return absl::OkStatus();
  }
  absl::Status merge(const uint32_t* g, size_t n, const column* const* state) override {
    add_counts(g, n, *state[0], count_.data());
    return absl::OkStatus();
  }
  void emit_partial(size_t b, size_t e, std::vector<column_ptr>* out) const override {
    out->push_back(emit_final(b, e));
  }
  column_ptr emit_final(size_t b, size_t e) const override {
    return make_column<int64_t>(
        type_id::int64, b, e, [this](size_t i) { return count_[i]; }, nullptr);
  }
  size_t memory_bytes() const override { return count_.capacity() * sizeof(int64_t); }

 private:
  std::vector<int64_t> count_;
};

// SUM and AVG keep a (sum, count) pair per group side by side, so that a row
// touches one cache line. Acc is int64_t (SUM over BIGINT, overflow is an
// error), double, or __int128 (AVG over BIGINT: exact until the division).
// AVG ships its sum as float64 in the partial state.
template <class Acc, bool is_avg>
class sum_count_state final : public agg_state {
 public:
  explicit sum_count_state(std::string name) : name_(std::move(name)) {}
  void resize(size_t groups) override { slots_.resize(groups, slot{Acc{0}, 0}); }
  absl::Status update(const uint32_t* g, size_t n, const column* arg) override {
    if (arg->type() == type_id::float64) return fold(g, n, data_of<double>(*arg), *arg, nullptr);
    return fold(g, n, data_of<int64_t>(*arg), *arg, nullptr);
  }
  absl::Status merge(const uint32_t* g, size_t n, const column* const* state) override {
    if (state[0]->type() == type_id::float64)
      return fold(g, n, data_of<double>(*state[0]), *state[0], state[1]);
    return fold(g, n, data_of<int64_t>(*state[0]), *state[0], state[1]);
  }
  void emit_partial(size_t b, size_t e, std::vector<column_ptr>* out) const override {
    auto sum = [this](size_t i) { return slots_[i].sum; };
    if constexpr (is_avg || std::is_same_v<Acc, double>) {
      out->push_back(make_column<double>(type_id::float64, b, e, sum, nullptr));
    } else {
      out->push_back(make_column<int64_t>(type_id::int64, b, e, sum, nullptr));
    }
    out->push_back(make_column<int64_t>(
        type_id::int64, b, e, [this](size_t i) { return slots_[i].count; }, nullptr));
  }
  column_ptr emit_final(size_t b, size_t e) const override {
    auto has = [this](size_t i) { return slots_[i].count > 0; };
    if constexpr (is_avg) {
      return make_column<double>(
          type_id::float64, b, e,
          [this](size_t i) {
            const slot& s = slots_[i];
            return s.count > 0 ? static_cast<double>(s.sum) / static_cast<double>(s.count) : 0.0;
          },
          has);
    } else if constexpr (std::is_same_v<Acc, double>) {
      return make_column<double>(
          type_id::float64, b, e, [this](size_t i) { return slots_[i].sum; }, has);
    } else {
      return make_column<int64_t>(
          type_id::int64, b, e, [this](size_t i) { return slots_[i].sum; }, has);
    }
  }
  size_t memory_bytes() const override { return slots_.capacity() * sizeof(slot); }

 private:
  struct slot {
    Acc sum;
    int64_t count;
  };

  static bool add(Acc* acc, Acc x) {
    if constexpr (std::is_same_v<Acc, int64_t>) {
      return __builtin_add_overflow(*acc, x, acc);
    } else {
      *acc += x;
      return false;
    }
  }

  // Adds the values (NULLs add nothing) and either counts non-NULL values or,
  // when merging, adds the partial counts.
  template <class V>
  absl::Status fold(const uint32_t* g, size_t n, const V* v, const column& values,
                    const column* counts) {
    const uint8_t* valid = valid_of(values);
    slot* s = slots_.data();
    bool overflow = false;
    if (!valid && !counts) {
      for (size_t i = 0; i < n; ++i) {
        if (i + kPrefetch < n) __builtin_prefetch(&s[g[i + kPrefetch]], 1);
        slot& x = s[g[i]];
        overflow |= add(&x.sum, static_cast<Acc>(v[i]));
        ++x.count;
      }
    } else {
      const int64_t* c = counts ? counts->i64().data() : nullptr;
      const uint8_t* c_valid = counts ? valid_of(*counts) : nullptr;
      for (size_t i = 0; i < n; ++i) {
        const bool ok = !valid || valid[i];
        slot& x = s[g[i]];
        overflow |= add(&x.sum, ok ? static_cast<Acc>(v[i]) : Acc{0});
        x.count += c ? ((c_valid && !c_valid[i]) ? 0 : c[i]) : ok;
      }
    }
    if (overflow) return invalid("integer overflow in SUM for \"", name_, "\"");
    return absl::OkStatus();
  }

  std::string name_;
  std::vector<slot> slots_;
};

// NaN orders above every number, as in sort (and PostgreSQL).
template <class T>
bool less_than(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, double>) {
    if (std::isnan(a) || std::isnan(b)) return !std::isnan(a);
  }
  return a < b;
}

// MIN / MAX: T is the storage (int64_t for int64 and date, double, uint8_t
// for boolean, std::string). A partial state column folds exactly like raw
// input, so merge is update.
template <class T, bool is_max>
class minmax_state final : public agg_state {
 public:
  explicit minmax_state(type_id t) : type_(t) {}
  void resize(size_t groups) override {
    val_.resize(groups);
    has_.resize(groups, 0);
  }
  absl::Status update(const uint32_t* g, size_t n, const column* arg) override {
    const uint8_t* valid = valid_of(*arg);
    for (size_t i = 0; i < n; ++i) {
      if (valid && !valid[i]) continue;
      const uint32_t k = g[i];
      if constexpr (std::is_same_v<T, std::string>) {
        const std::string_view x = arg->str(i);
        if (!has_[k] || (is_max ? std::string_view(val_[k]) < x : x < std::string_view(val_[k]))) {
          const size_t before = string_heap(val_[k].capacity());
          val_[k].assign(x.data(), x.size());
          heap_bytes_ += string_heap(val_[k].capacity()) - before;
          has_[k] = 1;
        }
      } else {
        const T x = data_of<T>(*arg)[i];
        if (!has_[k] || (is_max ? less_than(val_[k], x) : less_than(x, val_[k]))) {
          val_[k] = x;
          has_[k] = 1;
        }
      }
    }
    return absl::OkStatus();
  }
  absl::Status merge(const uint32_t* g, size_t n, const column* const* state) override {
    return update(g, n, state[0]);
  }
  void emit_partial(size_t b, size_t e, std::vector<column_ptr>* out) const override {
    out->push_back(emit_final(b, e));
  }
  column_ptr emit_final(size_t b, size_t e) const override {
    if constexpr (std::is_same_v<T, std::string>) {
      auto c = std::make_shared<column>(type_);
      c->reserve(e - b);
      for (size_t i = b; i < e; ++i) {
        if (has_[i]) {
          c->append_string(val_[i]);
        } else {
          c->append_null();
        }
      }
      return c;
    } else {
      return make_column<T>(
          type_, b, e, [this](size_t i) { return val_[i]; },
          [this](size_t i) { return has_[i] != 0; });
    }
  }
  size_t memory_bytes() const override {
    return val_.capacity() * sizeof(T) + has_.capacity() + heap_bytes_;
  }

 private:
  type_id type_;
  std::vector<T> val_;
  std::vector<uint8_t> has_;
  size_t heap_bytes_ = 0;  // string values' heap buffers
};

template <bool is_max>
std::unique_ptr<agg_state> make_minmax(type_id t) {
  switch (t) {
    case type_id::int64:
    case type_id::date:
      return std::make_unique<minmax_state<int64_t, is_max>>(t);
    case type_id::float64:
      return std::make_unique<minmax_state<double, is_max>>(t);
    case type_id::boolean:
      return std::make_unique<minmax_state<uint8_t, is_max>>(t);
    case type_id::string:
      return std::make_unique<minmax_state<std::string, is_max>>(t);
  }
  return nullptr;
}

// COUNT(DISTINCT) after the shuffle: per group the set of distinct non-NULL
// values of the partial "$value" column. K is std::string for VARCHAR, else
// int64_t holding the BIGINT/DATE/BOOLEAN value or the DOUBLE's bits (with
// -0.0 as 0.0 and every NaN as one value, like the sort order).
template <class K>
class distinct_state final : public agg_state {
 public:
  explicit distinct_state(type_id t) : type_(t) {}
  void resize(size_t groups) override { sets_.resize(groups); }
  absl::Status update(const uint32_t* g, size_t n, const column* arg) override {
    const uint8_t* valid = valid_of(*arg);
    for (size_t i = 0; i < n; ++i) {
      if (valid && !valid[i]) continue;
      auto& set = sets_[g[i]];
      const size_t capacity = set.capacity();
      if constexpr (std::is_same_v<K, std::string>) {
        // Debian's Abseil string_view is not std::string_view.
        const std::string_view v = arg->str(i);
        const absl::string_view x(v.data(), v.size());
        if (!set.contains(x)) {
          set.emplace(x);
          set_bytes_ += string_heap(x.size());
        }
      } else {
        set.insert(key(*arg, i));
      }
      set_bytes_ += (set.capacity() - capacity) * (sizeof(K) + 1);
    }
    return absl::OkStatus();
  }
  absl::Status merge(const uint32_t* g, size_t n, const column* const* state) override {
    return update(g, n, state[0]);
  }
  // Never called: the partial phase keeps a MIN state instead (make_agg_state).
  void emit_partial(size_t, size_t, std::vector<column_ptr>*) const override {}
  column_ptr emit_final(size_t b, size_t e) const override {
    return make_column<int64_t>(
        type_id::int64, b, e, [this](size_t i) { return sets_[i].size(); }, nullptr);
  }
  size_t memory_bytes() const override { return sets_.capacity() * sizeof(sets_[0]) + set_bytes_; }
  size_t spill_rows(size_t g) const override { return std::max<size_t>(1, sets_[g].size()); }
  // One distinct value per row, then NULLs (which add nothing to a set).
  void emit_spill(size_t b, size_t e, const std::vector<uint32_t>& rows,
                  std::vector<column_ptr>* out) const override {
    auto c = std::make_shared<column>(type_);
    for (size_t g = b; g < e; ++g) {
      size_t k = 0;
      for (const K& v : sets_[g]) {
        if constexpr (std::is_same_v<K, std::string>) {
          c->append_string(v);
        } else if (type_ == type_id::float64) {
          c->append_double(std::bit_cast<double>(v));
        } else if (type_ == type_id::boolean) {
          c->append_bool(v != 0);
        } else {
          c->append_int(v);
        }
        ++k;
      }
      for (; k < rows[g - b]; ++k) c->append_null();
    }
    c->compact_validity();
    out->push_back(std::move(c));
  }

 private:
  int64_t key(const column& c, size_t i) const {
    if (type_ == type_id::boolean) return c.b()[i];
    if (type_ != type_id::float64) return c.i64()[i];
    double x = c.f64()[i];
    if (x == 0) x = 0.0;
    if (std::isnan(x)) x = std::numeric_limits<double>::quiet_NaN();
    int64_t bits = 0;
    std::memcpy(&bits, &x, sizeof bits);
    return bits;
  }

  type_id type_;
  std::vector<absl::flat_hash_set<K>> sets_;
  size_t set_bytes_ = 0;  // the sets' slot arrays and string contents
};

}  // namespace

void agg_state::emit_spill(size_t b, size_t e, const std::vector<uint32_t>& rows,
                           std::vector<column_ptr>* out) const {
  const size_t first = out->size();
  emit_partial(b, e, out);
  if (std::all_of(rows.begin(), rows.end(), [](uint32_t r) { return r == 1; })) return;
  for (size_t j = first; j < out->size(); ++j) {
    const column& src = *(*out)[j];
    auto c = std::make_shared<column>(src.type());
    for (size_t i = 0; i < e - b; ++i) {
      c->append_from(src, i);
      for (uint32_t k = 1; k < rows[i]; ++k) c->append_null();
    }
    c->compact_validity();
    (*out)[j] = std::move(c);
  }
}

void append_state_fields(const aggregate_call& call, std::vector<field>* out) {
  switch (call.fn) {
    case agg_fn::count_star:
    case agg_fn::count:
      out->push_back({call.name + "$count", type_id::int64});
      break;
    case agg_fn::sum:
      out->push_back({call.name + "$sum", call.type});
      out->push_back({call.name + "$count", type_id::int64});
      break;
    case agg_fn::avg:
      out->push_back({call.name + "$sum", type_id::float64});
      out->push_back({call.name + "$count", type_id::int64});
      break;
    case agg_fn::min:
      out->push_back({call.name + "$min", call.type});
      break;
    case agg_fn::max:
      out->push_back({call.name + "$max", call.type});
      break;
    case agg_fn::count_distinct:
      out->push_back({call.name + "$value", argument_type(call)});
      break;
  }
}

type_id argument_type(const aggregate_call& call) {
  return call.arg ? call.arg->type : type_id::int64;
}

absl::StatusOr<std::unique_ptr<agg_state>> make_agg_state(const aggregate_call& call,
                                                          agg_phase phase) {
  const std::string what = std::string(agg_fn_name(call.fn)) + " \"" + call.name + "\"";
  const bool partial = phase == agg_phase::partial;
  if (partial && call.fn != agg_fn::count_star && !call.arg)
    return invalid(what, " has no argument");
  const type_id arg = argument_type(call);
  auto expect_type = [&](bool ok) {
    return ok ? absl::OkStatus()
              : invalid(what, " cannot have result type ", type_name(call.type),
                        partial ? " over " + std::string(type_name(arg)) : std::string());
  };
  switch (call.fn) {
    case agg_fn::count_star:
    case agg_fn::count:
      if (auto st = expect_type(call.type == type_id::int64); !st.ok()) return st;
      return std::unique_ptr<agg_state>(std::make_unique<count_state>());
    case agg_fn::sum: {
      const bool numeric = call.type == type_id::int64 || call.type == type_id::float64;
      if (auto st = expect_type(numeric && (!partial || arg == call.type)); !st.ok()) return st;
      if (call.type == type_id::int64)
        return std::unique_ptr<agg_state>(
            std::make_unique<sum_count_state<int64_t, false>>(call.name));
      return std::unique_ptr<agg_state>(
          std::make_unique<sum_count_state<double, false>>(call.name));
    }
    case agg_fn::avg: {
      const bool numeric = arg == type_id::int64 || arg == type_id::float64;
      if (auto st = expect_type(call.type == type_id::float64 && (!partial || numeric)); !st.ok())
        return st;
      if (partial && arg == type_id::int64)
        return std::unique_ptr<agg_state>(
            std::make_unique<sum_count_state<__int128, true>>(call.name));
      return std::unique_ptr<agg_state>(std::make_unique<sum_count_state<double, true>>(call.name));
    }
    case agg_fn::min:
    case agg_fn::max:
      if (auto st = expect_type(!partial || arg == call.type); !st.ok()) return st;
      if (call.fn == agg_fn::min) return make_minmax<false>(call.type);
      return make_minmax<true>(call.type);
    case agg_fn::count_distinct:
      if (!call.arg) return invalid(what, " has no argument");
      if (auto st = expect_type(call.type == type_id::int64); !st.ok()) return st;
      // A partial group has one argument value (it is a hidden group key), so
      // its MIN is that value, NULL for the NULL group.
      if (partial) return make_minmax<false>(arg);
      if (arg == type_id::string)
        return std::unique_ptr<agg_state>(std::make_unique<distinct_state<std::string>>(arg));
      return std::unique_ptr<agg_state>(std::make_unique<distinct_state<int64_t>>(arg));
  }
  return invalid(what, ": unknown aggregate function");
}

}  // namespace tranche
