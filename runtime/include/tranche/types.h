// The value types of tranche's data model: the five column types, a field and
// a schema, and a single nullable value. Used by every layer (batches, SQL,
// plans) and by SDK users reading result rows.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tranche {

enum class type_id : uint8_t { int64 = 0, float64 = 1, boolean = 2, string = 3, date = 4 };

// "BIGINT", "DOUBLE", "BOOLEAN", "VARCHAR", "DATE".
[[nodiscard]] std::string_view type_name(type_id t);

struct field {
  std::string name;
  type_id type = type_id::int64;
  friend bool operator==(const field&, const field&) = default;
};

struct schema {
  std::vector<field> fields;
  // Index of the field named `name` (case-insensitive), or -1.
  [[nodiscard]] int find(std::string_view name) const;
  [[nodiscard]] size_t size() const { return fields.size(); }
  friend bool operator==(const schema&, const schema&) = default;
};

// Days since 1970-01-01 for a proleptic Gregorian date.
[[nodiscard]] int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
// Formats days since the epoch as yyyy-mm-dd.
[[nodiscard]] std::string format_date(int64_t days);
// Parses exactly "yyyy-mm-dd" (a valid calendar date); false otherwise.
[[nodiscard]] bool parse_date(std::string_view s, int64_t* days);

// A nullable scalar: a literal in an expression, or one cell of a result row.
// Dates are held as days since the epoch in a distinct alternative.
struct date_value {
  int64_t days = 0;
  friend auto operator<=>(const date_value&, const date_value&) = default;
};
using value = std::variant<std::monostate, int64_t, double, bool, std::string, date_value>;

[[nodiscard]] inline bool is_null(const value& v) { return v.index() == 0; }
// Renders a value the way the CLI prints it: NULL, 42, 3.5, true, abc, 1998-09-02.
[[nodiscard]] std::string to_string(const value& v);

}  // namespace tranche
