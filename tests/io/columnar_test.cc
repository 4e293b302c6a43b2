// Tests of the columnar file format (io/columnar.h): round trips of every
// type, statistics and batch skipping, splits, atomic writes and CSV
// conversion. Damaged and foreign files: columnar_corruption_test.cc.
#include "io/columnar.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "columnar_test_util.h"
#include "io/csv.h"
#include "io/tpch_gen.h"
#include "test_util.h"

namespace tranche {
namespace {

using testing_util::all_types;
using testing_util::d;
using testing_util::read_bytes;
using testing_util::rows;
using testing_util::sample_rows;
using testing_util::temp_dir;
using testing_util::write_file;

std::vector<int> all_of(const schema& s) { return testing_util::all_columns(s); }

absl::StatusOr<rows> read_all(const std::string& path, const std::vector<int>& cols) {
  auto r = columnar_reader::open(path);
  if (!r.ok()) return r.status();
  rows out;
  for (size_t i = 0; i < (*r)->num_batches(); ++i) {
    batch b;
    absl::Status st = (*r)->read(i, cols, &b);
    if (!st.ok()) return st;
    for (size_t j = 0; j < b.rows; ++j) out.push_back(row_of(b, j));
  }
  return out;
}

TEST(Columnar, RoundTripEveryTypeWithNulls) {
  temp_dir dir;
  const std::string path = dir.file("t.tcol");
  const schema s = all_types();
  for (size_t rpb : {1, 2, 3, 7, 100}) {
    for (size_t chunk : {1, 3, 7}) {
      write_file(path, s, sample_rows(), rpb, chunk);
      auto r = columnar_reader::open(path);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ((*r)->file_schema(), s);
      EXPECT_EQ((*r)->total_rows(), 7u);
      EXPECT_EQ((*r)->num_batches(), (7 + rpb - 1) / rpb);
      auto got = read_all(path, all_of(s));
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(*got, sample_rows()) << "rows_per_batch " << rpb << " chunk " << chunk;
    }
  }
}

TEST(Columnar, EmptyFileHasNoBatches) {
  temp_dir dir;
  const std::string path = dir.file("empty.tcol");
  write_file(path, all_types(), {}, 10, 1);
  auto r = columnar_reader::open(path);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)->num_batches(), 0u);
  EXPECT_EQ((*r)->total_rows(), 0u);
  EXPECT_EQ((*r)->file_schema(), all_types());
  batch b;
  EXPECT_EQ((*r)->read(0, {0}, &b).code(), absl::StatusCode::kOutOfRange);
  // Appending an empty batch writes nothing either.
  auto w = columnar_writer::create(path, all_types());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->append(make_batch(all_types(), {})).ok());
  ASSERT_TRUE((*w)->close().ok());
  auto r2 = columnar_reader::open(path);
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ((*r2)->num_batches(), 0u);
}

TEST(Columnar, RechunksIntoBatchesOfRowsPerBatch) {
  temp_dir dir;
  const std::string path = dir.file("m.tcol");
  const schema s{{{"k", type_id::int64}, {"name", type_id::string}}};
  rows data;
  for (int64_t i = 0; i < 1000; ++i)
    data.push_back(
        {i, i % 10 == 0 ? value{} : value{std::string(static_cast<size_t>(i % 13), 'a' + i % 26)}});
  write_file(path, s, data, 64, 7);
  auto r = columnar_reader::open(path);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ((*r)->num_batches(), 16u);
  uint64_t offset = 16;
  for (size_t i = 0; i < 16; ++i) {
    const auto& info = (*r)->batch_info(i);
    EXPECT_EQ(info.rows, i < 15 ? 64u : 40u);
    EXPECT_EQ(info.offset, offset);
    EXPECT_EQ(info.offset % 8, 0u);
    offset += info.length;
  }
  auto got = read_all(path, {0, 1});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, data);
  // One big append of several batches' rows takes the direct path.
  write_file(path, s, data, 100, 1000);
  got = read_all(path, {0, 1});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, data);
}

TEST(Columnar, ReadsColumnSubsetsInTheGivenOrder) {
  temp_dir dir;
  const std::string path = dir.file("t.tcol");
  const schema s = all_types();
  write_file(path, s, sample_rows(), 4, 7);
  auto r = columnar_reader::open(path);
  ASSERT_TRUE(r.ok());
  batch b;
  ASSERT_TRUE((*r)->read(0, {4, 0, 4, 3}, &b).ok());
  ASSERT_EQ(b.schema.size(), 4u);
  EXPECT_EQ(b.schema.fields[0].name, "dt");
  EXPECT_EQ(b.schema.fields[1].name, "i");
  EXPECT_EQ(b.schema.fields[3].name, "s");
  EXPECT_EQ(b.rows, 4u);
  EXPECT_EQ(b.columns.size(), 4u);
  EXPECT_EQ(b.get(0, 0), d("1998-09-02"));
  EXPECT_EQ(b.get(0, 2), d("1998-09-02"));
  EXPECT_EQ(b.get(2, 1), value{int64_t{-7}});
  EXPECT_EQ(b.get(3, 3), value{std::string("z\xff\x01 bytes")});
  ASSERT_TRUE((*r)->read(1, {}, &b).ok());
  EXPECT_EQ(b.rows, 3u);
  EXPECT_TRUE(b.columns.empty());
  auto bad = (*r)->read(0, {5}, &b);
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("column index 5 out of range"), std::string::npos) << bad;
}

TEST(Columnar, StatisticsPerBatchAndColumn) {
  temp_dir dir;
  const std::string path = dir.file("st.tcol");
  const schema s = all_types();
  // Batch 0: rows 0..2 of the sample; batch 1: rows 3..5; batch 2: row 6.
  write_file(path, s, sample_rows(), 3, 2);
  auto r = columnar_reader::open(path);
  ASSERT_TRUE(r.ok());
  const auto& b0 = (*r)->batch_info(0).stats;
  ASSERT_EQ(b0.size(), 5u);
  EXPECT_EQ(b0[0].nulls, 1u);
  EXPECT_TRUE(b0[0].has_min_max);
  EXPECT_EQ(b0[0].min, value{int64_t{-7}});
  EXPECT_EQ(b0[0].max, value{int64_t{1}});
  EXPECT_EQ(b0[1].min, value{-0.25});
  EXPECT_EQ(b0[1].max, value{1.5});
  EXPECT_EQ(b0[2].min, value{false});
  EXPECT_EQ(b0[2].max, value{true});
  EXPECT_EQ(b0[3].min, value{std::string("")});
  EXPECT_EQ(b0[3].max, value{std::string("apple")});
  EXPECT_EQ(b0[4].min, d("1970-01-01"));
  EXPECT_EQ(b0[4].max, d("1998-09-02"));
  const auto& b1 = (*r)->batch_info(1).stats;
  EXPECT_EQ(b1[0].min, value{int64_t{INT64_MIN}});
  EXPECT_EQ(b1[0].max, value{int64_t{INT64_MAX}});
  EXPECT_EQ(b1[0].nulls, 0u);
  EXPECT_EQ(b1[2].nulls, 1u);
  EXPECT_EQ(b1[2].min, value{false});
  EXPECT_EQ(b1[2].max, value{true});
  EXPECT_EQ(b1[3].max, value{std::string("z\xff\x01 bytes")});  // bytewise: 0xff > 'a'

  // A batch of only NULLs has a count and no bounds.
  const std::string p2 = dir.file("nulls.tcol");
  write_file(p2, s, {{value{}, value{}, value{}, value{}, value{}}, sample_rows()[0]}, 1, 2);
  auto r2 = columnar_reader::open(p2);
  ASSERT_TRUE(r2.ok());
  for (const column_stats& st : (*r2)->batch_info(0).stats) {
    EXPECT_EQ(st.nulls, 1u);
    EXPECT_FALSE(st.has_min_max);
  }
  for (const column_stats& st : (*r2)->batch_info(1).stats) {
    EXPECT_EQ(st.nulls, 0u);
    EXPECT_TRUE(st.has_min_max);
  }
}

TEST(Columnar, LongStringsAndNaNKeepStatisticsSafe) {
  temp_dir dir;
  const std::string path = dir.file("long.tcol");
  const schema s{{{"s", type_id::string}, {"f", type_id::float64}}};
  const std::string lo = std::string(100, 'b') + "x";
  const std::string hi = std::string(70, 'c') + "\xff";
  const std::string all_ff(80, '\xff');
  write_file(path, s, {{lo, 1.0}, {hi, NAN}, {all_ff, 2.0}, {std::string("a"), 1.0}}, 2, 4);
  auto r = columnar_reader::open(path);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& s0 = (*r)->batch_info(0).stats;
  ASSERT_TRUE(s0[0].has_min_max);
  EXPECT_EQ(std::get<std::string>(s0[0].min), std::string(64, 'b'));        // a prefix: <= lo
  EXPECT_EQ(std::get<std::string>(s0[0].max), std::string(63, 'c') + "d");  // > hi
  EXPECT_FALSE(s0[1].has_min_max) << "NaN is unordered";
  EXPECT_TRUE(may_match((*r)->batch_info(0), {{0, bound_op::eq, lo}}));
  EXPECT_TRUE(may_match((*r)->batch_info(0), {{0, bound_op::eq, hi}}));
  EXPECT_TRUE(may_match((*r)->batch_info(0), {{0, bound_op::ge, hi}}));
  EXPECT_FALSE(may_match((*r)->batch_info(0), {{0, bound_op::gt, std::string(63, 'c') + "d"}}));
  EXPECT_TRUE(may_match((*r)->batch_info(0), {{1, bound_op::gt, 100.0}}));
  // 64 bytes of 0xFF have no finite upper bound in 64 bytes: no statistics.
  EXPECT_FALSE((*r)->batch_info(1).stats[0].has_min_max);
  EXPECT_TRUE(may_match((*r)->batch_info(1), {{0, bound_op::eq, all_ff}}));
}

columnar_batch_info info_with(uint64_t rows, column_stats st) {
  columnar_batch_info info;
  info.rows = rows;
  info.stats.push_back(std::move(st));
  return info;
}

column_stats range(value lo, value hi, uint64_t nulls = 0) {
  return column_stats{std::move(lo), std::move(hi), nulls, true};
}

TEST(Columnar, MayMatchTruthTable) {
  // Integers in [10, 20] with one NULL among 5 rows.
  const auto ints = info_with(5, range(int64_t{10}, int64_t{20}, 1));
  struct row_case {
    bound_op op;
    value c;
    bool expect;
  };
  const std::vector<row_case> cases = {
      {bound_op::eq, int64_t{9}, false},
      {bound_op::eq, int64_t{10}, true},
      {bound_op::eq, int64_t{15}, true},
      {bound_op::eq, int64_t{20}, true},
      {bound_op::eq, int64_t{21}, false},
      {bound_op::ne, int64_t{10}, true},
      {bound_op::lt, int64_t{10}, false},
      {bound_op::lt, int64_t{11}, true},
      {bound_op::le, int64_t{9}, false},
      {bound_op::le, int64_t{10}, true},
      {bound_op::gt, int64_t{20}, false},
      {bound_op::gt, int64_t{19}, true},
      {bound_op::ge, int64_t{21}, false},
      {bound_op::ge, int64_t{20}, true},
      // Mixed int64/float64 compares exactly.
      {bound_op::eq, 10.5, true},
      {bound_op::eq, 20.5, false},
      {bound_op::lt, 10.0, false},
      {bound_op::lt, 10.000001, true},
      {bound_op::gt, 19.999, true},
      {bound_op::gt, 20.0, false},
      {bound_op::le, 9.5, false},
      {bound_op::ge, 1e300, false},
      // NULL and NaN constants: x op NULL is never true; only <> holds for NaN.
      {bound_op::eq, value{}, false},
      {bound_op::ne, value{}, false},
      {bound_op::eq, NAN, false},
      {bound_op::ne, NAN, true},
      // Types the executor would not compare: the batch is kept.
      {bound_op::eq, std::string("x"), true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(may_match(ints, {{0, c.op, c.c}}), c.expect)
        << "op " << static_cast<int>(c.op) << " constant " << to_string(c.c);
  }
  // Every non-NULL value equal: <> that value matches nothing.
  const auto same = info_with(4, range(int64_t{7}, int64_t{7}, 2));
  EXPECT_FALSE(may_match(same, {{0, bound_op::ne, int64_t{7}}}));
  EXPECT_FALSE(may_match(same, {{0, bound_op::ne, 7.0}}));
  EXPECT_TRUE(may_match(same, {{0, bound_op::ne, int64_t{8}}}));
  EXPECT_TRUE(may_match(same, {{0, bound_op::eq, int64_t{7}}}));

  // Only NULLs: nothing satisfies any bound.
  const auto nulls = info_with(3, column_stats{value{}, value{}, 3, false});
  for (bound_op op : {bound_op::eq, bound_op::ne, bound_op::lt, bound_op::ge})
    EXPECT_FALSE(may_match(nulls, {{0, op, int64_t{1}}}));
  // Some rows but no bounds (e.g. a NaN batch): kept.
  const auto unknown = info_with(3, column_stats{value{}, value{}, 1, false});
  EXPECT_TRUE(may_match(unknown, {{0, bound_op::eq, 1.0}}));
  // An empty batch never matches; an out-of-range column is not judged.
  EXPECT_FALSE(may_match(info_with(0, range(int64_t{1}, int64_t{2})), {}));
  EXPECT_TRUE(may_match(ints, {{5, bound_op::eq, int64_t{0}}}));
  EXPECT_TRUE(may_match(ints, {}));

  // float64 statistics against int64 and float64 constants.
  const auto dbl = info_with(2, range(0.5, 2.5));
  EXPECT_TRUE(may_match(dbl, {{0, bound_op::eq, int64_t{1}}}));
  EXPECT_FALSE(may_match(dbl, {{0, bound_op::eq, int64_t{3}}}));
  EXPECT_FALSE(may_match(dbl, {{0, bound_op::lt, int64_t{0}}}));
  EXPECT_FALSE(may_match(dbl, {{0, bound_op::gt, 2.5}}));
  EXPECT_TRUE(may_match(dbl, {{0, bound_op::ge, 2.5}}));

  // Strings compare bytewise (0xFF sorts after ASCII).
  const auto str = info_with(3, range(std::string("MAIL"), std::string("SHIP")));
  EXPECT_TRUE(may_match(str, {{0, bound_op::eq, std::string("RAIL")}}));
  EXPECT_FALSE(may_match(str, {{0, bound_op::eq, std::string("AIR")}}));
  EXPECT_FALSE(may_match(str, {{0, bound_op::eq, std::string("SHIPX")}}));
  EXPECT_FALSE(may_match(str, {{0, bound_op::gt, std::string("SHIP")}}));
  EXPECT_TRUE(may_match(str, {{0, bound_op::lt, std::string("MAIM")}}));
  EXPECT_FALSE(may_match(str, {{0, bound_op::lt, std::string("MAIL")}}));
  EXPECT_FALSE(may_match(str, {{0, bound_op::ge, std::string("\xff")}}));
  EXPECT_TRUE(may_match(str, {{0, bound_op::eq, date_value{0}}})) << "not comparable: kept";

  // Dates against dates.
  const auto dates = info_with(10, range(d("1994-01-01"), d("1994-12-31")));
  EXPECT_FALSE(may_match(dates, {{0, bound_op::ge, d("1995-01-01")}}));
  EXPECT_TRUE(may_match(dates, {{0, bound_op::lt, d("1994-01-02")}}));
  EXPECT_FALSE(may_match(dates, {{0, bound_op::lt, d("1994-01-01")}}));
  EXPECT_TRUE(may_match(dates, {{0, bound_op::le, d("1994-01-01")}}));
  EXPECT_TRUE(may_match(dates, {{0, bound_op::eq, int64_t{8766}}})) << "not comparable: kept";

  // Booleans.
  const auto all_true = info_with(2, range(true, true));
  EXPECT_FALSE(may_match(all_true, {{0, bound_op::eq, false}}));
  EXPECT_TRUE(may_match(all_true, {{0, bound_op::eq, true}}));
  EXPECT_FALSE(may_match(all_true, {{0, bound_op::ne, true}}));

  // Bounds are a conjunction: one failing bound skips the batch.
  columnar_batch_info two = ints;
  two.stats.push_back(range(d("1994-01-01"), d("1994-12-31")));
  EXPECT_TRUE(may_match(two, {{0, bound_op::ge, int64_t{15}}, {1, bound_op::lt, d("1994-06-01")}}));
  EXPECT_FALSE(
      may_match(two, {{0, bound_op::ge, int64_t{15}}, {1, bound_op::lt, d("1993-06-01")}}));
}

// With real statistics: whenever some row satisfies a bound, the batch must
// not be skipped (and the check is not vacuous: some batches are skipped).
TEST(Columnar, MayMatchNeverSkipsAMatchingBatch) {
  temp_dir dir;
  const std::string path = dir.file("rand.tcol");
  const schema s{{{"i", type_id::int64}, {"s", type_id::string}, {"dt", type_id::date}}};
  std::mt19937_64 rng(42);
  rows data;
  for (int i = 0; i < 2000; ++i) {
    auto maybe_null = [&](value v) { return rng() % 10 == 0 ? value{} : v; };
    // Sorted-ish keys so batches have narrow ranges.
    data.push_back({maybe_null(int64_t{i / 3 + static_cast<int64_t>(rng() % 5)}),
                    maybe_null(std::string(1 + rng() % 3, static_cast<char>('a' + (i / 100)))),
                    maybe_null(date_value{static_cast<int64_t>(9000 + i / 10)})});
  }
  write_file(path, s, data, 50, 333);
  auto r = columnar_reader::open(path);
  ASSERT_TRUE(r.ok());
  int skipped = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const int col = static_cast<int>(rng() % 3);
    const auto op = static_cast<bound_op>(rng() % 6);
    value c = col == 0   ? value{int64_t{static_cast<int64_t>(rng() % 700)}}
              : col == 1 ? value{std::string(1 + rng() % 3, static_cast<char>('a' + rng() % 20))}
                         : value{date_value{static_cast<int64_t>(9000 + rng() % 200)}};
    for (size_t bi = 0; bi < (*r)->num_batches(); ++bi) {
      batch b;
      ASSERT_TRUE((*r)->read(bi, {col}, &b).ok());
      bool any = false;
      for (size_t j = 0; j < b.rows && !any; ++j) {
        const value v = b.get(j, 0);
        if (is_null(v)) continue;
        const auto cmp = v <=> c;
        switch (op) {
          case bound_op::eq:
            any = cmp == 0;
            break;
          case bound_op::ne:
            any = cmp != 0;
            break;
          case bound_op::lt:
            any = cmp < 0;
            break;
          case bound_op::le:
            any = cmp <= 0;
            break;
          case bound_op::gt:
            any = cmp > 0;
            break;
          case bound_op::ge:
            any = cmp >= 0;
            break;
        }
      }
      const bool keep = may_match((*r)->batch_info(bi), {{col, op, c}});
      if (any) {
        ASSERT_TRUE(keep) << "batch " << bi << " column " << col << " op " << static_cast<int>(op)
                          << " " << to_string(c);
      }
      skipped += !keep;
    }
  }
  EXPECT_GT(skipped, 100);
}

TEST(Columnar, SplitsCoverEveryBatchExactlyOnce) {
  temp_dir dir;
  const schema s{{{"k", type_id::int64}, {"v", type_id::string}}};
  std::vector<std::string> files;
  std::map<std::string, size_t> batches;
  for (int f = 0; f < 4; ++f) {
    rows data;
    for (int i = 0; i < f * 37; ++i) data.push_back({int64_t{i}, std::string(i % 50, 'x')});
    files.push_back(dir.file("p" + std::to_string(f) + ".tcol"));
    write_file(files.back(), s, data, 5, 11);
    auto r = columnar_reader::open(files.back());
    ASSERT_TRUE(r.ok());
    batches[files.back()] = (*r)->num_batches();
  }
  ASSERT_EQ(batches[files[0]], 0u);
  for (uint64_t target :
       {uint64_t{1}, uint64_t{100}, uint64_t{500}, uint64_t{2000}, uint64_t{1} << 40}) {
    auto splits = make_columnar_splits(files, target);
    ASSERT_TRUE(splits.ok()) << splits.status();
    std::map<std::string, size_t> next;  // per file: the next batch expected
    for (const columnar_split& sp : *splits) {
      EXPECT_GT(sp.count, 0u);
      EXPECT_EQ(sp.first, next[sp.path]) << "target " << target;
      next[sp.path] = sp.first + sp.count;
    }
    for (const auto& [path, n] : batches) EXPECT_EQ(next[path], n) << path << " target " << target;
    if (target == 1) {
      EXPECT_EQ(splits->size(), 8u + 15u + 23u);  // one batch each
    }
    if (target == uint64_t{1} << 40) {
      EXPECT_EQ(splits->size(), 3u);  // one per non-empty file
    }
  }
  EXPECT_FALSE(make_columnar_splits(files, 0).ok());
  // Files of another schema do not belong to the same scan.
  const std::string other = dir.file("other.tcol");
  write_file(other, schema{{{"k", type_id::string}}}, {{std::string("a")}}, 5, 1);
  auto bad = make_columnar_splits({files[1], other}, 100);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(other + ": the file has 1 columns, expected 2"),
            std::string::npos)
      << bad.status();
}

TEST(Columnar, WriteIsAtomic) {
  temp_dir dir;
  const std::string path = dir.file("a.tcol");
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    auto w = columnar_writer::create(path, all_types(), 2);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ((*w)->temp_path(), tmp);
    ASSERT_TRUE((*w)->append(make_batch(all_types(), sample_rows())).ok());
    EXPECT_FALSE(std::filesystem::exists(path));
    EXPECT_TRUE(std::filesystem::exists(tmp));
    ASSERT_TRUE((*w)->close().ok());
    EXPECT_TRUE(std::filesystem::exists(path));
    EXPECT_FALSE(std::filesystem::exists(tmp));
    EXPECT_FALSE((*w)->close().ok()) << "second close";
  }
  {
    // Destroyed without close: the temp file goes, the old file stays.
    auto w = columnar_writer::create(path, all_types(), 2);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->append(make_batch(all_types(), {sample_rows()[0]})).ok());
    EXPECT_TRUE(std::filesystem::exists(tmp));
  }
  EXPECT_FALSE(std::filesystem::exists(tmp));
  auto still = read_all(path, all_of(all_types()));
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(*still, sample_rows());
  {
    // A bad append fails the writer; close reports it and leaves nothing.
    const std::string p2 = dir.file("b.tcol");
    auto w = columnar_writer::create(p2, all_types(), 2);
    ASSERT_TRUE(w.ok());
    auto st = (*w)->append(make_batch(schema{{{"x", type_id::string}}}, {{std::string("a")}}));
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(st.message().find("appended batch has 1 columns, the file 5"), std::string::npos)
        << st;
    schema swapped = all_types();
    std::swap(swapped.fields[0], swapped.fields[1]);
    st = (*w)->append(make_batch(swapped, {}));
    EXPECT_NE(st.message().find("appended column 1 is DOUBLE, the file's \"i\" is BIGINT"),
              std::string::npos)
        << st;
  }
  EXPECT_FALSE(columnar_writer::create(dir.file("c.tcol"), all_types(), 0).ok());
  EXPECT_FALSE(columnar_writer::create(dir.file("c.tcol"), schema{}).ok());
  EXPECT_EQ(columnar_writer::create(dir.file("no/such/dir.tcol"), all_types()).status().code(),
            absl::StatusCode::kNotFound);
  std::set<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    left.insert(e.path().filename().string());
  EXPECT_EQ(left, (std::set<std::string>{"a.tcol"}));
}

std::string csv_of(int first, int n) {
  std::string out = "id,name,price,day\n";
  for (int i = first; i < first + n; ++i) {
    out += std::to_string(i) + ",n" + std::to_string(i % 7) + "," + std::to_string(i) + ".25," +
           "1995-03-" + (i % 28 + 1 < 10 ? "0" : "") + std::to_string(i % 28 + 1) + "\n";
  }
  return out;
}

TEST(Columnar, ConvertCsvDirectory) {
  temp_dir dir;
  std::vector<std::string> csvs;
  for (int f = 0; f < 3; ++f)
    csvs.push_back(dir.write("part-00" + std::to_string(f) + ".csv", csv_of(f * 1000, 1000 + f)));
  auto s = infer_csv_schema(csvs[0], csv_options{});
  ASSERT_TRUE(s.ok());
  const std::string out = dir.file("out/nested");
  auto rows_written = convert_csv_to_columnar(csvs, *s, out, convert_options{',', true, 300});
  ASSERT_TRUE(rows_written.ok()) << rows_written.status();
  EXPECT_EQ(*rows_written, 3003u);
  std::set<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(out))
    names.insert(e.path().filename().string());
  EXPECT_EQ(names, (std::set<std::string>{"part-000.tcol", "part-001.tcol", "part-002.tcol"}));
  for (int f = 0; f < 3; ++f) {
    auto expect = testing_util::read_file(csvs[f], *s, all_of(*s));
    ASSERT_TRUE(expect.ok());
    auto got = read_all(out + "/part-00" + std::to_string(f) + ".tcol", all_of(*s));
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, *expect);
    auto r = columnar_reader::open(out + "/part-00" + std::to_string(f) + ".tcol", *s);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)->file_schema(), *s);
    EXPECT_EQ((*r)->num_batches(), 4u);
  }
}

TEST(Columnar, ConvertErrorNamesFileAndLineAndLeavesNothing) {
  temp_dir dir;
  std::vector<std::string> csvs;
  csvs.push_back(dir.write("a.csv", csv_of(0, 5000)));
  std::string bad = csv_of(0, 10);
  bad.replace(bad.find("\n4,n4,4.25"), 10, "\n4,n4,4.x5");  // line 6 (header is line 1)
  csvs.push_back(dir.write("b.csv", bad));
  csvs.push_back(dir.write("c.csv", csv_of(0, 5000)));
  auto s = infer_csv_schema(csvs[0], csv_options{});
  ASSERT_TRUE(s.ok());
  // Into a new directory: it is gone afterwards.
  const std::string out = dir.file("new");
  auto r = convert_csv_to_columnar(csvs, *s, out, convert_options{',', true, 100});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(csvs[1] + ":6:3: column \"price\": expected DOUBLE, got "
                                                "\"4.x5\""),
            std::string::npos)
      << r.status();
  EXPECT_FALSE(std::filesystem::exists(out));
  // Into an existing directory: what was there stays, nothing is added.
  const std::string existing = dir.file("old");
  std::filesystem::create_directory(existing);
  dir.write("old/keep.txt", "x");
  r = convert_csv_to_columnar(csvs, *s, existing, convert_options{});
  ASSERT_FALSE(r.ok());
  std::set<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(existing))
    names.insert(e.path().filename().string());
  EXPECT_EQ(names, (std::set<std::string>{"keep.txt"}));
  // Ragged rows name the line too.
  csvs = {dir.write("d.csv", "x,y\n1,2\n3\n")};
  r = convert_csv_to_columnar(csvs, schema{{{"x", type_id::int64}, {"y", type_id::int64}}},
                              dir.file("d"), convert_options{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(csvs[0] + ":3"), std::string::npos) << r.status();
  // Two inputs with one output name.
  std::filesystem::create_directory(dir.file("sub"));
  r = convert_csv_to_columnar({csvs[0], dir.write("sub/d.csv", "x,y\n")},
                              schema{{{"x", type_id::int64}, {"y", type_id::int64}}}, dir.file("d"),
                              convert_options{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("would both become d.tcol"), std::string::npos) << r.status();
}

// Throughput of the CSV reader vs the columnar reader on TPC-H lineitem, one
// thread each (page cache warm, best of 3). Run by hand:
//   TRANCHE_BENCH_DIR=/tmp/tp io_tests --gtest_also_run_disabled_tests
//     --gtest_filter='*DISABLED_ReadThroughput*'
// reads DIR/lineitem/*.csv (generating TPC-H SF 0.1 into DIR first if absent).
TEST(Columnar, DISABLED_ReadThroughput) {
  const char* bench_dir = std::getenv("TRANCHE_BENCH_DIR");
  if (bench_dir == nullptr) GTEST_SKIP() << "set TRANCHE_BENCH_DIR";
  const std::string dir_in = std::string(bench_dir) + "/lineitem";
  if (!std::filesystem::exists(dir_in)) {
    tpch_options o;
    o.scale = 0.1;
    ASSERT_TRUE(generate_tpch(bench_dir, o).ok());
  }
  std::vector<std::string> csvs;
  for (const auto& e : std::filesystem::directory_iterator(dir_in))
    if (e.path().extension() == ".csv") csvs.push_back(e.path().string());
  std::sort(csvs.begin(), csvs.end());
  ASSERT_FALSE(csvs.empty());
  auto s = infer_csv_schema(csvs[0], csv_options{});
  ASSERT_TRUE(s.ok());
  const auto cols = all_of(*s);
  using clock = std::chrono::steady_clock;
  auto secs = [](clock::time_point t0) {
    return std::chrono::duration<double>(clock::now() - t0).count();
  };
  uint64_t csv_bytes = 0, csv_rows = 0;
  for (const auto& f : csvs) csv_bytes += std::filesystem::file_size(f);
  // Warm the page cache.
  for (const auto& f : csvs) (void)read_bytes(f);
  double best_csv = 1e9;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = clock::now();
    csv_rows = 0;
    for (const auto& f : csvs) {
      csv_options o;
      o.batch_rows = 65536;
      auto rd = csv_reader::open(file_split{f, 0, UINT64_MAX}, *s, cols, o);
      ASSERT_TRUE(rd.ok());
      batch b;
      while (*(*rd)->next(&b)) csv_rows += b.rows;
    }
    best_csv = std::min(best_csv, secs(t0));
  }
  temp_dir dir;
  auto t0 = clock::now();
  auto n = convert_csv_to_columnar(csvs, *s, dir.path(), convert_options{});
  const double convert_s = secs(t0);
  ASSERT_TRUE(n.ok()) << n.status();
  ASSERT_EQ(*n, csv_rows);
  std::vector<std::string> tcols;
  uint64_t col_bytes = 0;
  for (const auto& f : csvs) {
    tcols.push_back(dir.path() + "/" + columnar_file_name(f));
    col_bytes += std::filesystem::file_size(tcols.back());
  }
  double best_col = 1e9;
  uint64_t col_rows = 0;
  for (int rep = 0; rep < 3; ++rep) {
    t0 = clock::now();
    col_rows = 0;
    for (const auto& f : tcols) {
      auto rd = columnar_reader::open(f);
      ASSERT_TRUE(rd.ok());
      batch b;
      for (size_t i = 0; i < (*rd)->num_batches(); ++i) {
        ASSERT_TRUE((*rd)->read(i, cols, &b).ok());
        col_rows += b.rows;
      }
    }
    best_col = std::min(best_col, secs(t0));
  }
  ASSERT_EQ(col_rows, csv_rows);
  // TPC-H Q6's four columns: the columnar reader touches only their bytes.
  std::vector<int> q6;
  for (const char* name : {"l_quantity", "l_extendedprice", "l_discount", "l_shipdate"})
    q6.push_back(s->find(name));
  double best_csv_q6 = 1e9, best_col_q6 = 1e9;
  for (int rep = 0; rep < 3; ++rep) {
    t0 = clock::now();
    for (const auto& f : csvs) {
      csv_options o;
      o.batch_rows = 65536;
      auto rd = csv_reader::open(file_split{f, 0, UINT64_MAX}, *s, q6, o);
      ASSERT_TRUE(rd.ok());
      batch b;
      while (*(*rd)->next(&b)) {
      }
    }
    best_csv_q6 = std::min(best_csv_q6, secs(t0));
    t0 = clock::now();
    for (const auto& f : tcols) {
      auto rd = columnar_reader::open(f);
      ASSERT_TRUE(rd.ok());
      batch b;
      for (size_t i = 0; i < (*rd)->num_batches(); ++i) ASSERT_TRUE((*rd)->read(i, q6, &b).ok());
    }
    best_col_q6 = std::min(best_col_q6, secs(t0));
  }
  std::printf("rows %llu, CSV %.1f MB, columnar %.1f MB; convert %.2f s (all cores)\n",
              static_cast<unsigned long long>(csv_rows), csv_bytes / 1e6, col_bytes / 1e6,
              convert_s);
  std::printf("CSV reader:      %.3f s  %.0f MB/s of CSV  %.2f M rows/s (1 thread)\n", best_csv,
              csv_bytes / 1e6 / best_csv, csv_rows / 1e6 / best_csv);
  std::printf(
      "columnar reader: %.3f s  %.0f MB/s of file %.0f MB/s CSV-equivalent  %.2f M rows/s"
      " (1 thread)\n",
      best_col, col_bytes / 1e6 / best_col, csv_bytes / 1e6 / best_col, col_rows / 1e6 / best_col);
  std::printf("Q6's 4 columns:  CSV %.3f s (%.2f M rows/s), columnar %.3f s (%.2f M rows/s)\n",
              best_csv_q6, csv_rows / 1e6 / best_csv_q6, best_col_q6, col_rows / 1e6 / best_col_q6);
}

}  // namespace
}  // namespace tranche
