// Shared helpers for the SQL front-end tests: a fake catalog holding
// t(key BIGINT, price DOUBLE, quantity BIGINT, shipdate DATE, flag VARCHAR)
// plus a second table for suggestions, and compile/shape helpers. Included by
// every tests/sql/*.cc file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "plan/logical.h"
#include "sql/sql.h"

namespace tranche::sql_test {

class fake_catalog : public catalog {
 public:
  fake_catalog() {
    table_info t;
    t.name = "t";
    t.files = {"/data/t/part-0.csv", "/data/t/part-1.csv"};
    t.columns.fields = {{"key", type_id::int64},
                        {"price", type_id::float64},
                        {"quantity", type_id::int64},
                        {"shipdate", type_id::date},
                        {"flag", type_id::string}};
    t.format.delimiter = '|';
    tables_.push_back(t);
    table_info li;
    li.name = "lineitem";
    li.files = {"/data/lineitem.csv"};
    li.columns.fields = {{"l_orderkey", type_id::int64}, {"l_comment", type_id::string}};
    tables_.push_back(li);
  }

  // Case-sensitive on purpose: the binder must retry case-insensitively.
  absl::StatusOr<table_info> lookup(std::string_view name) const override {
    for (const table_info& t : tables_)
      if (t.name == name) return t;
    return absl::NotFoundError("no such table");
  }
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const table_info& t : tables_) out.push_back(t.name);
    return out;
  }

 private:
  std::vector<table_info> tables_;
};

// "sort(project(aggregate(filter(scan))))": the chain from the root down.
inline std::string shape(const logical_node& n) {
  std::string s = kind_name(n.kind);
  if (!n.inputs.empty()) s += "(" + shape(*n.inputs[0]) + ")";
  return s;
}

// The node `depth` steps below the root.
inline const logical_node& below(const logical_node& root, int depth) {
  const logical_node* n = &root;
  for (int i = 0; i < depth && !n->inputs.empty(); ++i) n = n->inputs[0].get();
  return *n;
}

// "flag VARCHAR, revenue DOUBLE"
inline std::string describe(const schema& s) {
  std::string out;
  for (const field& f : s.fields) {
    if (!out.empty()) out += ", ";
    out += f.name + " " + std::string(type_name(f.type));
  }
  return out;
}

inline logical_ptr compile_ok(std::string_view sql) {
  static const fake_catalog cat;
  absl::StatusOr<logical_ptr> r = compile_sql(sql, cat);
  EXPECT_TRUE(r.ok()) << sql << "\n  -> " << r.status();
  return r.ok() ? *r : nullptr;
}

inline absl::Status compile_status(std::string_view sql) {
  static const fake_catalog cat;
  absl::StatusOr<logical_ptr> r = compile_sql(sql, cat);
  return r.ok() ? absl::OkStatus() : r.status();
}

// The error message, or "OK" when the query compiled.
inline std::string compile_error(std::string_view sql) {
  absl::Status s = compile_status(sql);
  return s.ok() ? "OK" : std::string(s.message());
}

}  // namespace tranche::sql_test
