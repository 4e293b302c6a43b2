// `tranche gen sample`: a deterministic synthetic order-lines data set used by
// the quickstart, the tests and the group-by benchmark. Same arguments, same
// bytes. Columns (with header): key BIGINT (uniform in [0, max(1, rows/100)) so
// 10 M rows have 100 k distinct keys), price DOUBLE (two decimals, 1.00 ..
// 10000.00), quantity BIGINT (1..50), shipdate DATE (1992-01-01 .. 1998-12-31),
// flag VARCHAR (one of A, N, R).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tranche {

struct sample_options {
  uint64_t rows = 1000000;
  int files = 4;
  uint64_t seed = 42;
};

// Writes out_dir/part-000.csv .. part-(files-1).csv (creating out_dir) and
// returns their paths. Rows are split evenly (the first files get one extra).
[[nodiscard]] absl::StatusOr<std::vector<std::string>> generate_sample(const std::string& out_dir,
                                                                       const sample_options& opts);

}  // namespace tranche
