// Fuzz target: the CSV reader over one file with a fixed schema
// (BIGINT, DOUBLE, VARCHAR, DATE, BOOLEAN, DECIMAL(15,2) -> DOUBLE).
// The first input byte picks the options, the rest is the file:
//   bit 0  header line on/off         bit 1  delimiter '|' instead of ','
//   bit 2  batches of 3 rows          bit 3  project columns {4, 0, 3} only
//   bit 4  read as two splits cut at byte (second byte % size)
//   bit 5  also run schema inference on the file
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "io/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tranche;
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  const uint8_t cut_byte = size > 1 ? data[1] : 0;
  ++data;
  --size;
  static const schema file_schema = [] {
    schema s;
    s.fields = {{"id", type_id::int64},     {"price", type_id::float64},
                {"name", type_id::string},  {"day", type_id::date},
                {"ok", type_id::boolean},   {"amount", type_id::float64}};
    return s;
  }();
  csv_options opts;
  opts.header = flags & 1;
  opts.delimiter = (flags & 2) ? '|' : ',';
  opts.batch_rows = (flags & 4) ? 3 : 8192;
  std::vector<int> columns = (flags & 8) ? std::vector<int>{4, 0, 3}
                                         : std::vector<int>{0, 1, 2, 3, 4, 5};
  const std::string path = fuzz::write_scratch("input.csv", data, size);

  std::vector<file_split> splits;
  if ((flags & 16) && size > 0) {
    uint64_t cut = cut_byte % (size + 1);
    splits.push_back(file_split{path, 0, cut});
    splits.push_back(file_split{path, cut, size - cut});
  } else {
    splits.push_back(file_split{path, 0, size});
  }
  for (const file_split& sp : splits) {
    auto reader = csv_reader::open(sp, file_schema, columns, opts);
    if (!reader.ok()) continue;
    for (int guard = 0; guard < 1 << 20; ++guard) {
      batch b;
      auto more = (*reader)->next(&b);
      if (!more.ok() || !*more) break;
      fuzz::check_batch(b);
    }
  }
  if (flags & 32) (void)infer_csv_schema(path, opts, 100);
  return 0;
}
