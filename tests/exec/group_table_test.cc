// Unit tests of group_table (exec's GROUP BY hash table): every path -- direct
// and hashed int64 (and the switch between them), packed short and hashed long
// strings, composite keys whose folds rebuild as columns grow -- must number
// groups exactly like a first-seen std::map over the key tuples, with NULL as
// a value of its own, and keep the first-seen key values.
#include "exec/group_table.h"

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <random>

#include "exec_test_util.h"

namespace tranche {
namespace {

using namespace test;

// Feeds the batches in turn and compares ids and stored keys with the reference.
void check_ids(const std::vector<type_id>& types, const std::vector<batch>& batches) {
  group_table table(types);
  std::map<std::vector<value>, uint32_t> ref;
  std::vector<uint32_t> gids;
  for (const auto& b : batches) {
    std::vector<const column*> keys;
    for (const auto& c : b.columns) keys.push_back(c.get());
    table.assign(keys, b.rows, &gids);
    ASSERT_EQ(gids.size(), b.rows);
    for (size_t i = 0; i < b.rows; ++i) {
      auto [it, inserted] = ref.emplace(row_of(b, i), static_cast<uint32_t>(ref.size()));
      ASSERT_EQ(gids[i], it->second) << "row " << i;
    }
  }
  ASSERT_EQ(table.size(), ref.size());
  std::vector<std::vector<value>> by_id(ref.size());
  for (const auto& [key, id] : ref) by_id[id] = key;
  const auto cols = table.keys(0, table.size());
  ASSERT_EQ(cols.size(), types.size());
  for (size_t id = 0; id < by_id.size(); ++id)
    for (size_t c = 0; c < types.size(); ++c) ASSERT_EQ(cols[c]->get(id), by_id[id][c]);
}

schema schema_of(const std::vector<type_id>& types) {
  schema s;
  for (size_t i = 0; i < types.size(); ++i) s.fields.push_back({"k" + std::to_string(i), types[i]});
  return s;
}

batch ints(const std::vector<value>& v) { return column_batch(type_id::int64, v); }

TEST(GroupTable, IntDenseThenSparseThenDenseAgain) {
  std::mt19937_64 rng(1);
  std::vector<value> a, b, c;
  for (int i = 0; i < 3000; ++i) a.push_back(rng() % 10 == 0 ? null_v : I(rng() % 1000));
  for (int i = 0; i < 3000; ++i) b.push_back(rng() % 2 ? I(rng() % 1000) : I(5000000000LL));
  b.push_back(I(std::numeric_limits<int64_t>::min()));
  b.push_back(I(std::numeric_limits<int64_t>::max()));
  for (int i = 0; i < 3000; ++i) c.push_back(I(rng() % 1200));
  check_ids({type_id::int64}, {ints(a), ints(b), ints(c)});
}

TEST(GroupTable, IntRangeGrowsUpAndDown) {
  std::vector<value> a, b, c, d;
  for (int i = 0; i < 100; ++i) a.push_back(I(1000 + i % 37));
  for (int i = 0; i < 100; ++i) b.push_back(I(-3000 + i));
  for (int i = 0; i < 100; ++i) c.push_back(I(40000 - i * 7));
  for (int i = 0; i < 100; ++i) d.push_back(i % 3 ? I(1000 + i % 5) : null_v);
  check_ids({type_id::int64}, {ints(a), ints(b), ints(c), ints(d)});
}

TEST(GroupTable, ExtremeIntsOnly) {
  const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  check_ids({type_id::int64}, {ints({I(hi), I(hi - 1), I(hi)}), ints({I(lo), I(lo + 1), I(hi)})});
}

TEST(GroupTable, DatesBooleansAndDoubles) {
  check_ids(
      {type_id::date},
      {column_batch(type_id::date, {D("1998-09-02"), null_v, D("1970-01-01"), D("1998-09-02")})});
  check_ids({type_id::boolean},
            {column_batch(type_id::boolean, {B(true), B(false), null_v, B(true)}),
             column_batch(type_id::boolean, {B(false), null_v})});
  // -0.0 and 0.0 are one group (the reference map agrees: neither is less).
  check_ids({type_id::float64},
            {column_batch(type_id::float64, {F(0.0), F(-0.0), F(1.5), null_v, F(-1e300), F(1.5)})});
}

TEST(GroupTable, StringsShortLongAndAtBufferEnd) {
  std::vector<value> a = {S("A"),
                          S("N"),
                          S("A"),
                          S(""),
                          null_v,
                          S("1234567"),
                          S("12345678"),
                          S(std::string("a\0", 2)),
                          S("a"),
                          S("a long string value"),
                          S("a long string value"),
                          S("R")};
  // Many distinct values: the linear lists (16), the packed cache (256 slots)
  // and the hash maps all come into play.
  std::mt19937_64 rng(2);
  std::vector<value> b;
  for (int i = 0; i < 4000; ++i) {
    const uint64_t r = rng() % 700;
    if (r % 50 == 0) {
      b.push_back(null_v);
    } else if (r % 2) {
      b.push_back(S(std::to_string(r)));  // short
    } else {
      b.push_back(S("long-string-" + std::to_string(r)));
    }
  }
  check_ids({type_id::string}, {column_batch(type_id::string, a), column_batch(type_id::string, b),
                                column_batch(type_id::string, {S("R"), S("x")})});
}

TEST(GroupTable, CompositeKeysWithGrowingColumns) {
  // The string column's cardinality grows 2 -> ~60 -> ~3000 over the batches,
  // so the fold rebuilds with wider ids twice; ids must not change.
  const std::vector<type_id> types = {type_id::int64, type_id::string, type_id::boolean};
  std::mt19937_64 rng(3);
  std::vector<batch> batches;
  for (uint64_t card : {2, 60, 3000}) {
    rows_t rows;
    for (int i = 0; i < 5000; ++i) {
      value k = rng() % 20 == 0 ? null_v : I(static_cast<int64_t>(rng() % 7));
      value s = rng() % 20 == 0 ? null_v : S("s" + std::to_string(rng() % card));
      value b = rng() % 20 == 0 ? null_v : B(rng() % 2 == 0);
      rows.push_back({k, s, b});
    }
    batches.push_back(make_batch(schema_of(types), rows));
  }
  check_ids(types, batches);
}

TEST(GroupTable, CompositeTwoLowCardinalityStrings) {
  // TPC-H Q1's shape: (returnflag, linestatus).
  const std::vector<type_id> types = {type_id::string, type_id::string};
  std::mt19937_64 rng(4);
  rows_t rows;
  const char* flags[] = {"A", "N", "R"};
  const char* status[] = {"F", "O"};
  for (int i = 0; i < 3000; ++i) rows.push_back({S(flags[rng() % 3]), S(status[rng() % 2])});
  check_ids(types, {make_batch(schema_of(types), rows)});
}

TEST(GroupTable, NoKeysIsOneGroup) {
  group_table table({});
  EXPECT_EQ(table.size(), 1u);
  std::vector<uint32_t> gids;
  table.assign({}, 3, &gids);
  EXPECT_EQ(gids, (std::vector<uint32_t>{0, 0, 0}));
  EXPECT_EQ(table.size(), 1u);
  EXPECT_TRUE(table.keys(0, 1).empty());
}

}  // namespace
}  // namespace tranche
