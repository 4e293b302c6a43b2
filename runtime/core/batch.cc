// Implementation of tranche/batch.h: column builders, row access, gather and
// concatenation.
#include "tranche/batch.h"

#include <cassert>
#include <stdexcept>

namespace tranche {

void column::reserve(size_t n) {
  switch (type_) {
    case type_id::int64:
    case type_id::date:
      i64_.reserve(n);
      break;
    case type_id::float64:
      f64_.reserve(n);
      break;
    case type_id::boolean:
      b_.reserve(n);
      break;
    case type_id::string:
      offsets_.reserve(n + 1);
      break;
  }
}

void column::mark_valid() {
  if (!valid_.empty()) valid_.push_back(1);
}

void column::append_null() {
  if (valid_.empty()) valid_.assign(size_, 1);
  switch (type_) {
    case type_id::int64:
    case type_id::date:
      i64_.push_back(0);
      break;
    case type_id::float64:
      f64_.push_back(0);
      break;
    case type_id::boolean:
      b_.push_back(0);
      break;
    case type_id::string:
      offsets_.push_back(static_cast<uint32_t>(chars_.size()));
      break;
  }
  valid_.push_back(0);
  ++size_;
}

void column::append_int(int64_t v) {
  i64_.push_back(v);
  mark_valid();
  ++size_;
}

void column::append_double(double v) {
  f64_.push_back(v);
  mark_valid();
  ++size_;
}

void column::append_bool(bool v) {
  b_.push_back(v ? 1 : 0);
  mark_valid();
  ++size_;
}

void column::append_string(std::string_view v) {
  chars_.append(v.data(), v.size());
  offsets_.push_back(static_cast<uint32_t>(chars_.size()));
  mark_valid();
  ++size_;
}

void column::append_value(const value& v) {
  if (tranche::is_null(v)) return append_null();
  switch (type_) {
    case type_id::int64:
      if (auto* p = std::get_if<int64_t>(&v)) return append_int(*p);
      break;
    case type_id::date:
      if (auto* p = std::get_if<date_value>(&v)) return append_int(p->days);
      break;
    case type_id::float64:
      if (auto* p = std::get_if<double>(&v)) return append_double(*p);
      if (auto* p = std::get_if<int64_t>(&v)) return append_double(static_cast<double>(*p));
      break;
    case type_id::boolean:
      if (auto* p = std::get_if<bool>(&v)) return append_bool(*p);
      break;
    case type_id::string:
      if (auto* p = std::get_if<std::string>(&v)) return append_string(*p);
      break;
  }
  throw std::logic_error("column::append_value: value does not match column type");
}

void column::append_from(const column& o, size_t i) {
  if (o.is_null(i)) return append_null();
  switch (type_) {
    case type_id::int64:
    case type_id::date:
      return append_int(o.i64_[i]);
    case type_id::float64:
      return append_double(o.f64_[i]);
    case type_id::boolean:
      return append_bool(o.b_[i] != 0);
    case type_id::string:
      return append_string(o.str(i));
  }
}

void column::compact_validity() {
  for (uint8_t v : valid_)
    if (v == 0) return;
  valid_.clear();
}

value column::get(size_t i) const {
  if (is_null(i)) return value{};
  switch (type_) {
    case type_id::int64:
      return value{i64_[i]};
    case type_id::date:
      return value{date_value{i64_[i]}};
    case type_id::float64:
      return value{f64_[i]};
    case type_id::boolean:
      return value{b_[i] != 0};
    case type_id::string:
      return value{std::string(str(i))};
  }
  return value{};
}

batch make_batch(const tranche::schema& s, const std::vector<std::vector<value>>& rows) {
  batch b;
  b.schema = s;
  for (size_t c = 0; c < s.size(); ++c) {
    auto col = std::make_shared<column>(s.fields[c].type);
    for (const auto& r : rows) col->append_value(r.at(c));
    b.columns.push_back(std::move(col));
  }
  b.rows = rows.size();
  return b;
}

std::vector<value> row_of(const batch& b, size_t i) {
  std::vector<value> r;
  r.reserve(b.columns.size());
  for (const auto& c : b.columns) r.push_back(c->get(i));
  return r;
}

column_ptr take(const column& c, const std::vector<uint32_t>& sel) {
  auto out = std::make_shared<column>(c.type());
  const size_t n = sel.size();
  switch (c.type()) {
    case type_id::int64:
    case type_id::date: {
      auto& d = out->i64();
      d.resize(n);
      for (size_t i = 0; i < n; ++i) d[i] = c.i64()[sel[i]];
      break;
    }
    case type_id::float64: {
      auto& d = out->f64();
      d.resize(n);
      for (size_t i = 0; i < n; ++i) d[i] = c.f64()[sel[i]];
      break;
    }
    case type_id::boolean: {
      auto& d = out->b();
      d.resize(n);
      for (size_t i = 0; i < n; ++i) d[i] = c.b()[sel[i]];
      break;
    }
    case type_id::string: {
      auto& off = out->offsets();
      auto& chars = out->chars();
      off.resize(n + 1);
      off[0] = 0;
      for (size_t i = 0; i < n; ++i) {
        auto s = c.str(sel[i]);
        chars.append(s.data(), s.size());
        off[i + 1] = static_cast<uint32_t>(chars.size());
      }
      break;
    }
  }
  if (c.has_nulls()) {
    auto& v = out->valid();
    v.resize(n);
    for (size_t i = 0; i < n; ++i) v[i] = c.valid()[sel[i]];
    out->compact_validity();
  }
  out->set_size(n);
  return out;
}

batch take(const batch& b, const std::vector<uint32_t>& sel) {
  batch out;
  out.schema = b.schema;
  out.rows = sel.size();
  out.columns.reserve(b.columns.size());
  for (const auto& c : b.columns) out.columns.push_back(take(*c, sel));
  return out;
}

batch concat(const std::vector<batch_ptr>& parts) {
  batch out;
  if (parts.empty()) return out;
  out.schema = parts[0]->schema;
  size_t total = 0;
  for (const auto& p : parts) total += p->rows;
  for (size_t c = 0; c < out.schema.size(); ++c) {
    auto col = std::make_shared<column>(out.schema.fields[c].type);
    col->reserve(total);
    for (const auto& p : parts) {
      const column& src = *p->columns[c];
      for (size_t i = 0; i < p->rows; ++i) col->append_from(src, i);
    }
    out.columns.push_back(std::move(col));
  }
  out.rows = total;
  return out;
}

uint64_t approx_bytes(const batch& b) {
  uint64_t n = 0;
  for (const auto& c : b.columns)
    n += c->i64().size() * 8 + c->f64().size() * 8 + c->b().size() + c->chars().size() +
         c->offsets().size() * 4 + c->valid().size();
  return n;
}

}  // namespace tranche
