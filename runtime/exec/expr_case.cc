// CASE and IN kernels of evaluate(). expr_eval.cc evaluates every operand
// first (so an error in a branch no row takes still fails the batch), then
// CASE picks, per row, the first WHEN whose condition is TRUE and gathers the
// value from that branch; IN tests each row against the constant list with
// SQL's three-valued result (NULL when nothing matches and the list holds a
// NULL).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "exec/column_util.h"
#include "exec/expr_kernels.h"

namespace tranche {
namespace {

// Copies row i of `o` into row i of the fixed-width storage (i64, f64 or b,
// by type) of `out`.
void gather_fixed(type_id t, const operand& o, size_t i, column* out) {
  switch (t) {
    case type_id::int64:
    case type_id::date:
      out->i64()[i] = o.is_scalar() ? scalar_i64(o.scalar) : o.col->i64()[i];
      break;
    case type_id::float64:
      out->f64()[i] = o.is_scalar() ? scalar_f64(o.scalar) : o.col->f64()[i];
      break;
    case type_id::boolean:
      out->b()[i] = o.is_scalar() ? static_cast<uint8_t>(scalar_i64(o.scalar)) : o.col->b()[i];
      break;
    case type_id::string:
      break;
  }
}

}  // namespace

absl::StatusOr<column_ptr> eval_case(type_id t, const std::vector<operand>& args, size_t n) {
  const size_t pairs = args.size() / 2;
  for (size_t k = 0; k < args.size(); ++k) {
    const bool is_condition = k < 2 * pairs && k % 2 == 0;
    if (args[k].type != (is_condition ? type_id::boolean : t))
      return invalid("CASE operand of type ", type_name(args[k].type));
  }
  // pick[i]: the operand that row i takes; -1 for NULL (no branch, no ELSE).
  std::vector<int32_t> pick(n, -1);
  std::vector<uint8_t> decided(n, 0);
  for (size_t k = 0; k < pairs; ++k) {
    const operand& c = args[2 * k];
    const auto value = static_cast<int32_t>(2 * k + 1);
    if (c.is_scalar()) {
      if (is_null(c.scalar) || scalar_i64(c.scalar) == 0) continue;
      for (size_t i = 0; i < n; ++i)
        if (!decided[i]) pick[i] = value, decided[i] = 1;
      break;  // every row is decided now
    }
    const uint8_t* b = c.col->b().data();
    for (size_t i = 0; i < n; ++i) {
      if (!decided[i] && b[i] && !c.col->is_null(i)) pick[i] = value, decided[i] = 1;
    }
  }
  if (args.size() % 2 == 1) {
    const auto otherwise = static_cast<int32_t>(args.size() - 1);
    for (size_t i = 0; i < n; ++i)
      if (!decided[i]) pick[i] = otherwise;
  }

  auto out = std::make_shared<column>(t);
  auto& v = out->valid();
  v.assign(n, 0);
  if (t == type_id::string) {
    auto& off = out->offsets();
    off.resize(n + 1);
    off[0] = 0;
    for (size_t i = 0; i < n; ++i) {
      const int32_t p = pick[i];
      if (p >= 0 && valid_at(args[p], i)) {
        v[i] = 1;
        const operand& o = args[p];
        if (o.is_scalar()) {
          out->chars().append(std::get<std::string>(o.scalar));
        } else {
          out->chars().append(o.col->str(i));
        }
      }
      off[i + 1] = static_cast<uint32_t>(out->chars().size());
    }
  } else {
    if (t == type_id::float64) {
      out->f64().assign(n, 0);
    } else if (t == type_id::boolean) {
      out->b().assign(n, 0);
    } else {
      out->i64().assign(n, 0);
    }
    for (size_t i = 0; i < n; ++i) {
      const int32_t p = pick[i];
      if (p < 0 || !valid_at(args[p], i)) continue;
      v[i] = 1;
      gather_fixed(t, args[p], i, out.get());
    }
  }
  out->compact_validity();
  out->set_size(n);
  return column_ptr(std::move(out));
}

absl::StatusOr<column_ptr> eval_in_list(const std::vector<operand>& args, size_t n) {
  const operand& x = args[0];
  const type_id t = x.type;
  bool list_has_null = false;
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<std::string_view> strings;
  for (size_t k = 1; k < args.size(); ++k) {
    const operand& item = args[k];
    if (!item.is_scalar()) return invalid("IN list items must be constants");
    if (item.type != t)
      return invalid("IN list item of type ", type_name(item.type), " for a ", type_name(t));
    if (is_null(item.scalar)) {
      list_has_null = true;
    } else if (t == type_id::string) {
      strings.push_back(std::get<std::string>(item.scalar));
    } else if (t == type_id::float64) {
      doubles.push_back(scalar_f64(item.scalar));
    } else {
      ints.push_back(scalar_i64(item.scalar));
    }
  }
  if (x.is_null_scalar()) return all_null(type_id::boolean, n);

  auto out = std::make_shared<column>(type_id::boolean);
  auto& d = out->b();
  d.resize(n);
  auto any_of = [](const auto& list, const auto& value) {
    for (const auto& item : list)
      if (item == value) return true;
    return false;
  };
  for (size_t i = 0; i < n; ++i) {
    const size_t r = x.is_scalar() ? 0 : i;
    bool found;
    if (t == type_id::string) {
      found = any_of(strings, x.is_scalar() ? std::string_view(std::get<std::string>(x.scalar))
                                            : x.col->str(r));
    } else if (t == type_id::float64) {
      found = any_of(doubles, x.is_scalar() ? scalar_f64(x.scalar) : x.col->f64()[r]);
    } else if (t == type_id::boolean) {
      found = any_of(ints, x.is_scalar() ? scalar_i64(x.scalar) : int64_t{x.col->b()[r]});
    } else {
      found = any_of(ints, x.is_scalar() ? scalar_i64(x.scalar) : x.col->i64()[r]);
    }
    d[i] = found;
  }
  // NULL when x is NULL, or when nothing matched and the list has a NULL.
  if (x.col && x.col->has_nulls())
    out->valid().assign(x.col->valid().begin(), x.col->valid().begin() + n);
  if (list_has_null) {
    auto& v = out->valid();
    if (v.empty()) v.assign(n, 1);
    for (size_t i = 0; i < n; ++i) v[i] &= d[i];
  }
  out->compact_validity();
  out->set_size(n);
  return column_ptr(std::move(out));
}

}  // namespace tranche
