// Test helpers: run SQL through sqlite3 (Debian's CLI) over the same CSV files
// as an independent oracle, and compare its rows with tranche's results.
#pragma once

#include <string>
#include <vector>

#include "tranche/client.h"

namespace tranche::testing {

struct oracle_table {
  std::string name;
  std::string create;              // CREATE TABLE statement with typed columns
  std::vector<std::string> files;  // CSV with a header row
  std::vector<std::string> columns;
};

// Rows as text cells ("NULL" for NULL), from sqlite3's output of `sql`.
std::vector<std::vector<std::string>> sqlite_rows(const std::vector<oracle_table>& tables,
                                                  const std::string& sql);

// tranche's result as text cells, in the same rendering as sqlite_rows.
std::vector<std::vector<std::string>> result_rows(const query_result& r);

// Empty when equal; else a description of the first difference. Cells that
// both parse as numbers compare with relative tolerance 1e-9.
std::string compare_rows(std::vector<std::vector<std::string>> expected,
                         std::vector<std::vector<std::string>> actual, bool ordered);

}  // namespace tranche::testing
