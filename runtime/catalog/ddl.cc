// Implementation of ddl.h.
#include "catalog/ddl.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "io/columnar.h"
#include "catalog/store_catalog.h"
#include "sql/diagnostics.h"

namespace tranche {
namespace {

using sql::error_at;

batch text_rows(const std::vector<std::string>& names,
                const std::vector<std::vector<std::string>>& rows) {
  schema s;
  for (const auto& n : names) s.fields.push_back({n, type_id::string});
  std::vector<std::vector<value>> values;
  for (const auto& r : rows) values.emplace_back(r.begin(), r.end());
  return make_batch(s, values);
}

batch message(const std::string& text) { return text_rows({"result"}, {{text}}); }

std::string quoted(const std::string& name) { return absl::StrCat("\"", name, "\""); }

absl::StatusOr<batch> create(const sql::create_external_table& c, table_store& store) {
  auto existing = store.get(c.name);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    if (c.if_not_exists)
      return message(absl::StrCat("table ", quoted((*existing)->name),
                                  " already exists; nothing done (IF NOT EXISTS)"));
    return error_at(c.name_pos, absl::StatusCode::kAlreadyExists,
                    absl::StrCat("table ", quoted((*existing)->name), " already exists"));
  }
  const std::vector<std::string> files = expand_location(c.location);
  if (files.empty())
    return error_at(
        c.location_pos, absl::StatusCode::kNotFound,
        absl::StrCat("table ", quoted(c.name), ": LOCATION '", c.location, "' matches no file"));
  if (c.format == "csv") {
    // The first file with a record says how many columns the files have.
    for (const std::string& f : files) {
      auto width = csv_first_record_width(f, c.delimiter);
      if (!width.ok())
        return error_at(c.location_pos, width.status().code(),
                        absl::StrCat("table ", quoted(c.name), ": ", width.status().message()));
      if (*width == 0) continue;
      if (*width != c.columns.size())
        return error_at(
            c.name_pos,
            absl::StrCat("table ", quoted(c.name), " declares ", c.columns.size(),
                         c.columns.size() == 1 ? " column" : " columns", " but ",
                         c.header ? "the header of " : "the first row of ", f, " has ", *width,
                         *width == 1 ? " field" : " fields",
                         c.header ? "" : " (without HEADER the files have no header row)"));
      break;
    }
  } else {
    // Columnar files carry their schema: the declared one must match it.
    schema declared;
    for (const auto& col : c.columns) declared.fields.push_back({col.name, col.type});
    auto reader = columnar_reader::open(files[0], declared);
    if (!reader.ok())
      return error_at(c.location_pos, reader.status().code(),
                      absl::StrCat("table ", quoted(c.name), ": ", reader.status().message()));
  }
  stored_table t;
  t.name = c.name;
  t.location = c.location;
  t.format = c.format;
  t.header = c.header;
  t.delimiter = c.delimiter;
  for (const auto& col : c.columns) t.columns.push_back({col.name, col.type, col.declared});
  if (auto s = store.create(t); !s.ok()) {
    if (absl::IsAlreadyExists(s)) {  // created meanwhile by another client
      if (c.if_not_exists)
        return message(absl::StrCat("table ", quoted(c.name),
                                    " already exists; nothing done (IF NOT EXISTS)"));
      return error_at(c.name_pos, s.code(), std::string(s.message()));
    }
    return s;
  }
  return message(absl::StrCat("created table ", quoted(c.name), " (", c.columns.size(),
                              c.columns.size() == 1 ? " column, " : " columns, ", files.size(),
                              files.size() == 1 ? " file)" : " files)"));
}

absl::Status unknown_table(const std::string& name, sql::source_pos pos, const table_store& store) {
  std::vector<std::string> names;
  if (auto all = store.list(); all.ok())
    for (const auto& t : *all) names.push_back(t.name);
  return error_at(pos, absl::StatusCode::kNotFound,
                  absl::StrCat("unknown table ", quoted(name), sql::did_you_mean(name, names)));
}

absl::StatusOr<batch> drop(const sql::drop_table& d, table_store& store) {
  auto existing = store.get(d.name);
  if (!existing.ok()) return existing.status();
  absl::Status s =
      existing->has_value() ? store.drop((*existing)->name) : absl::NotFoundError("no such table");
  if (absl::IsNotFound(s)) {
    if (d.if_exists)
      return message(
          absl::StrCat("table ", quoted(d.name), " does not exist; nothing done (IF EXISTS)"));
    return unknown_table(d.name, d.name_pos, store);
  }
  if (!s.ok()) return s;
  return message(absl::StrCat("dropped table ", quoted((*existing)->name)));
}

absl::StatusOr<batch> show(table_store& store) {
  auto all = store.list();
  if (!all.ok()) return all.status();
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : *all) rows.push_back({t.name, t.format, t.location});
  return text_rows({"name", "format", "location"}, rows);
}

absl::StatusOr<batch> describe(const sql::describe_table& d, table_store& store) {
  auto t = store.get(d.name);
  if (!t.ok()) return t.status();
  if (!t->has_value()) return unknown_table(d.name, d.name_pos, store);
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : (*t)->columns)
    rows.push_back({c.name, std::string(type_name(c.type)), c.declared});
  return text_rows({"column", "type", "declared_type"}, rows);
}

}  // namespace

absl::StatusOr<batch> execute_ddl(const sql::statement& s, table_store& store) {
  if (const auto* c = std::get_if<sql::create_external_table>(&s)) return create(*c, store);
  if (const auto* d = std::get_if<sql::drop_table>(&s)) return drop(*d, store);
  if (std::holds_alternative<sql::show_tables>(s)) return show(store);
  if (const auto* d = std::get_if<sql::describe_table>(&s)) return describe(*d, store);
  return absl::InvalidArgumentError("a query is not a catalog statement");
}

absl::StatusOr<size_t> csv_first_record_width(const std::string& path, char delimiter) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  constexpr size_t kMaxRecordBytes = size_t{1} << 20;
  std::string buf(kMaxRecordBytes, '\0');
  in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
  buf.resize(static_cast<size_t>(in.gcount()));
  size_t i = buf.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  if (i >= buf.size()) return size_t{0};
  size_t fields = 1;
  bool quoted_field = false;
  for (; i < buf.size(); ++i) {
    const char ch = buf[i];
    if (quoted_field) {
      if (ch == '"') {
        if (i + 1 < buf.size() && buf[i + 1] == '"')
          ++i;
        else
          quoted_field = false;
      }
    } else if (ch == '"') {
      quoted_field = true;
    } else if (ch == delimiter) {
      ++fields;
    } else if (ch == '\n') {
      return fields;
    }
  }
  if (quoted_field)
    return absl::InvalidArgumentError(absl::StrCat(path, ":1: unterminated quoted field"));
  if (buf.size() == kMaxRecordBytes)
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":1: the first record is longer than 1 MiB"));
  return fields;
}

}  // namespace tranche
