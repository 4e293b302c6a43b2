// `tranche convert` (convert.h): expands the glob, infers the schema from the
// first CSV file like `sql --table` does, and converts every file in parallel.
#include "cli/convert.h"

#include <glob.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <ostream>

#include "io/columnar.h"
#include "io/csv.h"

namespace tranche::cli {
namespace {

std::vector<std::string> expand(const std::string& pattern) {
  glob_t g{};
  std::vector<std::string> files;
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
  globfree(&g);
  std::sort(files.begin(), files.end());
  return files;
}

std::string megabytes(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(bytes) / 1e6);
  return buf;
}

}  // namespace

int cmd_convert(const std::vector<std::string>& args, const std::string& usage, std::ostream& out,
                std::ostream& err) {
  auto usage_error = [&](const std::string& msg) {
    err << "tranche: " << msg << "\n" << usage;
    return 2;
  };
  auto fail = [&](const std::string& msg) {
    err << "tranche: error: " << msg << "\n";
    return 1;
  };
  std::string from, to;
  convert_options opts;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "--from") {
      if (!has_value || args[i + 1].empty()) return usage_error("--from needs a GLOB");
      from = args[++i];
    } else if (a == "--to") {
      if (!has_value || args[i + 1].empty()) return usage_error("--to needs a directory");
      to = args[++i];
    } else if (a == "--delimiter") {
      if (!has_value || args[i + 1].size() != 1)
        return usage_error("--delimiter needs one character");
      opts.delimiter = args[++i][0];
    } else if (a == "--no-header") {
      opts.header = false;
    } else if (a == "--rows-per-batch") {
      const std::string v = has_value ? args[++i] : "";
      if (v.empty() || v.size() > 8 || v.find_first_not_of("0123456789") != std::string::npos ||
          std::stoull(v) == 0 || std::stoull(v) > kMaxColumnarBatchRows) {
        return usage_error("--rows-per-batch needs an integer in 1.." +
                           std::to_string(kMaxColumnarBatchRows));
      }
      opts.rows_per_batch = std::stoull(v);
    } else {
      return usage_error("convert: unknown option " + a);
    }
  }
  if (from.empty()) return usage_error("convert: --from 'GLOB' is required");
  if (to.empty()) return usage_error("convert: --to DIR is required");

  const std::vector<std::string> files = expand(from);
  if (files.empty()) return fail("no file matches \"" + from + "\"");
  csv_options copts;
  copts.delimiter = opts.delimiter;
  copts.header = opts.header;
  auto s = infer_csv_schema(files[0], copts);
  if (!s.ok()) return fail(std::string(s.status().message()));
  uint64_t in_bytes = 0;
  for (const std::string& f : files) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(f, ec);
    if (!ec) in_bytes += n;
  }
  auto rows = convert_csv_to_columnar(files, *s, to, opts);
  if (!rows.ok()) return fail(std::string(rows.status().message()));
  uint64_t out_bytes = 0;
  for (const std::string& f : files) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(to + "/" + columnar_file_name(f), ec);
    if (!ec) out_bytes += n;
  }
  out << "converted " << *rows << " rows from " << files.size() << " files to " << to << " ("
      << megabytes(in_bytes) << " MB -> " << megabytes(out_bytes) << " MB)\n";
  return 0;
}

}  // namespace tranche::cli
