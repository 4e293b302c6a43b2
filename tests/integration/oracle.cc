// sqlite3 oracle for the integration tests (see oracle.h).
#include "oracle.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace tranche::testing {
namespace {

std::vector<std::string> split_line(const std::string& line) {
  // sqlite3 -separator with an unusual separator so plain splitting is safe.
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t p = line.find('\x1f', start);
    if (p == std::string::npos) {
      out.push_back(line.substr(start));
      return out;
    }
    out.push_back(line.substr(start, p - start));
    start = p + 1;
  }
}

bool parse_number(const std::string& s, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

}  // namespace

std::vector<std::vector<std::string>> sqlite_rows(const std::vector<oracle_table>& tables,
                                                  const std::string& sql) {
  char dir_tmpl[] = "/tmp/tranche-oracle-XXXXXX";
  std::string dir = mkdtemp(dir_tmpl);
  const std::string script = dir + "/script.sql";
  {
    std::ofstream s(script);
    s << ".mode csv\n";
    for (const auto& t : tables) {
      s << t.create << ";\n";
      for (const auto& f : t.files) s << ".import --skip 1 " << f << " " << t.name << "\n";
      for (const auto& c : t.columns)
        s << "UPDATE " << t.name << " SET " << c << " = NULL WHERE " << c << " = '';\n";
    }
    s << ".mode list\n.separator \"\\037\"\n.nullvalue NULL\n.headers off\n";
    s << sql << ";\n";
  }
  const std::string cmd = "sqlite3 -batch :memory: < " + script + " 2>&1";
  std::vector<std::vector<std::string>> rows;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return rows;
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  std::remove(script.c_str());
  rmdir(dir.c_str());
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) rows.push_back(split_line(line));
  return rows;
}

std::vector<std::vector<std::string>> result_rows(const query_result& r) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& b : r.batches)
    for (size_t i = 0; i < b.rows; ++i) {
      std::vector<std::string> row;
      for (size_t c = 0; c < b.columns.size(); ++c) {
        value v = b.get(i, c);
        if (auto* x = std::get_if<bool>(&v))
          row.push_back(*x ? "1" : "0");
        else
          row.push_back(to_string(v));
      }
      rows.push_back(std::move(row));
    }
  return rows;
}

std::string compare_rows(std::vector<std::vector<std::string>> expected,
                         std::vector<std::vector<std::string>> actual, bool ordered) {
  if (!ordered) {
    std::sort(expected.begin(), expected.end());
    std::sort(actual.begin(), actual.end());
  }
  if (expected.size() != actual.size())
    return "expected " + std::to_string(expected.size()) + " rows, got " +
           std::to_string(actual.size()) +
           (expected.empty() ? "" : "; first expected row starts with \"" + expected[0][0] + "\"");
  for (size_t i = 0; i < expected.size(); ++i) {
    if (expected[i].size() != actual[i].size())
      return "row " + std::to_string(i) + ": expected " + std::to_string(expected[i].size()) +
             " columns, got " + std::to_string(actual[i].size());
    for (size_t c = 0; c < expected[i].size(); ++c) {
      const std::string& e = expected[i][c];
      const std::string& a = actual[i][c];
      if (e == a) continue;
      double x, y;
      if (parse_number(e, &x) && parse_number(a, &y) &&
          std::fabs(x - y) <= 1e-9 * std::max(std::fabs(x), std::fabs(y)))
        continue;
      return "row " + std::to_string(i) + " column " + std::to_string(c) + ": expected \"" + e +
             "\", got \"" + a + "\"";
    }
  }
  return "";
}

}  // namespace tranche::testing
