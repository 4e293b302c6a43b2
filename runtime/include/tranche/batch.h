// Columnar record batches: the unit every operator consumes and produces, and
// what the SDK hands back as a program's result. A column holds one type's
// values in a flat vector plus an optional validity byte map (empty = no
// NULLs). Columns are immutable once built and shared between batches.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tranche/types.h"

namespace tranche {

class column {
 public:
  column() = default;
  explicit column(type_id t) : type_(t) {}

  [[nodiscard]] type_id type() const { return type_; }
  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] bool has_nulls() const { return !valid_.empty(); }
  [[nodiscard]] bool is_null(size_t i) const { return !valid_.empty() && valid_[i] == 0; }

  // Storage by type: int64 and date use i64 (dates as days since the epoch),
  // float64 uses f64, boolean uses b (0/1), string uses offsets (size + 1
  // entries) into chars. Values at NULL positions are unspecified but present.
  std::vector<int64_t>& i64() { return i64_; }
  std::vector<double>& f64() { return f64_; }
  std::vector<uint8_t>& b() { return b_; }
  std::vector<uint32_t>& offsets() { return offsets_; }
  std::string& chars() { return chars_; }
  // Validity: empty, or one byte per row (1 = valid, 0 = NULL).
  std::vector<uint8_t>& valid() { return valid_; }
  [[nodiscard]] const std::vector<int64_t>& i64() const { return i64_; }
  [[nodiscard]] const std::vector<double>& f64() const { return f64_; }
  [[nodiscard]] const std::vector<uint8_t>& b() const { return b_; }
  [[nodiscard]] const std::vector<uint32_t>& offsets() const { return offsets_; }
  [[nodiscard]] const std::string& chars() const { return chars_; }
  [[nodiscard]] const std::vector<uint8_t>& valid() const { return valid_; }

  [[nodiscard]] std::string_view str(size_t i) const {
    return std::string_view(chars_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }

  // Appending, for builders (CSV reader, operators, tests).
  void reserve(size_t n);
  void append_null();
  void append_int(int64_t v);  // int64 or date
  void append_double(double v);
  void append_bool(bool v);
  void append_string(std::string_view v);
  void append_value(const value& v);  // must match type() or be NULL
  // Appends row i of `other` (same type).
  void append_from(const column& other, size_t i);
  // Sets size after filling a typed vector directly (no NULLs added).
  void set_size(size_t n) { size_ = n; }
  // Drops the validity map if every row is valid.
  void compact_validity();

  [[nodiscard]] value get(size_t i) const;

 private:
  void mark_valid();
  type_id type_ = type_id::int64;
  size_t size_ = 0;
  std::vector<int64_t> i64_;
  std::vector<double> f64_;
  std::vector<uint8_t> b_;
  std::vector<uint32_t> offsets_{0};
  std::string chars_;
  std::vector<uint8_t> valid_;
};

using column_ptr = std::shared_ptr<const column>;

struct batch {
  tranche::schema schema;
  std::vector<column_ptr> columns;
  size_t rows = 0;

  [[nodiscard]] value get(size_t row, size_t col) const { return columns[col]->get(row); }
};

using batch_ptr = std::shared_ptr<const batch>;

// Builds a batch from row-major values (tests, small results).
[[nodiscard]] batch make_batch(const tranche::schema& s,
                               const std::vector<std::vector<value>>& rows);
// Row i of b as values.
[[nodiscard]] std::vector<value> row_of(const batch& b, size_t i);
// Gathers the rows listed in `sel` (in order) from every column.
[[nodiscard]] column_ptr take(const column& c, const std::vector<uint32_t>& sel);
[[nodiscard]] batch take(const batch& b, const std::vector<uint32_t>& sel);
// Concatenates batches of one schema.
[[nodiscard]] batch concat(const std::vector<batch_ptr>& parts);

// The bytes of a batch's column buffers: what it costs in memory.
[[nodiscard]] uint64_t approx_bytes(const batch& b);

}  // namespace tranche
