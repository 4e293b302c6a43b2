// Tests of infer_csv_schema (runtime/io/csv_infer.cc): the type chosen for
// each kind of column, header handling, and its errors.
#include <gtest/gtest.h>

#include "io/csv.h"
#include "test_util.h"

namespace tranche {
namespace {

using testing_util::temp_dir;

absl::StatusOr<schema> infer(const temp_dir& dir, const std::string& text, csv_options opts = {},
                             size_t sample_rows = 1000) {
  return infer_csv_schema(dir.write("t.csv", text), opts, sample_rows);
}

std::vector<type_id> types_of(const schema& s) {
  std::vector<type_id> t;
  for (const auto& f : s.fields) t.push_back(f.type);
  return t;
}

TEST(CsvInfer, ChoosesTheNarrowestTypePerColumn) {
  temp_dir dir;
  auto s = infer(dir,
                 "i,f,d,b,s,e,mixed,big\n"
                 "1,1,2020-01-01,true,x,,1,9223372036854775808\n"
                 "-2,2.5,1999-12-31,FALSE,2020-01-01,,true,1\n"
                 ",1e3,,,3,,2020-01-01,2\n");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(types_of(*s), (std::vector<type_id>{type_id::int64, type_id::float64, type_id::date,
                                                type_id::boolean, type_id::string, type_id::string,
                                                type_id::string, type_id::float64}));
  EXPECT_EQ(s->fields[0].name, "i");
  EXPECT_EQ(s->fields[7].name, "big");
}

TEST(CsvInfer, QuotedValuesAndOddNumbers) {
  temp_dir dir;
  // A quoted number is still a number; a quoted empty string is text; a
  // column of nan/inf is text; an invalid date makes the column text.
  auto s = infer(dir,
                 "q,qe,nan,bad_date\n"
                 "\"12\",\"\",nan,2020-02-30\n"
                 "\"13\",x,inf,2020-01-01\n");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(types_of(*s), (std::vector<type_id>{type_id::int64, type_id::string, type_id::string,
                                                type_id::string}));
}

TEST(CsvInfer, HeaderNamesAreTrimmedAndMustBeUnique) {
  temp_dir dir;
  auto s = infer(dir, " a ,\"b \",\tc\n1,2,3\n");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->fields[0].name, "a");
  EXPECT_EQ(s->fields[1].name, "b");
  EXPECT_EQ(s->fields[2].name, "c");

  auto dup = infer(dir, "a,b,A\n1,2,3\n");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(dup.status().message(),
            dir.file("t.csv") + ": duplicate column name \"A\" in the header");
}

TEST(CsvInfer, WithoutHeaderNamesAreC1ToCnAndTheFirstLineIsData) {
  temp_dir dir;
  csv_options opts;
  opts.header = false;
  auto s = infer(dir, "x,1\ny,2\n", opts);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s, (schema{{{"c1", type_id::string}, {"c2", type_id::int64}}}));
  auto t = infer(dir, "1.5|2\n", [] {
    csv_options o;
    o.header = false;
    o.delimiter = '|';
    return o;
  }());
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, (schema{{{"c1", type_id::float64}, {"c2", type_id::int64}}}));
}

TEST(CsvInfer, OnlyTheSampleIsRead) {
  temp_dir dir;
  auto s = infer(dir, "a\n1\n2\nx\n", {}, 2);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->fields[0].type, type_id::int64);
  auto all = infer(dir, "a\n1\n2\nx\n", {}, 3);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->fields[0].type, type_id::string);
}

TEST(CsvInfer, HeaderOnlyAndBlankLines) {
  temp_dir dir;
  auto s = infer(dir, "a,b\n");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(types_of(*s), (std::vector<type_id>{type_id::string, type_id::string}));
  auto crlf = infer(dir, "\r\na,b\r\n1,2\r\n\r\n3,4\r\n\r\n");
  ASSERT_TRUE(crlf.ok()) << crlf.status();
  EXPECT_EQ(*crlf, (schema{{{"a", type_id::int64}, {"b", type_id::int64}}}));
}

TEST(CsvInfer, Errors) {
  temp_dir dir;
  const std::string path = dir.file("t.csv");
  auto empty = infer(dir, "");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(), path + ": empty file, cannot infer a schema");
  EXPECT_EQ(infer(dir, "\n\n").status().message(), path + ": empty file, cannot infer a schema");

  auto ragged = infer(dir, "a,b\n1,2\n3\n");
  ASSERT_FALSE(ragged.ok());
  EXPECT_EQ(ragged.status().message(), path + ":3: expected 2 fields, got 1");

  auto quote = infer(dir, "a,b\n1,\"2\n");
  ASSERT_FALSE(quote.ok());
  EXPECT_EQ(quote.status().message(), path + ":2:2: unterminated quoted field");

  auto missing = infer_csv_schema(dir.file("missing.csv"), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), dir.file("missing.csv") + ": No such file or directory");
}

// Whatever inference picks must read back without errors.
TEST(CsvInfer, InferredSchemaReadsBack) {
  temp_dir dir;
  const std::string text =
      "a,b,c,d,e\n"
      "1,0.5,2020-01-01,true,\"x,y\"\n"
      "+2,-1e-3,,False,\n"
      "-3,7,2020-12-31,,\"\"\n";
  auto path = dir.write("r.csv", text);
  auto s = infer_csv_schema(path, {});
  ASSERT_TRUE(s.ok()) << s.status();
  auto r = testing_util::read_file(path, *s, testing_util::all_columns(*s));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->size(), 3u);
}

}  // namespace
}  // namespace tranche
