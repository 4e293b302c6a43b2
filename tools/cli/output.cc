// Implementation of the CLI's result rendering (see output.h).
#include "cli/output.h"

#include <algorithm>
#include <vector>

#include "console/json.h"

namespace tranche {
namespace {

std::string csv_escape(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string json_value(const value& v) {
  switch (v.index()) {
    case 0:
      return "null";
    case 1:
    case 2:
    case 3:
      return to_string(v);
    default:
      return json_string(to_string(v));
  }
}

}  // namespace

void print_text_table(const std::vector<std::string>& names, const std::vector<bool>& right_aligned,
                      const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  // Width in code points, so that UTF-8 text lines up.
  auto width_of = [](const std::string& s) {
    size_t n = 0;
    for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
    return n;
  };
  std::vector<size_t> width(names.size());
  for (size_t c = 0; c < names.size(); ++c) width[c] = width_of(names[c]);
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], width_of(row[c]));
  auto line = [&](const std::vector<std::string>& row, bool header) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) {
      if (c) out << " | ";
      const size_t pad = width[c] - width_of(row[c]);
      if (!header && c < right_aligned.size() && right_aligned[c])
        out << std::string(pad, ' ') << row[c];
      else
        out << row[c] << (c + 1 < row.size() ? std::string(pad, ' ') : "");
    }
    out << "\n";
  };
  line(names, true);
  for (size_t c = 0; c < names.size(); ++c) out << (c ? "-+-" : "") << std::string(width[c], '-');
  out << "\n";
  for (const auto& row : rows) line(row, false);
}

bool known_format(const std::string& f) { return f == "table" || f == "csv" || f == "json"; }

void print_result(const query_result& r, const std::string& format, std::ostream& out) {
  const auto& fields = r.columns.fields;
  if (format == "csv") {
    for (size_t c = 0; c < fields.size(); ++c) out << (c ? "," : "") << csv_escape(fields[c].name);
    out << "\n";
    for (const auto& b : r.batches)
      for (size_t i = 0; i < b.rows; ++i) {
        for (size_t c = 0; c < b.columns.size(); ++c) {
          if (c) out << ",";
          if (!b.columns[c]->is_null(i)) out << csv_escape(to_string(b.get(i, c)));
        }
        out << "\n";
      }
    return;
  }
  if (format == "json") {
    out << "[";
    bool first = true;
    for (const auto& b : r.batches)
      for (size_t i = 0; i < b.rows; ++i) {
        out << (first ? "\n  {" : ",\n  {");
        first = false;
        for (size_t c = 0; c < b.columns.size(); ++c)
          out << (c ? ", " : "") << json_string(fields[c].name) << ": " << json_value(b.get(i, c));
        out << "}";
      }
    out << (first ? "]\n" : "\n]\n");
    return;
  }
  std::vector<std::vector<std::string>> cells;
  for (const auto& b : r.batches)
    for (size_t i = 0; i < b.rows; ++i) {
      std::vector<std::string> row;
      for (size_t c = 0; c < b.columns.size(); ++c) row.push_back(to_string(b.get(i, c)));
      cells.push_back(std::move(row));
    }
  std::vector<std::string> names;
  std::vector<bool> right;
  for (const auto& f : fields) {
    names.push_back(f.name);
    right.push_back(f.type == type_id::int64 || f.type == type_id::float64);
  }
  print_text_table(names, right, cells, out);
  out << "(" << r.rows << " row" << (r.rows == 1 ? "" : "s") << ")\n";
}

}  // namespace tranche
