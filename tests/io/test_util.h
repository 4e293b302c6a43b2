// Helpers for the io tests: a self-deleting temporary directory and readers
// that collect every row of a file or of a list of splits as values.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "io/csv.h"
#include "tranche/batch.h"

namespace tranche::testing_util {

class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = ::testing::TempDir() + "tranche_io_XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` to name and returns the full path.
  std::string write(const std::string& name, const std::string& content) const {
    std::string p = file(name);
    std::ofstream out(p, std::ios::binary);
    out << content;
    return p;
  }

 private:
  std::string path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

using rows = std::vector<std::vector<value>>;

// Every row of the given splits, in order; the first error stops.
inline absl::StatusOr<rows> read_splits(const std::vector<file_split>& splits, const schema& s,
                                        const std::vector<int>& columns,
                                        const csv_options& opts = {}) {
  rows out;
  for (const file_split& sp : splits) {
    auto reader = csv_reader::open(sp, s, columns, opts);
    if (!reader.ok()) return reader.status();
    batch b;
    for (;;) {
      auto more = (*reader)->next(&b);
      if (!more.ok()) return more.status();
      if (!*more) break;
      if (b.columns.size() != columns.size()) return absl::InternalError("wrong column count");
      for (size_t i = 0; i < b.rows; ++i) out.push_back(row_of(b, i));
    }
  }
  return out;
}

// The whole file as one split.
inline absl::StatusOr<rows> read_file(const std::string& path, const schema& s,
                                      const std::vector<int>& columns,
                                      const csv_options& opts = {}) {
  return read_splits({file_split{path, 0, std::filesystem::file_size(path)}}, s, columns, opts);
}

inline std::vector<int> all_columns(const schema& s) {
  std::vector<int> c;
  for (size_t i = 0; i < s.size(); ++i) c.push_back(static_cast<int>(i));
  return c;
}

inline value d(const char* yyyy_mm_dd) {
  int64_t days = 0;
  EXPECT_TRUE(parse_date(yyyy_mm_dd, &days)) << yyyy_mm_dd;
  return date_value{days};
}

}  // namespace tranche::testing_util
