// Tests of csv_reader (runtime/io/csv.cc): RFC 4180 quoting, line endings,
// NULLs, projection, every type's parsing (fast paths against the library
// parsers), batching, and the exact text of each error.
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <random>

#include "io/csv.h"
#include "test_util.h"

namespace tranche {
namespace {

using testing_util::d;
using testing_util::read_file;
using testing_util::rows;
using testing_util::temp_dir;

value i(int64_t v) { return v; }
value f(double v) { return v; }
value s(const char* v) { return std::string(v); }
const value kNull;

schema make_schema(std::vector<field> f) { return schema{std::move(f)}; }

const schema kOrders = make_schema({{"key", type_id::int64},
                                    {"price", type_id::float64},
                                    {"quantity", type_id::int64},
                                    {"shipdate", type_id::date},
                                    {"flag", type_id::string}});

std::string error_of(const absl::StatusOr<rows>& r) {
  return r.ok() ? "(ok)" : std::string(r.status().message());
}

TEST(CsvReader, ReadsHeaderedFileWithEveryType) {
  temp_dir dir;
  auto path = dir.write("t.csv",
                        "key,price,quantity,shipdate,flag\n"
                        "1,12.50,3,1998-09-02,A\n"
                        "-7,0.1,50,1992-01-01,N\n");
  auto r = read_file(path, kOrders, {0, 1, 2, 3, 4});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (rows{{i(1), f(12.5), i(3), d("1998-09-02"), s("A")},
                      {i(-7), f(0.1), i(50), d("1992-01-01"), s("N")}}));
}

TEST(CsvReader, CustomDelimiterAndNoHeader) {
  temp_dir dir;
  auto path = dir.write("t.psv", "1|a,b|true\n2|c|FALSE\n");
  csv_options opts;
  opts.delimiter = '|';
  opts.header = false;
  schema sch =
      make_schema({{"n", type_id::int64}, {"t", type_id::string}, {"b", type_id::boolean}});
  auto r = read_file(path, sch, {0, 1, 2}, opts);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (rows{{i(1), s("a,b"), value(true)}, {i(2), s("c"), value(false)}}));
}

TEST(CsvReader, QuotedFields) {
  temp_dir dir;
  auto path = dir.write("t.csv",
                        "n,t\n"
                        "\"42\",\"a,b\"\n"
                        "2,\"line one\nline two\"\n"
                        "3,\"say \"\"hi\"\"\"\n"
                        "4,\"\"\n"
                        "5,\"\"\"\"\n"
                        "6,\"crlf\r\ninside\"\r\n");
  schema sch = make_schema({{"n", type_id::int64}, {"t", type_id::string}});
  auto r = read_file(path, sch, {0, 1});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (rows{{i(42), s("a,b")},
                      {i(2), s("line one\nline two")},
                      {i(3), s("say \"hi\"")},
                      {i(4), s("")},
                      {i(5), s("\"")},
                      {i(6), s("crlf\r\ninside")}}));
}

TEST(CsvReader, CrlfLineEndingsAndMissingFinalNewline) {
  temp_dir dir;
  schema sch =
      make_schema({{"n", type_id::int64}, {"x", type_id::float64}, {"t", type_id::string}});
  const rows want = {{i(1), f(2.5), s("a")}, {i(3), kNull, kNull}, {i(4), f(5), s("b c")}};
  for (const char* text :
       {"n,x,t\r\n1,2.5,a\r\n3,,\r\n4,5,b c\r\n", "n,x,t\r\n1,2.5,a\r\n3,,\r\n4,5,b c",
        "n,x,t\n1,2.5,a\n3,,\n4,5,b c", "n,x,t\n1,2.5,a\n3,,\n4,5,b c\n\n"}) {
    auto r = read_file(dir.write("t.csv", text), sch, {0, 1, 2});
    ASSERT_TRUE(r.ok()) << r.status() << " for " << text;
    EXPECT_EQ(*r, want) << text;
  }
}

TEST(CsvReader, EmptyUnquotedFieldIsNullForEveryType) {
  temp_dir dir;
  auto path = dir.write("t.csv", "a,b,c,d,e\n,,,,\n1,2,true,2000-02-29,x\n,,,,\n");
  schema sch = make_schema({{"a", type_id::int64},
                            {"b", type_id::float64},
                            {"c", type_id::boolean},
                            {"d", type_id::date},
                            {"e", type_id::string}});
  auto r = read_file(path, sch, {0, 1, 2, 3, 4});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (rows{{kNull, kNull, kNull, kNull, kNull},
                      {i(1), f(2), value(true), d("2000-02-29"), s("x")},
                      {kNull, kNull, kNull, kNull, kNull}}));
}

TEST(CsvReader, EmptyQuotedFieldIsEmptyStringButAnErrorForOtherTypes) {
  temp_dir dir;
  schema sch = make_schema({{"t", type_id::string}, {"n", type_id::int64}});
  auto ok = read_file(dir.write("a.csv", "t,n\n\"\",1\n"), sch, {0, 1});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, (rows{{s(""), i(1)}}));
  auto path = dir.write("b.csv", "t,n\nx,\"\"\n");
  EXPECT_EQ(error_of(read_file(path, sch, {0, 1})),
            path + ":2:2: column \"n\": expected BIGINT, got \"\"");
}

TEST(CsvReader, SingleColumnBlankLinesAreNullsButTrailingOnesAreIgnored) {
  temp_dir dir;
  auto path = dir.write("t.csv", "v\n1\n\n2\n\n\n");
  auto r = read_file(path, make_schema({{"v", type_id::int64}}), {0});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (rows{{i(1)}, {kNull}, {i(2)}}));
}

TEST(CsvReader, BlankLinesBetweenMultiFieldRowsAreSkipped) {
  temp_dir dir;
  auto path = dir.write("t.csv", "a,b\n1,2\n\n\r\n3,4\n");
  auto r = read_file(path, make_schema({{"a", type_id::int64}, {"b", type_id::int64}}), {0, 1});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (rows{{i(1), i(2)}, {i(3), i(4)}}));
}

TEST(CsvReader, ProjectsColumnsInAnyOrder) {
  temp_dir dir;
  auto path = dir.write("t.csv",
                        "key,price,quantity,shipdate,flag\n"
                        "1,12.50,3,1998-09-02,A\n"
                        "2,\"1,000\",4,bad date ignored,\"N\"\n");
  // Unprojected fields are not parsed: the bad price and date do not matter.
  auto r = read_file(path, kOrders, {4, 0, 2});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (rows{{s("A"), i(1), i(3)}, {s("N"), i(2), i(4)}}));

  auto reader = csv_reader::open({path, 0, 1000}, kOrders, {2, 2}, {});
  ASSERT_TRUE(reader.ok()) << reader.status();
  batch b;
  ASSERT_TRUE(*(*reader)->next(&b));
  EXPECT_EQ(b.schema, make_schema({{"quantity", type_id::int64}, {"quantity", type_id::int64}}));
  EXPECT_EQ(b.rows, 2u);
  EXPECT_EQ(b.get(1, 1), i(4));

  // No columns at all still counts rows (COUNT(*)).
  auto none = csv_reader::open({path, 0, 1000}, kOrders, {}, {});
  ASSERT_TRUE(none.ok());
  ASSERT_TRUE(*(*none)->next(&b));
  EXPECT_EQ(b.rows, 2u);
  EXPECT_TRUE(b.columns.empty());
}

TEST(CsvReader, EmitsBatchesOfBatchRows) {
  temp_dir dir;
  std::string text = "v\n";
  for (int k = 0; k < 10; ++k) text += std::to_string(k) + "\n";
  auto path = dir.write("t.csv", text);
  csv_options opts;
  opts.batch_rows = 3;
  auto reader =
      csv_reader::open({path, 0, text.size()}, make_schema({{"v", type_id::int64}}), {0}, opts);
  ASSERT_TRUE(reader.ok());
  std::vector<size_t> sizes;
  int64_t expect = 0;
  batch b;
  for (;;) {
    auto more = (*reader)->next(&b);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    sizes.push_back(b.rows);
    for (size_t k = 0; k < b.rows; ++k) EXPECT_EQ(b.columns[0]->i64()[k], expect++);
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 3, 3, 1}));
  auto again = (*reader)->next(&b);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
}

TEST(CsvReader, BooleansInAnyCase) {
  temp_dir dir;
  auto path = dir.write("t.csv", "b\ntrue\nFALSE\nTrue\nfAlSe\n\n");
  auto r = read_file(path, make_schema({{"b", type_id::boolean}}), {0});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (rows{{value(true)}, {value(false)}, {value(true)}, {value(false)}}));
  auto bad = dir.write("u.csv", "b\ntrue\nyes\n");
  EXPECT_EQ(error_of(read_file(bad, make_schema({{"b", type_id::boolean}}), {0})),
            bad + ":3:1: column \"b\": expected BOOLEAN, got \"yes\"");
}

TEST(CsvReader, DatesAreValidatedAgainstTheCalendar) {
  temp_dir dir;
  schema sch = make_schema({{"d", type_id::date}});
  auto ok = read_file(dir.write("a.csv", "d\n2000-02-29\n1970-01-01\n0001-01-01\n9999-12-31\n"),
                      sch, {0});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(
      *ok, (rows{{d("2000-02-29")}, {value(date_value{0})}, {d("0001-01-01")}, {d("9999-12-31")}}));
  for (const char* bad : {"1900-02-29", "2023-02-29", "2023-04-31", "2023-13-01", "2023-00-10",
                          "2023-1-01", "2023/01/01", "2023-01-01x"}) {
    auto path = dir.write("b.csv", std::string("d\n2020-01-01\n") + bad + "\n");
    EXPECT_EQ(error_of(read_file(path, sch, {0})),
              path + ":3:1: column \"d\": expected DATE, got \"" + bad + "\"");
  }
}

// The reader's SWAR and Clinger fast paths must agree bit for bit with
// std::from_chars on every spelling of a number.
TEST(CsvReader, DoublesMatchFromChars) {
  std::mt19937_64 rng(7);
  std::vector<std::string> texts = {"0",
                                    "-0",
                                    "0.0",
                                    "-0.0",
                                    "1.",
                                    ".5",
                                    "-.5",
                                    "+2.5",
                                    "1e3",
                                    "1E-3",
                                    "-2.5e+10",
                                    "0.1",
                                    "0.3",
                                    "9007199254740993",
                                    "123456789012345678901234567890",
                                    "1.7976931348623157e308",
                                    "4.9e-324",
                                    "0.000001",
                                    "12345678.12345678",
                                    "1234567.1234567",
                                    "99999999999999.9"};
  for (int k = 0; k < 20000; ++k) {
    std::string t;
    if (rng() % 4 == 0) t += '-';
    const int int_digits = 1 + static_cast<int>(rng() % 17);
    for (int j = 0; j < int_digits; ++j) t += static_cast<char>('0' + rng() % 10);
    if (rng() % 3 != 0) {
      t += '.';
      const int frac_digits = static_cast<int>(rng() % 17);
      for (int j = 0; j < frac_digits; ++j) t += static_cast<char>('0' + rng() % 10);
    }
    texts.push_back(t);
  }
  std::string csv = "x,y\n";
  for (const auto& t : texts) csv += t + "," + t + "\n";
  temp_dir dir;
  auto r = read_file(dir.write("t.csv", csv),
                     make_schema({{"x", type_id::float64}, {"y", type_id::string}}), {0});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), texts.size());
  for (size_t k = 0; k < texts.size(); ++k) {
    std::string_view t = texts[k];
    if (t[0] == '+') t.remove_prefix(1);
    double want = 0;
    auto res = std::from_chars(t.data(), t.data() + t.size(), want);
    ASSERT_EQ(res.ec, std::errc()) << texts[k];
    const double got = std::get<double>((*r)[k][0]);
    EXPECT_EQ(std::memcmp(&got, &want, sizeof got), 0) << texts[k] << ": " << got << " vs " << want;
  }
}

TEST(CsvReader, IntegersMatchFromChars) {
  std::mt19937_64 rng(11);
  std::vector<std::string> texts = {"0",
                                    "-0",
                                    "+7",
                                    "007",
                                    "9223372036854775807",
                                    "-9223372036854775808",
                                    "00000000000000000000042",
                                    "1234567812345678",
                                    "12345678123456789"};
  for (int k = 0; k < 20000; ++k) {
    const int digits = 1 + static_cast<int>(rng() % 18);
    std::string t = rng() % 3 == 0 ? "-" : "";
    for (int j = 0; j < digits; ++j) t += static_cast<char>('0' + rng() % 10);
    texts.push_back(t);
  }
  std::string csv = "x\n";
  for (const auto& t : texts) csv += t + "\n";
  temp_dir dir;
  auto r = read_file(dir.write("t.csv", csv), make_schema({{"x", type_id::int64}}), {0});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), texts.size());
  for (size_t k = 0; k < texts.size(); ++k) {
    std::string_view t = texts[k];
    if (t[0] == '+') t.remove_prefix(1);
    int64_t want = 0;
    auto res = std::from_chars(t.data(), t.data() + t.size(), want);
    ASSERT_EQ(res.ec, std::errc()) << texts[k];
    EXPECT_EQ((*r)[k][0], i(want)) << texts[k];
  }
  for (const char* bad : {"9223372036854775808", "-9223372036854775809", "1.0", "1e3", "--1", "+-1",
                          " 1", "1 ", "0x10", "-"}) {
    auto path = dir.write("b.csv", std::string("x\n") + bad + "\n");
    EXPECT_EQ(error_of(read_file(path, make_schema({{"x", type_id::int64}}), {0})),
              path + ":2:1: column \"x\": expected BIGINT, got \"" + bad + "\"");
  }
}

TEST(CsvReader, BadDoubleNamesFileLineColumnAndText) {
  temp_dir dir;
  auto path = dir.write("t.csv",
                        "key,price,quantity,shipdate,flag\n"
                        "1,1.5,3,1998-09-02,A\n"
                        "2,1.2.3,3,1998-09-02,A\n");
  EXPECT_EQ(error_of(read_file(path, kOrders, {0, 1, 2, 3, 4})),
            path + ":3:2: column \"price\": expected DOUBLE, got \"1.2.3\"");
  // The same text in a quoted field, and a long value cut short.
  auto quoted =
      dir.write("q.csv", "key,price,quantity,shipdate,flag\n1,\"1.2.3\",3,1998-09-02,A\n");
  EXPECT_EQ(error_of(read_file(quoted, kOrders, {1})),
            quoted + ":2:2: column \"price\": expected DOUBLE, got \"1.2.3\"");
  auto longer = dir.write("l.csv", "key\n" + std::string(100, 'x') + "\n");
  EXPECT_EQ(
      error_of(read_file(longer, make_schema({{"key", type_id::int64}}), {0})),
      longer + ":2:1: column \"key\": expected BIGINT, got \"" + std::string(64, 'x') + "...\"");
}

TEST(CsvReader, RaggedRowsReportTheirLine) {
  temp_dir dir;
  schema sch = make_schema({{"a", type_id::int64}, {"b", type_id::int64}, {"c", type_id::int64}});
  auto fewer = dir.write("f.csv", "a,b,c\n1,2,3\n4,5\n");
  EXPECT_EQ(error_of(read_file(fewer, sch, {0})), fewer + ":3: expected 3 fields, got 2");
  auto more = dir.write("m.csv", "a,b,c\n1,2,3\n\"x\ny\",2,3\n4,5,6,\"7\",8\n");
  EXPECT_EQ(error_of(read_file(more, sch, {1})), more + ":5: expected 3 fields, got 5");
}

TEST(CsvReader, UnterminatedQuote) {
  temp_dir dir;
  schema sch = make_schema({{"a", type_id::int64}, {"b", type_id::string}});
  auto path = dir.write("t.csv", "a,b\n1,x\n2,\"abc\n3,def\n");
  EXPECT_EQ(error_of(read_file(path, sch, {0, 1})), path + ":3:2: unterminated quoted field");
  // Also when the field is not projected.
  EXPECT_EQ(error_of(read_file(path, sch, {0})), path + ":3:2: unterminated quoted field");
  auto after = dir.write("u.csv", "a,b\n1,\"abc\"def\n");
  EXPECT_EQ(error_of(read_file(after, sch, {0, 1})),
            after + ":2:2: unexpected character after a closing quote");
}

TEST(CsvReader, MissingFileIsNotFound) {
  temp_dir dir;
  auto r = csv_reader::open({dir.file("nope.csv"), 0, 10}, kOrders, {0}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), dir.file("nope.csv") + ": No such file or directory");
}

TEST(CsvReader, RejectsBadArguments) {
  temp_dir dir;
  auto path = dir.write("t.csv", "a\n1\n");
  schema sch = make_schema({{"a", type_id::int64}});
  csv_options quote;
  quote.delimiter = '"';
  EXPECT_EQ(csv_reader::open({path, 0, 4}, sch, {0}, quote).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(csv_reader::open({path, 0, 4}, sch, {1}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(csv_reader::open({path, 0, 4}, sch, {-1}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CsvReader, SkipsUtf8ByteOrderMarkAndReadsEmptyFiles) {
  temp_dir dir;
  schema sch = make_schema({{"a", type_id::int64}});
  auto r = read_file(dir.write("bom.csv",
                               "\xEF\xBB\xBF"
                               "a\n5\n"),
                     sch, {0});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (rows{{i(5)}}));
  auto empty = read_file(dir.write("e.csv", ""), sch, {0});
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());
  auto header_only = read_file(dir.write("h.csv", "a"), sch, {0});
  ASSERT_TRUE(header_only.ok()) << header_only.status();
  EXPECT_TRUE(header_only->empty());
}

// The fast paths load 8 bytes at a time: a file that ends exactly at a page
// boundary (with no final newline) must not be read past its end.
TEST(CsvReader, ReadsUpToTheLastByteOfAPageSizedFile) {
  temp_dir dir;
  const std::vector<std::pair<type_id, std::string>> cases = {
      {type_id::int64, "-12"},    {type_id::float64, "2.5"}, {type_id::date, "2000-01-01"},
      {type_id::boolean, "true"}, {type_id::string, "xyz"},  {type_id::int64, ""},
      {type_id::string, "\"q\""}};
  for (const auto& [type, last] : cases) {
    std::string text = "s,v\n";
    for (int k = 0; k < 50; ++k) text += "pad," + last + "\n";
    const size_t tail = 4096 - text.size() - 1 - last.size();
    text += std::string(tail, 'p') + "," + last;
    ASSERT_EQ(text.size(), 4096u);
    schema sch = make_schema({{"s", type_id::string}, {"v", type}});
    auto path = dir.write("t.csv", text);
    auto r = read_file(path, sch, {0, 1});
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->size(), 51u);
    const value v = (*r)[0][1];
    EXPECT_EQ(r->back(), (std::vector<value>{value(std::string(tail, 'p')), v}));
    auto only_v = read_file(path, sch, {1});
    ASSERT_TRUE(only_v.ok()) << only_v.status();
    EXPECT_EQ(only_v->back(), std::vector<value>{v});
    auto only_s = read_file(path, sch, {0});
    ASSERT_TRUE(only_s.ok()) << only_s.status();
    EXPECT_EQ(only_s->back(), std::vector<value>{value(std::string(tail, 'p'))});
  }
}

TEST(CsvReader, ErrorsAreSticky) {
  temp_dir dir;
  auto path = dir.write("t.csv", "a\n1\nx\n2\n");
  auto reader = csv_reader::open({path, 0, 100}, make_schema({{"a", type_id::int64}}), {0}, {});
  ASSERT_TRUE(reader.ok());
  batch b;
  auto first = (*reader)->next(&b);
  ASSERT_FALSE(first.ok());
  auto second = (*reader)->next(&b);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(first.status(), second.status());
}

}  // namespace
}  // namespace tranche
