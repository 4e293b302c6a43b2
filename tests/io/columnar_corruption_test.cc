// Tests of damaged and foreign columnar files (io/columnar.h): a file of
// another schema than expected, every truncation, flipped bytes (never a
// crash; errors name the file), and files that are not columnar at all.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "columnar_test_util.h"
#include "io/columnar.h"
#include "test_util.h"

namespace tranche {
namespace {

using testing_util::all_types;
using testing_util::read_bytes;
using testing_util::sample_rows;
using testing_util::temp_dir;
using testing_util::write_file;

TEST(Columnar, OpenWithExpectedSchemaNamesTheMismatch) {
  temp_dir dir;
  const std::string path = dir.file("t.tcol");
  write_file(path, all_types(), sample_rows(), 4, 7);
  schema expected = all_types();
  expected.fields[3].type = type_id::int64;
  auto r = columnar_reader::open(path, expected);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            path + ": column 4 \"s\" is VARCHAR in the file, expected BIGINT");
  expected.fields.pop_back();
  r = columnar_reader::open(path, expected);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), path + ": the file has 5 columns, expected 4");
  EXPECT_TRUE(columnar_reader::open(path, all_types()).ok());
}

// Opens `path` and reads every batch: must not crash; returns the first error.
absl::Status open_and_read_all(const std::string& path) {
  auto r = columnar_reader::open(path);
  if (!r.ok()) return r.status();
  for (size_t i = 0; i < (*r)->num_batches(); ++i) {
    batch b;
    absl::Status st = (*r)->read(i, {0, 1, 2, 3, 4}, &b);
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

// Writes `content` to a new file (rewriting one file in place is slow on
// ext4, which flushes a truncated file's data), checks it, removes it.
template <class F>
void with_file(const temp_dir& dir, const std::string& content, F&& check) {
  static int n = 0;
  const std::string path = dir.write("v" + std::to_string(n++) + ".tcol", content);
  check(path);
  std::filesystem::remove(path);
}

TEST(Columnar, EveryTruncationIsAnErrorNamingTheFile) {
  temp_dir dir;
  const std::string path = dir.file("t.tcol");
  write_file(path, all_types(), sample_rows(), 3, 7);
  const std::string bytes = read_bytes(path);
  for (size_t n = 0; n < bytes.size(); ++n) {
    with_file(dir, bytes.substr(0, n), [&](const std::string& cut) {
      absl::Status st = open_and_read_all(cut);
      ASSERT_FALSE(st.ok()) << "truncated to " << n << " of " << bytes.size();
      EXPECT_EQ(st.message().substr(0, cut.size()), cut) << st;
    });
  }
  with_file(dir, "", [&](const std::string& cut) {
    EXPECT_EQ(open_and_read_all(cut).message(),
              cut + ": not a tranche columnar file (no TRCOLUMN header)");
  });
  with_file(dir, bytes.substr(0, bytes.size() - 8), [&](const std::string& cut) {
    EXPECT_EQ(open_and_read_all(cut).message(),
              absl::StrCat(cut, ": truncated or damaged columnar file (", bytes.size() - 8,
                           " bytes, no TRCOLEND trailer)"));
  });
}

TEST(Columnar, FlippedBytesNeverCrash) {
  temp_dir dir;
  const std::string path = dir.file("t.tcol");
  write_file(path, all_types(), sample_rows(), 3, 7);
  const std::string bytes = read_bytes(path);
  int failures = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xFF}) {
      std::string copy = bytes;
      copy[i] = static_cast<char>(copy[i] ^ mask);
      with_file(dir, copy, [&](const std::string& bad) {
        absl::Status st = open_and_read_all(bad);  // value bytes may change silently
        if (!st.ok()) {
          ++failures;
          EXPECT_EQ(st.message().substr(0, bad.size()), bad) << st;
        }
      });
    }
  }
  EXPECT_GT(failures, 100);
  // Named cases.
  std::string copy = bytes;
  copy[0] = 'X';
  with_file(dir, copy, [&](const std::string& bad) {
    EXPECT_EQ(open_and_read_all(bad).message(),
              bad + ": not a tranche columnar file (no TRCOLUMN header)");
  });
  copy = bytes;
  copy[copy.size() - 12] = '\x7f';  // footer length
  with_file(dir, copy, [&](const std::string& bad) {
    EXPECT_NE(open_and_read_all(bad).message().find("footer length"), std::string::npos);
  });
  copy = bytes;
  copy[8] = 9;  // version
  with_file(dir, copy, [&](const std::string& bad) {
    EXPECT_NE(open_and_read_all(bad).message().find("unsupported columnar format version 9"),
              std::string::npos);
  });
}

TEST(Columnar, ForeignFilesAreRejected) {
  temp_dir dir;
  const std::string text = dir.write("t.csv", "a,b,c\n1,2,3\n4,5,6\n7,8,9\n10,11,12\n13,14,15\n");
  auto r = columnar_reader::open(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), text + ": not a tranche columnar file (no TRCOLUMN header)");
  auto missing = columnar_reader::open(dir.file("nope.tcol"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(columnar_reader::open(dir.path()).ok());
}

}  // namespace
}  // namespace tranche
