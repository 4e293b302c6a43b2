// Helpers shared by the columnar format tests (columnar_test.cc and
// columnar_corruption_test.cc): a schema of every type, sample rows of it
// with NULLs and awkward values, and writing rows to a columnar file.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "io/columnar.h"
#include "test_util.h"

namespace tranche::testing_util {

inline schema all_types() {
  return schema{{{"i", type_id::int64},
                 {"f", type_id::float64},
                 {"b", type_id::boolean},
                 {"s", type_id::string},
                 {"dt", type_id::date}}};
}

// Seven rows of all_types().
inline rows sample_rows() {
  return {
      {int64_t{1}, 1.5, true, std::string("apple"), d("1998-09-02")},
      {value{}, value{}, value{}, value{}, value{}},
      {int64_t{-7}, -0.25, false, std::string(""), d("1970-01-01")},
      {int64_t{INT64_MAX}, 1e300, value{}, std::string("z\xff\x01 bytes"), d("1900-02-28")},
      {int64_t{INT64_MIN}, value{}, true, value{}, value{}},
      {int64_t{0}, 0.0, false, std::string("a,\"quoted\"\nline"), d("2024-02-29")},
      {value{}, 3.0, true, std::string("x"), d("1999-12-31")},
  };
}

// Writes `data` in appends of `chunk` rows.
inline void write_file(const std::string& path, const schema& s, const rows& data,
                       size_t rows_per_batch, size_t chunk) {
  auto w = columnar_writer::create(path, s, rows_per_batch);
  ASSERT_TRUE(w.ok()) << w.status();
  for (size_t i = 0; i < data.size(); i += chunk) {
    rows part(data.begin() + i, data.begin() + std::min(data.size(), i + chunk));
    ASSERT_TRUE((*w)->append(make_batch(s, part)).ok());
  }
  ASSERT_TRUE((*w)->close().ok());
}

}  // namespace tranche::testing_util
