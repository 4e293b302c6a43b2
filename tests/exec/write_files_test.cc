// The COPY write operator (exec/write_files.h) and the CSV writer under it
// (io/csv_writer.h): what a task writes reads back to the same values through
// the project's own readers; an attempt that does not finish leaves no file;
// a rerun of a task replaces its file whole.
#include "exec/write_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "exec_test_util.h"
#include "io/columnar.h"
#include "io/csv.h"
#include "io/csv_writer.h"

namespace tranche {
namespace {

namespace fs = std::filesystem;
using namespace test;

class WriteFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tranche-write-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
  }

  // Runs one task's write over `in`; returns the operator's emitted rows.
  absl::StatusOr<rows_t> run(const std::vector<batch>& in, csv_format fmt, uint32_t task,
                             const schema& s) {
    auto op = make_write_files({dir_.string(), fmt, s, task});
    rows_t out;
    emit_fn emit = [&](batch b) {
      for (size_t i = 0; i < b.rows; ++i) out.push_back(row_of(b, i));
      return absl::OkStatus();
    };
    for (const auto& b : in)
      if (auto st = op->push(b, emit); !st.ok()) return st;
    if (auto st = op->finish(emit); !st.ok()) return st;
    return out;
  }

  static schema wide() {
    return schema{{{"s", type_id::string},
                   {"i", type_id::int64},
                   {"d", type_id::float64},
                   {"b", type_id::boolean},
                   {"dt", type_id::date}}};
  }

  static rows_t wide_rows() {
    return {
        {S("plain"), I(1), F(0.1), B(true), D("1998-09-02")},
        {S("a,b"), I(-9223372036854775807 - 1), F(1.0 / 3), B(false), D("1970-01-01")},
        {S("say \"hi\""), I(9223372036854775807), F(1e300), null_v, D("2000-02-29")},
        {S("two\nlines"), null_v, F(-2.5e-308), B(true), null_v},
        {S("cr\r\nlf"), I(0), null_v, B(false), D("0001-01-01")},
        {S(""), I(42), F(123456789.125), B(true), D("9999-12-31")},
        {null_v, I(7), F(-0.0), B(false), D("1969-12-31")},
        {S("  spaced  "), I(3), F(5e-324), B(true), D("2024-01-31")},
        {S("x|y"), I(4), F(std::numeric_limits<double>::max()), B(true), D("2024-02-01")},
    };
  }

  static rows_t read_csv(const std::string& path, const schema& s, char delimiter, bool header) {
    csv_options opts;
    opts.delimiter = delimiter;
    opts.header = header;
    std::vector<int> cols;
    for (size_t c = 0; c < s.size(); ++c) cols.push_back(static_cast<int>(c));
    auto r = csv_reader::open(file_split{path, 0, fs::file_size(path)}, s, cols, opts);
    EXPECT_TRUE(r.ok()) << r.status().message();
    rows_t out;
    if (!r.ok()) return out;
    for (;;) {
      batch b;
      auto more = (*r)->next(&b);
      EXPECT_TRUE(more.ok()) << more.status().message();
      if (!more.ok() || !*more) break;
      for (size_t i = 0; i < b.rows; ++i) out.push_back(row_of(b, i));
    }
    return out;
  }

  fs::path dir_;
};

TEST(CsvWriter, QuotesOnlyWhatNeedsIt) {
  std::string out;
  for (const char* f : {"plain", "a,b", "say \"hi\"", "two\nlines", "", "a|b"}) {
    append_csv_field(f, ',', &out);
    out += ';';
  }
  EXPECT_EQ(out, "plain;\"a,b\";\"say \"\"hi\"\"\";\"two\nlines\";\"\";a|b;");
  out.clear();
  append_csv_field("a|b", '|', &out);
  EXPECT_EQ(out, "\"a|b\"");
}

TEST(CsvWriter, RendersEveryType) {
  const schema s{{{"s", type_id::string},
                  {"i", type_id::int64},
                  {"d", type_id::float64},
                  {"b", type_id::boolean},
                  {"dt", type_id::date}}};
  std::string out;
  append_csv_header(s, ',', &out);
  append_csv_rows(make_batch(s, {{S("x"), I(-3), F(0.1), B(true), D("1998-09-02")},
                                 {null_v, null_v, F(2), null_v, null_v}}),
                  ',', &out);
  EXPECT_EQ(out, "s,i,d,b,dt\nx,-3,0.1,true,1998-09-02\n,,2,,\n");
}

TEST_F(WriteFiles, CsvRoundTripsThroughTheCsvReader) {
  const schema s = wide();
  const rows_t rows = wide_rows();
  // Two batches, so that the file is written across pushes.
  rows_t first(rows.begin(), rows.begin() + 4), second(rows.begin() + 4, rows.end());
  auto out = run({make_batch(s, first), make_batch(s, second)}, csv_format{}, 3, s);
  ASSERT_TRUE(out.ok()) << out.status().message();
  const std::string path = (dir_ / "part-00003.csv").string();
  ASSERT_EQ(*out, (rows_t{{S(path), I(static_cast<int64_t>(rows.size()))}}));
  EXPECT_EQ(entries(), std::vector<std::string>{"part-00003.csv"});
  std::ifstream in(path);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "s,i,d,b,dt");
  const rows_t back = read_csv(path, s, ',', true);
  ASSERT_EQ(back.size(), rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    EXPECT_EQ(back[r], rows[r]) << "row " << r;
    // -0.0 == 0.0: check the sign bit survived too.
    if (const auto* d = std::get_if<double>(&rows[r][2])) {
      EXPECT_EQ(std::signbit(*d), std::signbit(std::get<double>(back[r][2]))) << "row " << r;
    }
  }
}

TEST_F(WriteFiles, CsvWithDelimiterAndNoHeader) {
  const schema s = wide();
  csv_format fmt;
  fmt.delimiter = '|';
  fmt.header = false;
  auto out = run({make_batch(s, wide_rows())}, fmt, 0, s);
  ASSERT_TRUE(out.ok()) << out.status().message();
  const std::string path = (dir_ / "part-00000.csv").string();
  EXPECT_EQ(read_csv(path, s, '|', false), wide_rows());
}

TEST_F(WriteFiles, ColumnarRoundTrip) {
  const schema s = wide();
  csv_format fmt;
  fmt.columnar = true;
  auto out = run({make_batch(s, wide_rows()), make_batch(s, wide_rows())}, fmt, 12, s);
  ASSERT_TRUE(out.ok()) << out.status().message();
  const std::string path = (dir_ / "part-00012.tcol").string();
  ASSERT_EQ(*out, (rows_t{{S(path), I(2 * static_cast<int64_t>(wide_rows().size()))}}));
  EXPECT_EQ(entries(), std::vector<std::string>{"part-00012.tcol"});
  auto r = columnar_reader::open(path, s);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)->file_schema(), s);
  rows_t back;
  for (size_t i = 0; i < (*r)->num_batches(); ++i) {
    batch b;
    ASSERT_TRUE((*r)->read(i, {0, 1, 2, 3, 4}, &b).ok());
    for (size_t j = 0; j < b.rows; ++j) back.push_back(row_of(b, j));
  }
  rows_t expected = wide_rows();
  const rows_t again = wide_rows();
  expected.insert(expected.end(), again.begin(), again.end());
  EXPECT_EQ(back, expected);
}

TEST_F(WriteFiles, ATaskWithoutRowsStillWritesItsFile) {
  const schema s{{{"k", type_id::int64}, {"name", type_id::string}}};
  auto out = run({}, csv_format{}, 1, s);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ((*out)[0][1], I(0));
  std::ifstream in(dir_ / "part-00001.csv");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "k,name\n");
}

TEST_F(WriteFiles, AnAttemptThatNeverFinishesLeavesNoFile) {
  for (bool columnar : {false, true}) {
    csv_format fmt;
    fmt.columnar = columnar;
    const schema s = wide();
    {
      auto op = make_write_files({dir_.string(), fmt, s, 5});
      emit_fn emit = [](batch) { return absl::OkStatus(); };
      ASSERT_TRUE(op->push(make_batch(s, wide_rows()), emit).ok());
      EXPECT_EQ(entries().size(), 1u) << "the attempt's own file while it runs";
      EXPECT_EQ(entries()[0].rfind(".part-00005.", 0), 0u) << entries()[0];
    }  // destroyed before finish: revoked, cancelled, or an error further down
    EXPECT_EQ(entries(), std::vector<std::string>{}) << "columnar " << columnar;
  }
}

TEST_F(WriteFiles, AnErrorLeavesNoFile) {
  const schema s{{{"k", type_id::int64}}};
  for (bool columnar : {false, true}) {
    csv_format fmt;
    fmt.columnar = columnar;
    auto op = make_write_files({dir_.string(), fmt, s, 0});
    emit_fn emit = [](batch) { return absl::OkStatus(); };
    ASSERT_TRUE(op->push(make_batch(s, {{I(1)}}), emit).ok());
    // A batch whose column type does not match the file's.
    auto bad = op->push(column_batch(type_id::string, {S("x")}, "k"), emit);
    EXPECT_FALSE(bad.ok());
    EXPECT_FALSE(op->finish(emit).ok());
    op.reset();
    EXPECT_EQ(entries(), std::vector<std::string>{}) << "columnar " << columnar;
  }
}

TEST_F(WriteFiles, AMissingStagingDirectoryIsAnError) {
  const schema s{{{"k", type_id::int64}}};
  auto op = make_write_files({(dir_ / "gone").string(), csv_format{}, s, 0});
  emit_fn emit = [](batch) { return absl::OkStatus(); };
  auto st = op->push(make_batch(s, {{I(1)}}), emit);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("gone"), absl::string_view::npos) << st.message();
  EXPECT_FALSE(fs::exists(dir_ / "gone")) << "the operator never creates the directory";
}

TEST_F(WriteFiles, ARerunReplacesTheTasksFile) {
  const schema s{{{"k", type_id::int64}}};
  ASSERT_TRUE(run({make_batch(s, {{I(1)}, {I(2)}, {I(3)}})}, csv_format{}, 2, s).ok());
  // A second attempt of the same task (its first output was lost): its file
  // replaces the first one, nothing else is left.
  auto out = run({make_batch(s, {{I(9)}})}, csv_format{}, 2, s);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0][1], I(1));
  EXPECT_EQ(entries(), std::vector<std::string>{"part-00002.csv"});
  EXPECT_EQ(read_csv((dir_ / "part-00002.csv").string(), s, ',', true), (rows_t{{I(9)}}));
}

}  // namespace
}  // namespace tranche
