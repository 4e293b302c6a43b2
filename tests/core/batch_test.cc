// Tests of tranche/batch.h: column builders with NULLs, make_batch / row_of,
// take and concat across every type.
#include "tranche/batch.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace tranche {
namespace {

value s(const char* v) { return std::string(v); }

const schema kAll{{{"i", type_id::int64},
                   {"f", type_id::float64},
                   {"b", type_id::boolean},
                   {"s", type_id::string},
                   {"d", type_id::date}}};

std::vector<std::vector<value>> rows_of(const batch& b) {
  std::vector<std::vector<value>> r;
  for (size_t i = 0; i < b.rows; ++i) r.push_back(row_of(b, i));
  return r;
}

TEST(Column, AppendWithNulls) {
  column c(type_id::int64);
  c.append_int(1);
  EXPECT_FALSE(c.has_nulls());
  c.append_null();
  c.append_int(3);
  EXPECT_EQ(c.size(), 3u);
  EXPECT_TRUE(c.has_nulls());
  EXPECT_FALSE(c.is_null(0));
  EXPECT_TRUE(c.is_null(1));
  EXPECT_FALSE(c.is_null(2));
  EXPECT_EQ(c.get(0), value(int64_t{1}));
  EXPECT_EQ(c.get(1), value{});
  EXPECT_EQ(c.get(2), value(int64_t{3}));

  column str(type_id::string);
  str.append_string("ab");
  str.append_null();
  str.append_string("");
  str.append_string("cde");
  EXPECT_EQ(str.str(0), "ab");
  EXPECT_EQ(str.str(1), "");
  EXPECT_EQ(str.str(3), "cde");
  EXPECT_EQ(str.get(1), value{});
  EXPECT_EQ(str.get(2), s(""));
  EXPECT_EQ(str.offsets().size(), 5u);
}

TEST(Column, CompactValidityDropsAllValidMaps) {
  column c(type_id::float64);
  c.append_double(1);
  c.valid().assign(1, 1);
  c.compact_validity();
  EXPECT_FALSE(c.has_nulls());
  c.append_null();
  c.compact_validity();
  EXPECT_TRUE(c.has_nulls());
}

TEST(Column, AppendValueChecksTheType) {
  column c(type_id::float64);
  c.append_value(value{int64_t{2}});  // widened
  EXPECT_EQ(c.get(0), value{2.0});
  EXPECT_THROW(c.append_value(s("x")), std::logic_error);
  column d(type_id::date);
  d.append_value(value{date_value{5}});
  EXPECT_EQ(d.get(0), value{date_value{5}});
  EXPECT_THROW(d.append_value(value{int64_t{5}}), std::logic_error);
}

TEST(Batch, MakeBatchAndRowOf) {
  const std::vector<std::vector<value>> rows = {{int64_t{1}, 1.5, true, s("a"), date_value{1}},
                                                {value{}, value{}, value{}, value{}, value{}},
                                                {int64_t{3}, -2.0, false, s(""), date_value{-3}}};
  batch b = make_batch(kAll, rows);
  EXPECT_EQ(b.rows, 3u);
  EXPECT_EQ(b.schema, kAll);
  EXPECT_EQ(rows_of(b), rows);
  EXPECT_EQ(b.get(2, 3), s(""));
  for (const auto& c : b.columns) EXPECT_TRUE(c->has_nulls());
}

TEST(Batch, TakeGathersInOrderWithRepeats) {
  batch b = make_batch(kAll, {{int64_t{1}, 1.5, true, s("a"), date_value{1}},
                              {value{}, value{}, value{}, value{}, value{}},
                              {int64_t{3}, -2.0, false, s("ccc"), date_value{-3}}});
  batch t = take(b, {2, 0, 2, 1});
  EXPECT_EQ(t.rows, 4u);
  EXPECT_EQ(rows_of(t),
            (std::vector<std::vector<value>>{{int64_t{3}, -2.0, false, s("ccc"), date_value{-3}},
                                             {int64_t{1}, 1.5, true, s("a"), date_value{1}},
                                             {int64_t{3}, -2.0, false, s("ccc"), date_value{-3}},
                                             {value{}, value{}, value{}, value{}, value{}}}));
  // Without the NULL row the validity map is dropped.
  batch u = take(b, {0, 2});
  for (const auto& c : u.columns) EXPECT_FALSE(c->has_nulls());
  batch none = take(b, {});
  EXPECT_EQ(none.rows, 0u);
  EXPECT_EQ(none.columns.size(), 5u);
}

TEST(Batch, ConcatKeepsOrderAndNulls) {
  auto a =
      std::make_shared<batch>(make_batch(kAll, {{int64_t{1}, 1.0, true, s("x"), date_value{1}}}));
  auto b = std::make_shared<batch>(make_batch(kAll, {}));
  auto c = std::make_shared<batch>(
      make_batch(kAll, {{value{}, 2.0, value{}, s("yy"), value{}},
                        {int64_t{4}, value{}, false, value{}, date_value{4}}}));
  batch all = concat({a, b, c});
  EXPECT_EQ(all.rows, 3u);
  EXPECT_EQ(all.schema, kAll);
  EXPECT_EQ(rows_of(all), (std::vector<std::vector<value>>{
                              {int64_t{1}, 1.0, true, s("x"), date_value{1}},
                              {value{}, 2.0, value{}, s("yy"), value{}},
                              {int64_t{4}, value{}, false, value{}, date_value{4}}}));
  EXPECT_EQ(concat({}).rows, 0u);
}

}  // namespace
}  // namespace tranche
