// Implementation of exec/column_util.h: scalar reading, broadcast, slicing and
// validity combination for the expression kernels and blocking operators.
#include "exec/column_util.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

namespace tranche {

int64_t scalar_i64(const value& v) {
  if (auto* p = std::get_if<int64_t>(&v)) return *p;
  if (auto* p = std::get_if<date_value>(&v)) return p->days;
  if (auto* p = std::get_if<bool>(&v)) return *p ? 1 : 0;
  if (auto* p = std::get_if<double>(&v)) return static_cast<int64_t>(*p);
  return 0;
}

double scalar_f64(const value& v) {
  if (auto* p = std::get_if<double>(&v)) return *p;
  return static_cast<double>(scalar_i64(v));
}

column_ptr all_null(type_id t, size_t n) {
  auto c = std::make_shared<column>(t);
  switch (t) {
    case type_id::int64:
    case type_id::date:
      c->i64().assign(n, 0);
      break;
    case type_id::float64:
      c->f64().assign(n, 0);
      break;
    case type_id::boolean:
      c->b().assign(n, 0);
      break;
    case type_id::string:
      c->offsets().assign(n + 1, 0);
      break;
  }
  c->valid().assign(n, 0);
  c->set_size(n);
  return c;
}

column_ptr broadcast(const value& v, type_id t, size_t n) {
  if (is_null(v)) return all_null(t, n);
  auto c = std::make_shared<column>(t);
  switch (t) {
    case type_id::int64:
    case type_id::date:
      c->i64().assign(n, scalar_i64(v));
      break;
    case type_id::float64:
      c->f64().assign(n, scalar_f64(v));
      break;
    case type_id::boolean:
      c->b().assign(n, scalar_i64(v) != 0 ? 1 : 0);
      break;
    case type_id::string: {
      const std::string s =
          std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : tranche::to_string(v);
      auto& off = c->offsets();
      off.resize(n + 1);
      c->chars().reserve(s.size() * n);
      for (size_t i = 0; i < n; ++i) {
        off[i] = static_cast<uint32_t>(i * s.size());
        c->chars().append(s);
      }
      off[n] = static_cast<uint32_t>(n * s.size());
      break;
    }
  }
  c->set_size(n);
  return c;
}

column_ptr slice(const column_ptr& c, size_t begin, size_t end) {
  if (begin == 0 && end == c->size()) return c;
  auto out = std::make_shared<column>(c->type());
  const size_t n = end - begin;
  switch (c->type()) {
    case type_id::int64:
    case type_id::date:
      out->i64().assign(c->i64().begin() + begin, c->i64().begin() + end);
      break;
    case type_id::float64:
      out->f64().assign(c->f64().begin() + begin, c->f64().begin() + end);
      break;
    case type_id::boolean:
      out->b().assign(c->b().begin() + begin, c->b().begin() + end);
      break;
    case type_id::string: {
      const auto& src = c->offsets();
      const uint32_t base = src[begin];
      auto& off = out->offsets();
      off.resize(n + 1);
      for (size_t i = 0; i <= n; ++i) off[i] = src[begin + i] - base;
      out->chars().assign(c->chars(), base, src[end] - base);
      break;
    }
  }
  if (c->has_nulls()) {
    out->valid().assign(c->valid().begin() + begin, c->valid().begin() + end);
    out->compact_validity();
  }
  out->set_size(n);
  return out;
}

std::vector<uint8_t> and_validity(const column* a, const column* b, size_t n) {
  const bool an = a && a->has_nulls();
  const bool bn = b && b->has_nulls();
  if (!an && !bn) return {};
  if (an && !bn) return std::vector<uint8_t>(a->valid().begin(), a->valid().begin() + n);
  if (!an && bn) return std::vector<uint8_t>(b->valid().begin(), b->valid().begin() + n);
  std::vector<uint8_t> out(n);
  const uint8_t* va = a->valid().data();
  const uint8_t* vb = b->valid().data();
  for (size_t i = 0; i < n; ++i) out[i] = va[i] & vb[i];
  return out;
}

absl::Status invalid(std::string_view a, std::string_view b, std::string_view c,
                     std::string_view d) {
  std::string msg;
  msg.reserve(a.size() + b.size() + c.size() + d.size());
  msg.append(a).append(b).append(c).append(d);
  return absl::InvalidArgumentError(msg);
}

absl::Status check_column(const column& c, type_id t, size_t rows, std::string_view what) {
  if (c.type() != t)
    return invalid(what, " has type ", type_name(c.type()),
                   std::string(", expected ") + std::string(type_name(t)));
  bool ok = c.size() >= rows && (c.valid().empty() || c.valid().size() >= rows);
  switch (t) {
    case type_id::int64:
    case type_id::date:
      ok = ok && c.i64().size() >= rows;
      break;
    case type_id::float64:
      ok = ok && c.f64().size() >= rows;
      break;
    case type_id::boolean:
      ok = ok && c.b().size() >= rows;
      break;
    case type_id::string:
      ok = ok && c.offsets().size() >= rows + 1 && c.offsets()[rows] <= c.chars().size();
      break;
  }
  if (!ok) return invalid(what, " has fewer rows than its batch");
  return absl::OkStatus();
}

}  // namespace tranche
