// Implementation of store_catalog.h.
#include "catalog/store_catalog.h"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace tranche {
namespace {

absl::string_view av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool is_file(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

std::vector<std::string> expand_location(const std::string& location) {
  std::vector<std::string> files;
  glob_t g{};
  if (::glob(location.c_str(), GLOB_NOSORT, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) {
      std::string p = g.gl_pathv[i];
      if (is_file(p)) {
        files.push_back(std::move(p));
      } else if (g.gl_pathc == 1 && is_dir(p)) {
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(p, ec)) {
          const std::string name = e.path().filename().string();
          if (name.empty() || name[0] == '.' || name[0] == '_') continue;
          if (is_file(e.path().string())) files.push_back(e.path().string());
        }
      }
    }
  }
  globfree(&g);
  std::sort(files.begin(), files.end());
  return files;
}

absl::StatusOr<table_info> store_catalog::lookup(std::string_view name) const {
  auto found = store_.get(name);
  if (!found.ok()) return found.status();
  if (!found->has_value())
    return absl::NotFoundError(absl::StrCat("unknown table \"", av(name), "\""));
  const stored_table& t = **found;
  if (t.format != "csv" && t.format != "columnar")
    return absl::UnimplementedError(
        absl::StrCat("querying a FORMAT ", t.format, " table is not supported"));
  table_info info;
  info.name = t.name;
  info.files = expand_location(t.location);
  if (info.files.empty())
    return absl::FailedPreconditionError(
        absl::StrCat("no file matches its LOCATION '", t.location, "'"));
  for (const stored_column& c : t.columns) info.columns.fields.push_back({c.name, c.type});
  info.format.delimiter = t.delimiter;
  info.format.header = t.header;
  info.format.columnar = t.format == "columnar";
  return info;
}

std::vector<std::string> store_catalog::names() const {
  std::vector<std::string> out;
  auto all = store_.list();
  if (!all.ok()) return out;  // suggestions only: the lookup reports the error
  for (const stored_table& t : *all) out.push_back(t.name);
  return out;
}

absl::StatusOr<table_info> layered_catalog::lookup(std::string_view name) const {
  auto r = first_.lookup(name);
  if (r.ok() || !absl::IsNotFound(r.status())) return r;
  for (const std::string& n : first_.names())
    if (absl::EqualsIgnoreCase(n, av(name))) return first_.lookup(n);
  if (second_ != nullptr) return second_->lookup(name);
  return r;
}

std::vector<std::string> layered_catalog::names() const {
  std::vector<std::string> out = first_.names();
  if (second_ != nullptr)
    for (std::string& n : second_->names()) out.push_back(std::move(n));
  return out;
}

}  // namespace tranche
