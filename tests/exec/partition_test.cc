// Unit tests of hash_partition: pinned partition numbers (the hash must not
// change silently: other processes and persisted shuffles depend on it), equal
// keys from different batches landing together, NULL and -0.0 handling, and
// that partitions are a split of the input rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "exec/operators.h"
#include "exec_test_util.h"

namespace tranche {
namespace {

using namespace test;

// Partition number of each input row (rows are tagged by a seq column).
std::vector<size_t> partition_of_rows(const batch& b, const std::vector<int>& keys, size_t n,
                                      int seq_column) {
  std::vector<size_t> out(b.rows, SIZE_MAX);
  auto parts = hash_partition(b, keys, n);
  EXPECT_EQ(parts.size(), n);
  for (size_t p = 0; p < parts.size(); ++p) {
    EXPECT_EQ(parts[p].schema, b.schema);
    for (size_t i = 0; i < parts[p].rows; ++i) {
      const auto seq = std::get<int64_t>(parts[p].get(i, seq_column));
      EXPECT_EQ(out[seq], SIZE_MAX) << "row " << seq << " in two partitions";
      out[seq] = p;
    }
  }
  return out;
}

const schema k_schema{{{"k", type_id::int64}, {"s", type_id::string}, {"seq", type_id::int64}}};

batch keyed(const rows_t& keys) {
  rows_t rows;
  for (size_t i = 0; i < keys.size(); ++i)
    rows.push_back({keys[i][0], keys[i][1], I(static_cast<int64_t>(i))});
  return make_batch(k_schema, rows);
}

// The pinned numbers below were cross-checked against an independent
// implementation of the documented function (partition.cc): row hash starts at
// 0x243f6a8885a308d3 and folds each key as h = fmix64(h ^ (v + golden)),
// v = fmix64(int64), fmix64(fnv1a64(bytes) ^ len), or 0x9ae16a3b2f90404f for
// NULL; partition = (h * n) >> 64.
TEST(HashPartition, PinnedInt64Partitions) {
  rows_t keys;
  for (int64_t k : {0, 1, 2, 3, 42, -1, 1000000007}) keys.push_back({I(k), S("")});
  keys.push_back({null_v, S("")});
  auto got = partition_of_rows(keyed(keys), {0}, 8, 2);
  EXPECT_EQ(got, (std::vector<size_t>{1, 7, 4, 0, 5, 2, 4, 0}));
}

TEST(HashPartition, PinnedStringAndMultiKeyPartitions) {
  rows_t keys = {{I(1), S("")},  {I(1), S("A")},           {I(1), S("N")},
                 {I(1), S("R")}, {I(1), S("hello world")}, {I(2), S("A")},
                 {I(1), null_v}};
  EXPECT_EQ(partition_of_rows(keyed(keys), {1}, 5, 2), (std::vector<size_t>{1, 1, 4, 4, 2, 1, 0}));
  EXPECT_EQ(partition_of_rows(keyed(keys), {0, 1}, 5, 2),
            (std::vector<size_t>{1, 2, 4, 2, 2, 2, 0}));
}

TEST(HashPartition, EqualKeysFromDifferentBatchesLandTogether) {
  rows_t a, b;
  for (int i = 0; i < 500; ++i) {
    a.push_back({I(i % 37), S("s" + std::to_string(i % 11))});
    b.push_back({I((i * 7) % 37), S("s" + std::to_string((i * 3) % 11))});
  }
  for (const std::vector<int>& keys : {std::vector<int>{0}, {1}, {0, 1}}) {
    std::map<std::pair<value, value>, size_t> where;
    for (const auto& rows : {a, b}) {
      auto in = keyed(rows);
      auto got = partition_of_rows(in, keys, 6, 2);
      for (size_t i = 0; i < rows.size(); ++i) {
        std::pair<value, value> key{keys[0] == 0 ? rows[i][0] : null_v,
                                    keys.back() == 1 ? rows[i][1] : null_v};
        auto [it, inserted] = where.emplace(key, got[i]);
        EXPECT_EQ(it->second, got[i]);
      }
    }
    // The keys spread over more than one partition.
    std::vector<size_t> used;
    for (const auto& [k, p] : where) used.push_back(p);
    std::sort(used.begin(), used.end());
    EXPECT_GT(std::unique(used.begin(), used.end()) - used.begin(), 3);
  }
}

TEST(HashPartition, NullsIgnoreStoredBytesAndNegativeZeroIsZero) {
  // Two NULL int64 rows with different (arbitrary) stored values.
  auto k = std::make_shared<column>(type_id::int64);
  k->i64() = {5, 99, 5};
  k->valid() = {0, 0, 1};
  k->set_size(3);
  auto seq = std::make_shared<column>(type_id::int64);
  seq->i64() = {0, 1, 2};
  seq->set_size(3);
  batch b{schema{{{"k", type_id::int64}, {"seq", type_id::int64}}}, {k, seq}, 3};
  for (size_t n : {3, 7, 16}) {
    auto got = partition_of_rows(b, {0}, n, 1);
    EXPECT_EQ(got[0], got[1]);
  }
  auto f = make_batch(schema{{{"f", type_id::float64}, {"seq", type_id::int64}}},
                      {{F(0.0), I(0)}, {F(-0.0), I(1)}});
  for (size_t n : {3, 7, 16}) {
    auto got = partition_of_rows(f, {0}, n, 1);
    EXPECT_EQ(got[0], got[1]);
  }
}

TEST(HashPartition, SingleAndZeroPartitions) {
  auto in = keyed({{I(1), S("a")}, {I(2), S("b")}});
  auto one = hash_partition(in, {0}, 1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].columns[0].get(), in.columns[0].get());
  EXPECT_TRUE(hash_partition(in, {0}, 0).empty());
}

}  // namespace
}  // namespace tranche
