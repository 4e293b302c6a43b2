// Implementation of diagnostics.h: error formatting and the Levenshtein-based
// suggestions used for unknown columns, tables and functions.
#include "sql/diagnostics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace tranche::sql {
namespace {

char lower_char(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Classic two-row dynamic program; names are short so O(n*m) is nothing.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t subst = prev[j - 1] + (lower_char(a[i - 1]) == lower_char(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

absl::Status error_at(source_pos pos, std::string_view message) {
  return error_at(pos, absl::StatusCode::kInvalidArgument, message);
}

absl::Status error_at(source_pos pos, absl::StatusCode code, std::string_view message) {
  return absl::Status(code, absl::StrCat("line ", pos.line, ", column ", pos.column, ": ",
                                         absl::string_view(message.data(), message.size())));
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  // Names longer than this are not worth a quadratic comparison (fuzz input).
  constexpr size_t kMaxLength = 128;
  if (name.size() > kMaxLength) return "";
  const std::string* best = nullptr;
  size_t best_distance = 3;
  for (const std::string& c : candidates) {
    if (c.size() > kMaxLength) continue;
    size_t d = edit_distance(name, c);
    // A distance as large as the name itself would "suggest" unrelated names.
    if (d < best_distance && d < name.size()) {
      best = &c;
      best_distance = d;
    }
  }
  if (best == nullptr) return "";
  return absl::StrCat(" (did you mean \"", *best, "\"?)");
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_char(c);
  return out;
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower_char(a[i]) != lower_char(b[i])) return false;
  return true;
}

}  // namespace tranche::sql
