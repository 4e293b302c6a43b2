// Tests of CSV splitting (make_splits and csv_reader over byte ranges):
// every line is read by exactly one split whatever the cut points, and errors
// deep inside a split still name the file's line number.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>

#include "io/csv.h"
#include "test_util.h"

namespace tranche {
namespace {

using testing_util::read_file;
using testing_util::read_splits;
using testing_util::rows;
using testing_util::temp_dir;

const schema kSchema{{{"id", type_id::int64},
                      {"name", type_id::string},
                      {"price", type_id::float64},
                      {"day", type_id::date},
                      {"ok", type_id::boolean}}};

// Rows of varied lengths (including empty fields and quoted delimiters, but
// no quoted newlines: splits cannot see those) with CRLF or LF endings.
std::string make_csv(size_t n, bool crlf, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const char* eol = crlf ? "\r\n" : "\n";
  std::string text = std::string("id,name,price,day,ok") + eol;
  for (size_t k = 0; k < n; ++k) {
    std::string name(rng() % 12, static_cast<char>('a' + k % 26));
    if (rng() % 7 == 0) name = "\"x,y \"\"" + name + "\"";
    text += std::to_string(k) + "," + name + ",";
    if (rng() % 5 != 0) text += std::to_string(rng() % 100000) + "." + std::to_string(rng() % 100);
    text += "," + format_date(static_cast<int64_t>(rng() % 20000)) + ",";
    text += rng() % 2 ? "true" : "false";
    text += eol;
  }
  return text;
}

TEST(CsvSplits, MakeSplitsCoversEachFileContiguously) {
  temp_dir dir;
  auto a = dir.write("a.csv", std::string(1000, 'x'));
  auto empty = dir.write("empty.csv", "");
  auto b = dir.write("b.csv", std::string(99, 'x'));
  auto splits = make_splits({a, empty, b}, 300);
  ASSERT_TRUE(splits.ok()) << splits.status();
  std::map<std::string, std::vector<file_split>> by_file;
  for (const auto& s : *splits) by_file[s.path].push_back(s);
  EXPECT_EQ(by_file.count(empty), 0u);
  ASSERT_EQ(by_file[a].size(), 3u);  // 1000 / 300 rounded
  ASSERT_EQ(by_file[b].size(), 1u);  // a small file still gets one split
  for (const auto& [path, list] : by_file) {
    uint64_t at = 0;
    for (const auto& s : list) {
      EXPECT_EQ(s.offset, at);
      EXPECT_GT(s.length, 0u);
      at += s.length;
    }
    EXPECT_EQ(at, std::filesystem::file_size(path));
  }
  auto missing = make_splits({dir.file("nope.csv")}, 100);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), dir.file("nope.csv") + ": No such file or directory");
  EXPECT_FALSE(make_splits({a}, 0).ok());
}

TEST(CsvSplits, UnionOfSplitsEqualsWholeFileForAnySplitSize) {
  temp_dir dir;
  for (bool crlf : {false, true}) {
    const std::string text = make_csv(250, crlf, crlf ? 3 : 4);
    auto path = dir.write(crlf ? "crlf.csv" : "lf.csv", text);
    const std::vector<int> cols = {3, 0, 1, 2, 4};
    auto whole = read_file(path, kSchema, cols);
    ASSERT_TRUE(whole.ok()) << whole.status();
    ASSERT_EQ(whole->size(), 250u);
    for (uint64_t target : {1, 2, 3, 5, 7, 16, 31, 64, 100, 1000, 4096, 100000}) {
      auto splits = make_splits({path}, target);
      ASSERT_TRUE(splits.ok());
      auto got = read_splits(*splits, kSchema, cols);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(*got, *whole) << "target " << target << (crlf ? " crlf" : " lf");
    }
  }
}

TEST(CsvSplits, RandomCutPointsReadEveryRowOnce) {
  temp_dir dir;
  const std::string text = make_csv(300, false, 9);
  auto path = dir.write("t.csv", text);
  auto whole = read_file(path, kSchema, {0, 1});
  ASSERT_TRUE(whole.ok()) << whole.status();
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<uint64_t> cuts = {0, text.size()};
    const int n = 1 + static_cast<int>(rng() % 40);
    for (int k = 0; k < n; ++k) cuts.push_back(rng() % text.size());
    std::sort(cuts.begin(), cuts.end());
    std::vector<file_split> splits;
    for (size_t k = 0; k + 1 < cuts.size(); ++k)
      if (cuts[k + 1] > cuts[k]) splits.push_back({path, cuts[k], cuts[k + 1] - cuts[k]});
    auto got = read_splits(splits, kSchema, {0, 1});
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, *whole) << "trial " << trial;
  }
}

TEST(CsvSplits, SplitInsideHeaderAndAtLineBoundaries) {
  temp_dir dir;
  auto path =
      dir.write("t.csv", "id,name,price,day,ok\n1,a,1,2000-01-01,true\n2,b,2,2000-01-02,false\n");
  const uint64_t header = 21;  // "id,name,price,day,ok\n"
  // A split ending inside the header has no rows; one starting exactly at a
  // line start owns that line; one starting one byte later does not.
  auto r = read_splits({{path, 0, 5}}, kSchema, {0});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  r = read_splits({{path, 5, header - 5}}, kSchema, {0});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  r = read_splits({{path, header, 1}}, kSchema, {0});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (rows{{value(int64_t{1})}}));
  r = read_splits({{path, header + 1, 1000}}, kSchema, {0});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (rows{{value(int64_t{2})}}));
  // Ranges past the end of the file are clamped.
  r = read_splits({{path, 5000, 10}}, kSchema, {0});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(CsvSplits, ErrorFarIntoTheFileReportsTheFileLine) {
  temp_dir dir;
  std::string text = make_csv(5000, false, 1);
  // Corrupt the id of the row with id 4000 (file line 4002).
  const size_t at = text.find("\n4000,") + 1;
  text.insert(at, "x");
  auto path = dir.write("t.csv", text);
  auto splits = make_splits({path}, text.size() / 7);
  ASSERT_TRUE(splits.ok());
  ASSERT_GT(splits->size(), 3u);
  // Read only the split holding the bad row.
  const file_split* bad = nullptr;
  for (const auto& s : *splits)
    if (s.offset <= at && at < s.offset + s.length) bad = &s;
  ASSERT_NE(bad, nullptr);
  ASSERT_GT(bad->offset, 0u);
  auto r = read_splits({*bad}, kSchema, {2, 0});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), path + ":4002:1: column \"id\": expected BIGINT, got \"x4000\"");
}

}  // namespace
}  // namespace tranche
