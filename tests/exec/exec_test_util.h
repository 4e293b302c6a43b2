// Helpers shared by the exec unit tests: short value constructors, batch
// builders, running an operator over a list of batches and collecting rows.
#pragma once

#include <gtest/gtest.h>

#include <stdlib.h>  // mkdtemp

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "exec/expr.h"
#include "exec/operators.h"
#include "tranche/batch.h"
#include "tranche/types.h"

namespace tranche {

// Lets GoogleTest print values in failure messages (found by ADL through
// date_value, a template argument of `value`).
inline void PrintTo(const value& v, std::ostream* os) {
  if (std::holds_alternative<std::string>(v)) {
    *os << '\'' << std::get<std::string>(v) << '\'';
  } else if (std::holds_alternative<date_value>(v)) {
    *os << "DATE " << to_string(v);
  } else if (std::holds_alternative<double>(v)) {
    *os << to_string(v) << 'd';
  } else {
    *os << to_string(v);
  }
}

namespace test {

// A scratch directory for spill files under the system's temp dir, removed
// at the end; files() counts what is left in it.
class spill_dir {
 public:
  spill_dir() {
    std::string t = std::filesystem::temp_directory_path() / "tranche_spill_test_XXXXXX";
    path_ = ::mkdtemp(t.data()) ? t : "";
  }
  ~spill_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  spill_dir(const spill_dir&) = delete;
  spill_dir& operator=(const spill_dir&) = delete;
  const std::string& path() const { return path_; }
  size_t files() const {
    size_t n = 0;
    for (auto it = std::filesystem::directory_iterator(path_);
         it != std::filesystem::directory_iterator(); ++it)
      ++n;
    return n;
  }

 private:
  std::string path_;
};

inline const value null_v{};
inline value I(int64_t v) { return value{v}; }
inline value F(double v) { return value{v}; }
inline value B(bool v) { return value{v}; }
inline value S(std::string v) { return value{std::move(v)}; }
inline value D(const char* yyyy_mm_dd) {
  int64_t days = 0;
  EXPECT_TRUE(parse_date(yyyy_mm_dd, &days)) << yyyy_mm_dd;
  return value{date_value{days}};
}

using rows_t = std::vector<std::vector<value>>;

// A batch of one column named `name`.
inline batch column_batch(type_id t, const std::vector<value>& values,
                          const std::string& name = "a") {
  rows_t rows;
  for (const auto& v : values) rows.push_back({v});
  return make_batch(schema{{{name, t}}}, rows);
}

// The values of a column as a vector.
inline std::vector<value> values_of(const column& c) {
  std::vector<value> out;
  for (size_t i = 0; i < c.size(); ++i) out.push_back(c.get(i));
  return out;
}

// Evaluates `e` over `b` and returns the values; fails the test on error.
inline std::vector<value> eval(const expr_ptr& e, const batch& b) {
  auto r = evaluate(*e, b);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return {};
  EXPECT_EQ((*r)->type(), e->type);
  EXPECT_EQ((*r)->size(), b.rows);
  return values_of(**r);
}

// Error message of evaluating `e` over `b` ("" if it succeeds).
inline std::string eval_error(const expr_ptr& e, const batch& b) {
  auto r = evaluate(*e, b);
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(r.status().message());
}

struct run_result {
  absl::Status status;
  std::vector<batch> out;
};

// Pushes every batch through `op`, then finishes it; collects what it emits.
inline run_result run(physical_operator& op, const std::vector<batch>& in) {
  run_result r;
  emit_fn emit = [&](batch b) {
    r.out.push_back(std::move(b));
    return absl::OkStatus();
  };
  for (const auto& b : in) {
    r.status = op.push(b, emit);
    if (!r.status.ok()) return r;
  }
  r.status = op.finish(emit);
  return r;
}

// All rows of `batches`, in order.
inline rows_t rows_of(const std::vector<batch>& batches) {
  rows_t out;
  for (const auto& b : batches)
    for (size_t i = 0; i < b.rows; ++i) out.push_back(row_of(b, i));
  return out;
}

}  // namespace test
}  // namespace tranche
