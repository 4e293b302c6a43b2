// Implementation of the shell's statement splitter and result printing (see
// shell_text.h).
#include "cli/shell_text.h"

#include <cstdio>

#include "cli/output.h"

namespace tranche::cli {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s < 0 ? 0.0 : s);
  return buf;
}

}  // namespace

std::vector<std::string> statement_splitter::feed(const std::string& line) {
  std::vector<std::string> done;
  if (!text_.empty()) text_ += '\n';
  // Scan only the new line: the mode carries what came before.
  size_t i = text_.size();
  text_ += line;
  size_t start = 0;  // where the current statement begins in text_
  for (; i < text_.size(); ++i) {
    const char c = text_[i];
    const char next = i + 1 < text_.size() ? text_[i + 1] : '\0';
    switch (mode_) {
      case mode::single_quote:
        if (c == '\'') mode_ = mode::code;  // '' reopens at once: an escaped quote
        continue;
      case mode::double_quote:
        if (c == '"') mode_ = mode::code;
        continue;
      case mode::block_comment:
        if (c == '*' && next == '/') {
          mode_ = mode::code;
          ++i;
        }
        continue;
      case mode::code:
        break;
    }
    if (c == '-' && next == '-') {
      // A line comment: the rest of the line.
      const auto nl = text_.find('\n', i);
      if (nl == std::string::npos) break;
      i = nl;
    } else if (c == '/' && next == '*') {
      mode_ = mode::block_comment;
      ++i;
    } else if (c == '\'' || c == '"') {
      mode_ = c == '\'' ? mode::single_quote : mode::double_quote;
      has_code_ = true;
    } else if (c == ';') {
      if (has_code_) done.push_back(trim(text_.substr(start, i - start)));
      start = i + 1;
      has_code_ = false;
    } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      has_code_ = true;
    }
  }
  text_.erase(0, start);
  if (!pending()) text_.clear();  // only blanks and comments: nothing to continue
  return done;
}

bool statement_splitter::pending() const { return has_code_ || mode_ != mode::code; }

std::optional<std::string> statement_splitter::finish() {
  std::optional<std::string> last;
  if (has_code_) last = trim(text_);
  reset();
  return last;
}

void statement_splitter::reset() {
  text_.clear();
  mode_ = mode::code;
  has_code_ = false;
}

bool print_statement_result(const statement_info& s, std::ostream& out, std::ostream& err) {
  const double took = s.completed ? *s.completed - s.started : 0.0;
  if (s.state == "cancelled" || (s.output && s.output->status == "cancelled")) {
    out << "cancelled\n";
    return false;
  }
  if (!s.output || s.state == "error" || s.output->status == "error") {
    std::string msg = s.output ? s.output->error : "";
    if (msg.empty()) msg = "statement " + std::to_string(s.id.value) + " ended in state " + s.state;
    err << "error: " << msg << "\n";
    return false;
  }
  const statement_output& o = *s.output;
  if (o.columns.empty()) {
    out << "ok (" << seconds_text(took) << " s)\n";
    return true;
  }
  std::vector<std::vector<std::string>> rows;
  rows.reserve(o.rows.size());
  for (const auto& r : o.rows) {
    std::vector<std::string> row;
    for (const auto& v : r) row.push_back(v ? *v : "NULL");
    rows.push_back(std::move(row));
  }
  std::vector<bool> right;
  for (size_t c = 0; c < o.columns.size(); ++c)
    right.push_back(c < o.types.size() && (o.types[c] == "BIGINT" || o.types[c] == "DOUBLE"));
  print_text_table(o.columns, right, rows, out);
  out << "(" << o.row_count << " row" << (o.row_count == 1 ? "" : "s") << ", " << seconds_text(took)
      << " s)\n";
  if (o.truncated)
    out << "(showing the first " << o.rows.size() << " of " << o.row_count << " rows)\n";
  return true;
}

}  // namespace tranche::cli
