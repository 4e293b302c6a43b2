// Implementation of statement.h: a small recursive-descent parser over the
// SELECT lexer's tokens. The DDL and COPY words (CREATE, EXTERNAL, TABLE,
// LOCATION, COPY, ...) are not reserved: they are matched as identifiers here, so they stay
// usable as column names in queries and the lexer needs no change.
#include "sql/statement.h"

#include <charconv>
#include <exception>

#include "absl/strings/str_cat.h"
#include "sql/lexer.h"

namespace tranche::sql {
namespace {

absl::string_view av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// How a token is echoed in "expected X, got Y".
std::string describe_token(const token& t) {
  switch (t.kind) {
    case token_kind::end:
      return "end of input";
    case token_kind::string:
      return absl::StrCat("'", t.text, "'");
    case token_kind::keyword:
      return absl::StrCat("\"", upper(t.text), "\"");
    default:
      return absl::StrCat("\"", t.text, "\"");
  }
}

class ddl_parser {
 public:
  ddl_parser(std::vector<token> tokens, std::string_view sql)
      : tokens_(std::move(tokens)), sql_(sql) {}

  // A word: an unquoted identifier or a keyword, compared case-insensitively.
  [[nodiscard]] bool at_word(std::string_view w, size_t ahead = 0) const {
    const token& t = tokens_[std::min(i_ + ahead, tokens_.size() - 1)];
    return (t.kind == token_kind::identifier || t.kind == token_kind::keyword) &&
           equals_ignore_case(t.text, w);
  }

  absl::StatusOr<statement> run() {
    if (at_word("create")) return create();
    if (at_word("drop")) return drop();
    if (at_word("show")) return show();
    if (at_word("describe") || at_word("desc")) return describe();
    if (at_word("copy")) return copy();
    return absl::InternalError("not a DDL statement");  // the caller checked
  }

 private:
  const token& peek() const { return tokens_[i_]; }
  const token& next() {
    const token& t = tokens_[i_];
    if (i_ + 1 < tokens_.size()) ++i_;
    return t;
  }
  absl::Status unexpected(const token& t, std::string_view what) const {
    return error_at(t.pos, absl::StrCat("expected ", av(what), ", got ", describe_token(t)));
  }
  absl::Status expect_word(std::string_view w) {
    if (!at_word(w)) return unexpected(peek(), upper(w));
    next();
    return absl::OkStatus();
  }
  bool accept_symbol(std::string_view s) {
    if (!peek().is_symbol(s)) return false;
    next();
    return true;
  }
  absl::Status expect_symbol(std::string_view s) {
    if (!accept_symbol(s)) return unexpected(peek(), absl::StrCat("\"", av(s), "\""));
    return absl::OkStatus();
  }
  // The end of the statement, after an optional ';'.
  absl::Status expect_end() {
    accept_symbol(";");
    if (peek().kind != token_kind::end) return unexpected(peek(), "end of statement");
    return absl::OkStatus();
  }

  // A table or column name: an identifier, quoted or not, never qualified.
  absl::Status name(std::string_view what, std::string* out, source_pos* pos) {
    const token& t = peek();
    if (!t.is_identifier()) return unexpected(t, what);
    *out = t.text;
    *pos = t.pos;
    next();
    if (peek().is_symbol("."))
      return error_at(t.pos, absl::StrCat("qualified names are not supported: ", av(what), " \"",
                                          t.text, "\" is a single name"));
    return absl::OkStatus();
  }

  absl::StatusOr<statement> create() {
    const token& create_token = next();
    if (!at_word("external")) {
      if (at_word("table"))
        return error_at(create_token.pos,
                        "only CREATE EXTERNAL TABLE is supported: a table is a set of files "
                        "named by LOCATION");
      return unexpected(peek(), "EXTERNAL");
    }
    next();
    SQL_RETURN_IF_ERROR(expect_word("table"));
    create_external_table c;
    if (at_word("if")) {
      next();
      SQL_RETURN_IF_ERROR(expect_word("not"));
      SQL_RETURN_IF_ERROR(expect_word("exists"));
      c.if_not_exists = true;
    }
    SQL_RETURN_IF_ERROR(name("table name", &c.name, &c.name_pos));
    SQL_RETURN_IF_ERROR(expect_symbol("("));
    do {
      column_definition col;
      SQL_RETURN_IF_ERROR(name("column name", &col.name, &col.pos));
      for (const auto& other : c.columns)
        if (equals_ignore_case(other.name, col.name))
          return error_at(col.pos, absl::StrCat("duplicate column \"", col.name, "\" in table \"",
                                                c.name, "\""));
      SQL_RETURN_IF_ERROR(column_type(&col));
      c.columns.push_back(std::move(col));
    } while (accept_symbol(","));
    SQL_RETURN_IF_ERROR(expect_symbol(")"));
    SQL_RETURN_IF_ERROR(
        option_clauses({&c.location, &c.location_pos, &c.format, &c.header, &c.delimiter}));
    SQL_RETURN_IF_ERROR(expect_end());
    return c;
  }

  absl::Status column_type(column_definition* col) {
    const token& t = peek();
    if (t.kind != token_kind::identifier)
      return unexpected(t, absl::StrCat("a type for column \"", col->name, "\""));
    const std::string lower = to_lower(t.text);
    auto mapped = map_declared_type(lower);
    if (!mapped.ok())
      return error_at(t.pos,
                      absl::StrCat("unknown type \"", t.text, "\" for column \"", col->name, "\""));
    next();
    col->type = *mapped;
    col->declared = upper(lower);
    if (lower == "double" && at_word("precision")) {
      next();
      col->declared = "DOUBLE PRECISION";
    } else if (lower == "character" && at_word("varying")) {
      next();
      col->declared = "CHARACTER VARYING";
    }
    const bool sized = lower == "varchar" || lower == "char" || lower == "character";
    const bool numeric = lower == "decimal" || lower == "numeric";
    if ((sized || numeric) && peek().is_symbol("(")) {
      next();
      std::string params;
      const int max_params = numeric ? 2 : 1;
      for (int n = 0;; ++n) {
        const token& p = peek();
        uint64_t v = 0;
        auto [end, ec] = std::from_chars(p.text.data(), p.text.data() + p.text.size(), v);
        if (p.kind != token_kind::integer || ec != std::errc() ||
            end != p.text.data() + p.text.size() || (sized && v == 0))
          return unexpected(p, sized ? "a positive length" : "an integer precision or scale");
        if (n >= max_params)
          return error_at(p.pos, absl::StrCat(col->declared, " takes at most ", max_params,
                                              max_params == 1 ? " parameter" : " parameters"));
        absl::StrAppend(&params, n == 0 ? "" : ",", p.text);
        next();
        if (!accept_symbol(",")) break;
      }
      SQL_RETURN_IF_ERROR(expect_symbol(")"));
      absl::StrAppend(&col->declared, "(", params, ")");
    }
    return absl::OkStatus();
  }

  // The quoted one-character field delimiter of DELIMITER '|'.
  absl::Status delimiter_value(char* out) {
    const token& d = peek();
    if (d.kind != token_kind::string) return unexpected(d, "a quoted delimiter such as '|'");
    if (d.text.size() != 1 || d.text[0] == '"' || d.text[0] == '\n' || d.text[0] == '\r')
      return error_at(d.pos, absl::StrCat("DELIMITER must be one character other than a "
                                          "quote or a line break, got '",
                                          d.text, "'"));
    *out = d.text[0];
    next();
    return absl::OkStatus();
  }

  // Where the option clauses of CREATE EXTERNAL TABLE or COPY ... TO go. With
  // `location` set they are CREATE's: LOCATION too, bare words only, and
  // LOCATION and FORMAT required. Without, COPY's: FORMAT may be quoted,
  // HEADER may be followed by true|on|false|off, and the whole list may be
  // PostgreSQL's WITH ( ..., ... ).
  struct option_targets {
    std::string* location = nullptr;
    source_pos* location_pos = nullptr;
    std::string* format = nullptr;
    bool* header = nullptr;
    char* delimiter = nullptr;
  };

  // The option clauses in any order, each at most once; a CSV-only option
  // with another format is an error.
  absl::Status option_clauses(const option_targets& o) {
    const bool create = o.location != nullptr;
    const bool with = !create && at_word("with");
    if (with) {
      next();
      SQL_RETURN_IF_ERROR(expect_symbol("("));
    }
    bool location = false, format = false, header = false, delimiter = false;
    source_pos header_pos, delimiter_pos;
    auto once = [&](bool* seen, const token& t) -> absl::Status {
      if (*seen) return error_at(t.pos, absl::StrCat(upper(t.text), " is given twice"));
      *seen = true;
      return absl::OkStatus();
    };
    for (bool first = true;; first = false) {
      if (with && !first && !accept_symbol(",")) break;
      const token& t = peek();
      if (create && at_word("location")) {
        SQL_RETURN_IF_ERROR(once(&location, t));
        next();
        if (peek().kind != token_kind::string) return unexpected(peek(), "a quoted path or glob");
        if (peek().text.empty()) return error_at(peek().pos, "LOCATION is empty");
        *o.location = peek().text;
        *o.location_pos = peek().pos;
        next();
      } else if (at_word("format")) {
        SQL_RETURN_IF_ERROR(once(&format, t));
        next();
        // COPY also takes WITH (FORMAT 'csv').
        const bool quoted = !create && peek().kind == token_kind::string;
        if ((quoted || at_word("csv")) && equals_ignore_case(peek().text, "csv")) {
          *o.format = "csv";
        } else if ((quoted || at_word("columnar")) && equals_ignore_case(peek().text, "columnar")) {
          *o.format = "columnar";
        } else {
          return unexpected(peek(), "CSV or COLUMNAR");
        }
        next();
      } else if (at_word("header")) {
        SQL_RETURN_IF_ERROR(once(&header, t));
        header_pos = t.pos;
        next();
        *o.header = true;
        // COPY's HEADER may say so (CREATE's is a bare word).
        if (!create && (at_word("true") || at_word("on"))) {
          next();
        } else if (!create && (at_word("false") || at_word("off"))) {
          *o.header = false;
          next();
        }
      } else if (at_word("delimiter")) {
        SQL_RETURN_IF_ERROR(once(&delimiter, t));
        delimiter_pos = t.pos;
        next();
        SQL_RETURN_IF_ERROR(delimiter_value(o.delimiter));
      } else if (with) {
        return unexpected(t, "FORMAT, HEADER or DELIMITER");
      } else {
        break;
      }
    }
    if (with) SQL_RETURN_IF_ERROR(expect_symbol(")"));
    if (create) {
      if (!location) return unexpected(peek(), format ? "LOCATION 'glob'" : "LOCATION or FORMAT");
      if (!format) return unexpected(peek(), "FORMAT CSV or FORMAT COLUMNAR");
    }
    if (*o.format != "csv") {
      if (header) return error_at(header_pos, "HEADER applies to FORMAT CSV only");
      if (delimiter) return error_at(delimiter_pos, "DELIMITER applies to FORMAT CSV only");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<statement> drop() {
    next();
    SQL_RETURN_IF_ERROR(expect_word("table"));
    drop_table d;
    if (at_word("if")) {
      next();
      SQL_RETURN_IF_ERROR(expect_word("exists"));
      d.if_exists = true;
    }
    SQL_RETURN_IF_ERROR(name("table name", &d.name, &d.name_pos));
    SQL_RETURN_IF_ERROR(expect_end());
    return d;
  }

  absl::StatusOr<statement> show() {
    next();
    SQL_RETURN_IF_ERROR(expect_word("tables"));
    SQL_RETURN_IF_ERROR(expect_end());
    return show_tables{};
  }

  absl::StatusOr<statement> describe() {
    next();
    // DESCRIBE TABLE t; but a table may itself be called "table".
    if (at_word("table") && peek().kind == token_kind::identifier &&
        tokens_[std::min(i_ + 1, tokens_.size() - 1)].is_identifier())
      next();
    describe_table d;
    SQL_RETURN_IF_ERROR(name("table name", &d.name, &d.name_pos));
    SQL_RETURN_IF_ERROR(expect_end());
    return d;
  }

  absl::StatusOr<statement> copy() {
    next();
    copy_to c;
    if (!peek().is_symbol("(")) {
      if (peek().is_identifier())
        return error_at(peek().pos,
                        "COPY takes a query in parentheses: COPY (SELECT ...) TO 'dir'");
      return unexpected(peek(), "\"(\" and a query");
    }
    const token& open = next();
    // The query: every token up to the matching ')'.
    const size_t first = i_;
    int depth = 1;
    for (;;) {
      const token& t = peek();
      if (t.kind == token_kind::end)
        return error_at(open.pos, "unbalanced \"(\": COPY's query has no closing \")\"");
      if (t.is_symbol("(")) ++depth;
      if (t.is_symbol(")") && --depth == 0) break;
      next();
    }
    if (i_ == first) return unexpected(peek(), "a query inside COPY ( )");
    const token& query_first = tokens_[first];
    const size_t begin = query_first.begin;
    const size_t end = tokens_[i_ - 1].end;
    c.query_pos = query_first.pos;
    c.query.reserve(end);
    for (size_t b = 0; b < begin; ++b) {
      const char ch = sql_[b];
      if (ch == '\n' || ch == '\r') {
        c.query.push_back(ch);
      } else if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) {
        c.query.push_back(' ');  // one per character: columns count characters
      }
    }
    c.query.append(sql_.substr(begin, end - begin));
    next();  // ')'
    SQL_RETURN_IF_ERROR(expect_word("to"));
    if (peek().kind != token_kind::string) return unexpected(peek(), "a quoted directory");
    if (peek().text.empty()) return error_at(peek().pos, "COPY's target directory is empty");
    c.target = peek().text;
    c.target_pos = peek().pos;
    next();
    SQL_RETURN_IF_ERROR(option_clauses({nullptr, nullptr, &c.format, &c.header, &c.delimiter}));
    SQL_RETURN_IF_ERROR(expect_end());
    return c;
  }

  std::vector<token> tokens_;
  std::string_view sql_;
  size_t i_ = 0;
};

}  // namespace

absl::StatusOr<type_id> map_declared_type(std::string_view t) {
  if (t == "bigint" || t == "int" || t == "integer" || t == "smallint" || t == "tinyint")
    return type_id::int64;
  if (t == "double" || t == "float" || t == "real" || t == "decimal" || t == "numeric")
    return type_id::float64;  // tranche has no fixed-point type
  if (t == "varchar" || t == "char" || t == "character" || t == "text" || t == "string")
    return type_id::string;
  if (t == "date") return type_id::date;
  if (t == "boolean" || t == "bool") return type_id::boolean;
  return absl::NotFoundError(absl::StrCat("unknown type \"", std::string(t), "\""));
}

absl::StatusOr<statement> parse_statement(std::string_view sql) {
  try {
    SQL_ASSIGN_OR_RETURN(std::vector<token> tokens, tokenize(sql));
    ddl_parser p(std::move(tokens), sql);
    if (!p.at_word("create") && !p.at_word("drop") && !p.at_word("show") &&
        !p.at_word("describe") && !p.at_word("desc") && !p.at_word("copy"))
      return select_statement{std::string(sql)};
    return p.run();
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("SQL front end failed: ", e.what()));
  }
}

}  // namespace tranche::sql
