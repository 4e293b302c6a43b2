// Small column helpers internal to the exec area: reading a scalar value as a
// column's storage type, broadcasting a scalar to n rows, slicing a row range,
// combining validity maps, and the row count used for emitted batches. The
// expression kernels and the blocking operators (aggregate, sort) call them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "tranche/batch.h"
#include "tranche/types.h"

namespace tranche {

// Rows per batch emitted by blocking operators (matches the CSV reader's
// default so downstream batch sizes stay uniform).
inline constexpr size_t k_emit_batch_rows = 65536;

// A non-NULL scalar as int64 storage (int64, date days, boolean 0/1) or as a
// double (int64 promoted). Other alternatives read as 0.
[[nodiscard]] int64_t scalar_i64(const value& v);
[[nodiscard]] double scalar_f64(const value& v);

// A column of `n` copies of `v` (NULL gives an all-NULL column).
[[nodiscard]] column_ptr broadcast(const value& v, type_id t, size_t n);
[[nodiscard]] column_ptr all_null(type_id t, size_t n);

// Rows [begin, end) of `c`; shares `c` when the range is the whole column.
[[nodiscard]] column_ptr slice(const column_ptr& c, size_t begin, size_t end);

// The AND of two validity maps over `n` rows (nullptr or an empty map means
// all valid). Returns an empty vector when neither input has NULLs, so that
// results without NULLs keep the compact representation.
[[nodiscard]] std::vector<uint8_t> and_validity(const column* a, const column* b, size_t n);

// Builds an InvalidArgument status from pieces (absl::StrCat cannot take
// std::string_view in this Abseil build; this helper hides the conversion).
[[nodiscard]] absl::Status invalid(std::string_view a, std::string_view b = {},
                                   std::string_view c = {}, std::string_view d = {});

// Checks that `c` holds `rows` rows of type `t` with consistent storage, so that
// kernels can index its vectors without bounds checks.
[[nodiscard]] absl::Status check_column(const column& c, type_id t, size_t rows,
                                        std::string_view what);

}  // namespace tranche
