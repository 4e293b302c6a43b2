// Tests of generate_sample (runtime/io/sample_gen.cc): determinism, file
// layout and row counts, and the documented value ranges, checked by reading
// the files back with the CSV reader.
#include "io/sample_gen.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "io/csv.h"
#include "test_util.h"

namespace tranche {
namespace {

using testing_util::read_bytes;
using testing_util::temp_dir;

TEST(SampleGen, SameArgumentsGiveSameBytes) {
  temp_dir dir;
  sample_options opts;
  opts.rows = 5000;
  opts.files = 3;
  auto a = generate_sample(dir.file("a"), opts);
  auto b = generate_sample(dir.file("b"), opts);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(a->size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(read_bytes((*a)[i]), read_bytes((*b)[i]));
  opts.seed = 43;
  auto c = generate_sample(dir.file("c"), opts);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(read_bytes((*a)[0]), read_bytes((*c)[0]));
}

TEST(SampleGen, FilesHeadersAndRowCounts) {
  temp_dir dir;
  sample_options opts;
  opts.rows = 10;
  opts.files = 4;
  auto paths = generate_sample(dir.file("nested/out"), opts);
  ASSERT_TRUE(paths.ok()) << paths.status();
  ASSERT_EQ(paths->size(), 4u);
  EXPECT_EQ((*paths)[0], dir.file("nested/out/part-000.csv"));
  EXPECT_EQ((*paths)[3], dir.file("nested/out/part-003.csv"));
  std::vector<size_t> lines;
  for (const auto& p : *paths) {
    const std::string text = read_bytes(p);
    EXPECT_EQ(text.substr(0, text.find('\n') + 1), "key,price,quantity,shipdate,flag\n");
    EXPECT_EQ(text.back(), '\n');
    lines.push_back(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) - 1);
  }
  EXPECT_EQ(lines, (std::vector<size_t>{3, 3, 2, 2}));

  auto schema = infer_csv_schema((*paths)[0], {});
  ASSERT_TRUE(schema.ok());
  EXPECT_EQ(*schema, (tranche::schema{{{"key", type_id::int64},
                                       {"price", type_id::float64},
                                       {"quantity", type_id::int64},
                                       {"shipdate", type_id::date},
                                       {"flag", type_id::string}}}));
  opts.files = 0;
  EXPECT_EQ(generate_sample(dir.file("x"), opts).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SampleGen, ValuesStayInTheirRanges) {
  temp_dir dir;
  sample_options opts;
  opts.rows = 10000;
  opts.files = 2;
  auto paths = generate_sample(dir.path(), opts);
  ASSERT_TRUE(paths.ok()) << paths.status();
  const schema sch{{
      {"key", type_id::int64},
      {"price", type_id::float64},
      {"quantity", type_id::int64},
      {"shipdate", type_id::date},
      {"flag", type_id::string},
  }};
  std::vector<file_split> splits;
  for (const auto& p : *paths) splits.push_back({p, 0, std::filesystem::file_size(p)});
  auto rows = testing_util::read_splits(splits, sch, {0, 1, 2, 3, 4});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 10000u);
  std::set<int64_t> keys;
  std::set<std::string> flags;
  int64_t min_day = INT64_MAX, max_day = INT64_MIN;
  for (const auto& r : *rows) {
    const int64_t key = std::get<int64_t>(r[0]);
    const double price = std::get<double>(r[1]);
    const int64_t qty = std::get<int64_t>(r[2]);
    const int64_t day = std::get<date_value>(r[3]).days;
    ASSERT_GE(key, 0);
    ASSERT_LT(key, 100);
    ASSERT_GE(price, 1.0);
    ASSERT_LE(price, 10000.0);
    const double cents = price * 100;
    ASSERT_NEAR(cents, std::round(cents), 1e-6) << price;
    ASSERT_GE(qty, 1);
    ASSERT_LE(qty, 50);
    keys.insert(key);
    flags.insert(std::get<std::string>(r[4]));
    min_day = std::min(min_day, day);
    max_day = std::max(max_day, day);
  }
  EXPECT_EQ(keys.size(), 100u);  // rows / 100 distinct keys
  EXPECT_EQ(flags, (std::set<std::string>{"A", "N", "R"}));
  EXPECT_GE(min_day, days_from_civil(1992, 1, 1));
  EXPECT_LE(max_day, days_from_civil(1998, 12, 31));
  EXPECT_LT(min_day, days_from_civil(1992, 2, 1));  // the range is actually used
  EXPECT_GT(max_day, days_from_civil(1998, 12, 1));
  // Prices are printed with exactly two decimals.
  const std::string text = read_bytes((*paths)[0]);
  const size_t line2 = text.find('\n') + 1;
  const size_t comma1 = text.find(',', line2);
  const size_t comma2 = text.find(',', comma1 + 1);
  const std::string price = text.substr(comma1 + 1, comma2 - comma1 - 1);
  ASSERT_GE(price.size(), 4u);
  EXPECT_EQ(price[price.size() - 3], '.') << price;
}

TEST(SampleGen, TinyRowCountsStillHaveOneKey) {
  temp_dir dir;
  sample_options opts;
  opts.rows = 3;
  opts.files = 1;
  auto paths = generate_sample(dir.path(), opts);
  ASSERT_TRUE(paths.ok());
  auto rows = testing_util::read_file((*paths)[0],
                                      schema{{{"key", type_id::int64},
                                              {"price", type_id::float64},
                                              {"quantity", type_id::int64},
                                              {"shipdate", type_id::date},
                                              {"flag", type_id::string}}},
                                      {0});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  for (const auto& r : *rows) EXPECT_EQ(r[0], value(int64_t{0}));
}

}  // namespace
}  // namespace tranche
