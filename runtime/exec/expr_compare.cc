// Comparison kernels of evaluate(): =, <>, <, <=, >, >= over int64, float64
// (mixed int64/float64 compared exactly), date, boolean and string (bytewise)
// columns and constants, producing boolean columns. expr_eval.cc calls them;
// `shipdate < DATE '1998-09-02'` runs as one tight loop against a constant.
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "exec/column_util.h"
#include "exec/expr_kernels.h"

namespace tranche {
namespace {

struct string_acc {
  const uint32_t* off;
  const char* chars;
  std::string_view operator[](size_t i) const {
    return std::string_view(chars + off[i], off[i + 1] - off[i]);
  }
};

// Integer-like storage: int64 and date read i64(), boolean reads b().
template <class F>
void with_int_acc(const operand& o, F&& f) {
  if (o.is_scalar()) return f(scalar_acc<int64_t>{scalar_i64(o.scalar)});
  if (o.col->type() == type_id::boolean) return f(vector_acc<int64_t, uint8_t>{o.col->b().data()});
  return f(vector_acc<int64_t, int64_t>{o.col->i64().data()});
}

template <class F>
void with_double_acc(const operand& o, F&& f) {
  if (o.is_scalar()) return f(scalar_acc<double>{scalar_f64(o.scalar)});
  return f(vector_acc<double, double>{o.col->f64().data()});
}

template <class F>
void with_string_acc(const operand& o, F&& f) {
  if (o.is_scalar()) {
    const auto* s = std::get_if<std::string>(&o.scalar);
    return f(scalar_acc<std::string_view>{s ? std::string_view(*s) : std::string_view()});
  }
  return f(string_acc{o.col->offsets().data(), o.col->chars().data()});
}

template <class L, class R, class C>
void loop(L l, R r, uint8_t* out, size_t n, C cmp) {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(cmp(l[i], r[i]));
}

// Same-type comparison with the standard operators.
template <class L, class R>
void compare_same(expr_op op, L l, R r, uint8_t* out, size_t n) {
  switch (op) {
    case expr_op::eq:
      return loop(l, r, out, n, std::equal_to<>{});
    case expr_op::ne:
      return loop(l, r, out, n, std::not_equal_to<>{});
    case expr_op::lt:
      return loop(l, r, out, n, std::less<>{});
    case expr_op::le:
      return loop(l, r, out, n, std::less_equal<>{});
    case expr_op::gt:
      return loop(l, r, out, n, std::greater<>{});
    case expr_op::ge:
      return loop(l, r, out, n, std::greater_equal<>{});
    default:
      return;
  }
}

// int64 (left) against float64 (right), exactly; NaN is unordered like IEEE.
template <class L, class R>
void compare_mixed(expr_op op, L l, R r, uint8_t* out, size_t n) {
  auto with = [&](auto pred) {
    loop(l, r, out, n, [pred](int64_t x, double y) {
      return std::isnan(y) ? pred(2) : pred(compare_int_double(x, y));
    });
  };
  // pred receives -1/0/1, or 2 for unordered (only <> holds then).
  switch (op) {
    case expr_op::eq:
      return with([](int c) { return c == 0; });
    case expr_op::ne:
      return with([](int c) { return c != 0; });
    case expr_op::lt:
      return with([](int c) { return c == -1; });
    case expr_op::le:
      return with([](int c) { return c == -1 || c == 0; });
    case expr_op::gt:
      return with([](int c) { return c == 1; });
    case expr_op::ge:
      return with([](int c) { return c == 1 || c == 0; });
    default:
      return;
  }
}

expr_op mirror(expr_op op) {
  switch (op) {
    case expr_op::lt:
      return expr_op::gt;
    case expr_op::le:
      return expr_op::ge;
    case expr_op::gt:
      return expr_op::lt;
    case expr_op::ge:
      return expr_op::le;
    default:
      return op;
  }
}

bool int_like(type_id t) { return t == type_id::int64 || t == type_id::date; }

}  // namespace

absl::StatusOr<column_ptr> eval_compare(expr_op op, const operand& a, const operand& b, size_t n) {
  const type_id ta = a.type, tb = b.type;
  enum { k_int, k_double, k_mixed, k_string } kind;
  if ((int_like(ta) && int_like(tb)) || (ta == type_id::boolean && tb == type_id::boolean)) {
    kind = k_int;
  } else if (ta == type_id::float64 && tb == type_id::float64) {
    kind = k_double;
  } else if ((ta == type_id::int64 && tb == type_id::float64) ||
             (ta == type_id::float64 && tb == type_id::int64)) {
    kind = k_mixed;
  } else if (ta == type_id::string && tb == type_id::string) {
    kind = k_string;
  } else {
    return invalid("cannot compare ", type_name(ta), " with ", type_name(tb));
  }
  if (a.is_null_scalar() || b.is_null_scalar()) return all_null(type_id::boolean, n);

  auto out = std::make_shared<column>(type_id::boolean);
  out->valid() = and_validity(a.col.get(), b.col.get(), n);
  auto& d = out->b();
  d.resize(n);
  switch (kind) {
    case k_int:
      with_int_acc(a, [&](auto l) {
        with_int_acc(b, [&](auto r) { compare_same(op, l, r, d.data(), n); });
      });
      break;
    case k_double:
      with_double_acc(a, [&](auto l) {
        with_double_acc(b, [&](auto r) { compare_same(op, l, r, d.data(), n); });
      });
      break;
    case k_mixed: {
      // Put the int64 side on the left; mirror the operator if that swaps.
      const bool swap = ta == type_id::float64;
      const operand& i_side = swap ? b : a;
      const operand& f_side = swap ? a : b;
      const expr_op eff = swap ? mirror(op) : op;
      with_int_acc(i_side, [&](auto l) {
        with_double_acc(f_side, [&](auto r) { compare_mixed(eff, l, r, d.data(), n); });
      });
      break;
    }
    case k_string:
      with_string_acc(a, [&](auto l) {
        with_string_acc(b, [&](auto r) { compare_same(op, l, r, d.data(), n); });
      });
      break;
  }
  out->compact_validity();  // an all-valid map becomes "no NULLs"
  out->set_size(n);
  return column_ptr(std::move(out));
}

}  // namespace tranche
