// Fuzz target: the columnar (.tcol) file reader. The input is the file:
// open() it, read every batch with every column (and once with the columns
// reversed and repeated), and test each batch's statistics with may_match.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "io/columnar.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tranche;
  const std::string path = fuzz::write_scratch("input.tcol", data, size);
  auto reader = columnar_reader::open(path);
  if (!reader.ok()) return 0;
  const columnar_reader& r = **reader;
  const size_t ncols = r.file_schema().fields.size();
  std::vector<int> all, reversed;
  for (size_t c = 0; c < ncols; ++c) all.push_back(static_cast<int>(c));
  for (size_t c = ncols; c-- > 0;) reversed.push_back(static_cast<int>(c));
  if (ncols > 0) reversed.push_back(0);
  std::vector<column_bound> bounds;
  for (size_t c = 0; c < ncols && c < 4; ++c) {
    column_bound b;
    b.column = static_cast<int>(c);
    b.op = static_cast<bound_op>(c % 6);
    switch (r.file_schema().fields[c].type) {
      case type_id::int64: b.constant = int64_t{42}; break;
      case type_id::float64: b.constant = 0.5; break;
      case type_id::boolean: b.constant = true; break;
      case type_id::string: b.constant = std::string("m"); break;
      case type_id::date: b.constant = date_value{10000}; break;
    }
    bounds.push_back(b);
  }
  for (size_t i = 0; i < r.num_batches() && i < 1024; ++i) {
    (void)may_match(r.batch_info(i), bounds);
    batch b;
    if (r.read(i, all, &b).ok()) {
      fuzz::check_batch(b);
      if (b.rows != r.batch_info(i).rows) std::abort();
    }
    batch b2;
    if (r.read(i, reversed, &b2).ok()) fuzz::check_batch(b2);
  }
  return 0;
}
