// Arithmetic kernels of evaluate(): +, -, *, /, % and unary minus over int64
// and float64 columns and constants. expr_eval.cc calls them once per node and
// batch. int64 overflow is an error (checked with __builtin_*_overflow), never
// a silent wrap; division or modulo by zero yields NULL.
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

#include "exec/column_util.h"
#include "exec/expr_kernels.h"

namespace tranche {
namespace {

// Calls f with an accessor reading operand `o` as T (int64 or double).
template <class T, class F>
void with_acc(const operand& o, F&& f) {
  if (o.is_scalar()) {
    if constexpr (std::is_same_v<T, double>) {
      f(scalar_acc<double>{scalar_f64(o.scalar)});
    } else {
      f(scalar_acc<int64_t>{scalar_i64(o.scalar)});
    }
    return;
  }
  const column& c = *o.col;
  if constexpr (std::is_same_v<T, double>) {
    if (c.type() == type_id::float64) return f(vector_acc<double, double>{c.f64().data()});
    return f(vector_acc<double, int64_t>{c.i64().data()});
  } else {
    return f(vector_acc<int64_t, int64_t>{c.i64().data()});
  }
}

template <class T, class F>
void with_accs(const operand& a, const operand& b, F&& f) {
  with_acc<T>(a, [&](auto l) { with_acc<T>(b, [&](auto r) { f(l, r); }); });
}

bool is_numeric(type_id t) { return t == type_id::int64 || t == type_id::float64; }

// Rows whose divisor is zero become NULL.
template <class R>
void null_zero_divisors(R r, size_t n, std::vector<uint8_t>* valid) {
  if (valid->empty()) valid->assign(n, 1);
  uint8_t* v = valid->data();
  for (size_t i = 0; i < n; ++i) v[i] &= static_cast<uint8_t>(r[i] != 0);
}

// One pass computing op over all rows; returns whether any row overflowed
// (including rows that are NULL, whose stored values are arbitrary).
template <class L, class R>
bool int_loop(expr_op op, L l, R r, int64_t* out, size_t n, bool* zero) {
  bool ovf = false;
  switch (op) {
    case expr_op::add:
      for (size_t i = 0; i < n; ++i) ovf |= __builtin_add_overflow(l[i], r[i], &out[i]);
      break;
    case expr_op::sub:
      for (size_t i = 0; i < n; ++i) ovf |= __builtin_sub_overflow(l[i], r[i], &out[i]);
      break;
    case expr_op::mul:
      for (size_t i = 0; i < n; ++i) ovf |= __builtin_mul_overflow(l[i], r[i], &out[i]);
      break;
    case expr_op::mod:
      for (size_t i = 0; i < n; ++i) {
        const int64_t d = r[i];
        *zero |= d == 0;
        // x % -1 is 0 like x % 1, and INT64_MIN % -1 would trap.
        const int64_t safe = (d == 0 || d == -1) ? 1 : d;
        out[i] = l[i] % safe;
      }
      break;
    default:
      break;
  }
  return ovf;
}

// True when some valid row overflows; only called after int_loop saw one.
template <class L, class R>
bool valid_row_overflows(expr_op op, L l, R r, const std::vector<uint8_t>& valid, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (!valid.empty() && !valid[i]) continue;
    int64_t tmp;
    bool o = false;
    if (op == expr_op::add) o = __builtin_add_overflow(l[i], r[i], &tmp);
    if (op == expr_op::sub) o = __builtin_sub_overflow(l[i], r[i], &tmp);
    if (op == expr_op::mul) o = __builtin_mul_overflow(l[i], r[i], &tmp);
    if (o) return true;
  }
  return false;
}

template <class L, class R>
void double_loop(expr_op op, L l, R r, double* out, size_t n, bool* zero) {
  switch (op) {
    case expr_op::add:
      for (size_t i = 0; i < n; ++i) out[i] = l[i] + r[i];
      break;
    case expr_op::sub:
      for (size_t i = 0; i < n; ++i) out[i] = l[i] - r[i];
      break;
    case expr_op::mul:
      for (size_t i = 0; i < n; ++i) out[i] = l[i] * r[i];
      break;
    case expr_op::div:
      // Division by 0.0 gives inf/NaN here, overwritten by NULL below.
      for (size_t i = 0; i < n; ++i) {
        const double d = r[i];
        *zero |= d == 0;
        out[i] = l[i] / d;
      }
      break;
    case expr_op::mod:
      for (size_t i = 0; i < n; ++i) {
        const double d = r[i];
        *zero |= d == 0;
        out[i] = std::fmod(l[i], d);
      }
      break;
    default:
      break;
  }
}

std::string overflow_text(const expr& e, const schema& input) {
  return "integer overflow in " + to_string(e, &input);
}

}  // namespace

absl::StatusOr<column_ptr> eval_arith(const expr& e, const operand& a, const operand& b, size_t n,
                                      const schema& input) {
  if (!is_numeric(a.type) || !is_numeric(b.type))
    return invalid("arithmetic on non-numeric operands in ", to_string(e, &input));
  const bool fp = e.op == expr_op::div || a.type == type_id::float64 || b.type == type_id::float64;
  const type_id result = fp ? type_id::float64 : type_id::int64;
  if (e.type != result)
    return invalid("arithmetic result type ", type_name(e.type), " does not match operands in ",
                   to_string(e, &input));
  if (a.is_null_scalar() || b.is_null_scalar()) return all_null(result, n);

  auto out = std::make_shared<column>(result);
  out->valid() = and_validity(a.col.get(), b.col.get(), n);
  bool zero = false;
  if (fp) {
    auto& d = out->f64();
    d.resize(n);
    with_accs<double>(a, b, [&](auto l, auto r) {
      double_loop(e.op, l, r, d.data(), n, &zero);
      if (zero) null_zero_divisors(r, n, &out->valid());
    });
  } else {
    auto& d = out->i64();
    d.resize(n);
    bool overflow = false;
    with_accs<int64_t>(a, b, [&](auto l, auto r) {
      if (int_loop(e.op, l, r, d.data(), n, &zero))
        overflow = valid_row_overflows(e.op, l, r, out->valid(), n);
      if (zero) null_zero_divisors(r, n, &out->valid());
    });
    if (overflow) return absl::InvalidArgumentError(overflow_text(e, input));
  }
  out->compact_validity();  // an all-valid map becomes "no NULLs"
  out->set_size(n);
  return column_ptr(std::move(out));
}

absl::StatusOr<column_ptr> eval_neg(const expr& e, const column& a, size_t n, const schema& input) {
  auto out = std::make_shared<column>(a.type());
  if (a.type() == type_id::float64) {
    auto& d = out->f64();
    d.resize(n);
    const double* s = a.f64().data();
    for (size_t i = 0; i < n; ++i) d[i] = -s[i];
  } else if (a.type() == type_id::int64) {
    auto& d = out->i64();
    d.resize(n);
    const int64_t* s = a.i64().data();
    bool ovf = false;
    for (size_t i = 0; i < n; ++i) ovf |= __builtin_sub_overflow(int64_t{0}, s[i], &d[i]);
    if (ovf) {
      for (size_t i = 0; i < n; ++i)
        if (!a.is_null(i) && s[i] == INT64_MIN)
          return absl::InvalidArgumentError(overflow_text(e, input));
    }
  } else {
    return invalid("unary minus on a non-numeric operand in ", to_string(e, &input));
  }
  if (a.has_nulls()) out->valid().assign(a.valid().begin(), a.valid().begin() + n);
  out->compact_validity();  // an all-valid map becomes "no NULLs"
  out->set_size(n);
  return column_ptr(std::move(out));
}

}  // namespace tranche
