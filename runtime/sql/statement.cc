// Implementation of statement.h: a small recursive-descent parser over the
// SELECT lexer's tokens, for the catalog's DDL and COPY; the session
// statements are in session_statement.cc. The DDL and COPY words (CREATE,
// EXTERNAL, TABLE, LOCATION, COPY, ...) are not reserved: they are matched as
// identifiers here, so they stay usable as column names in queries and the
// lexer needs no change.
#include "sql/statement.h"

#include <charconv>
#include <exception>

#include "absl/strings/str_cat.h"
#include "sql/lexer.h"
#include "sql/statement_parser.h"

namespace tranche::sql {
namespace {

class ddl_parser : public statement_parser {
 public:
  using statement_parser::statement_parser;

  absl::StatusOr<statement> run() {
    if (at_word("create")) return create();
    if (at_word("drop")) return drop();
    if (at_word("show")) return show();
    if (at_word("describe") || at_word("desc")) return describe();
    if (at_word("copy")) return copy();
    if (at_word("set")) return parse_set(*this);
    if (at_word("reset")) return parse_reset(*this);
    return absl::InternalError("not a DDL statement");  // the caller checked
  }

 private:
  absl::StatusOr<statement> create() {
    if (at_word("or", 1) || at_word("temp", 1) || at_word("temporary", 1))
      return parse_create_temp(*this);
    const token& create_token = next();
    if (!at_word("external")) {
      if (at_word("table"))
        return error_at(create_token.pos,
                        "only CREATE EXTERNAL TABLE (a set of files named by LOCATION) and, in a "
                        "session, CREATE TEMPORARY TABLE name AS <query> are supported");
      if (at_word("view"))
        return error_at(create_token.pos,
                        "only temporary views are supported: CREATE TEMPORARY VIEW name AS "
                        "<query>, in a session");
      return unexpected(peek(), "EXTERNAL, TEMPORARY or OR REPLACE");
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
    col->declared = to_upper(lower);
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
      if (*seen) return error_at(t.pos, absl::StrCat(to_upper(t.text), " is given twice"));
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

  // DROP TABLE (the catalog's) and DROP VIEW (a session's) alike.
  absl::StatusOr<statement> drop() {
    next();
    const bool view = at_word("view");
    if (!view && !at_word("table")) return unexpected(peek(), "TABLE or VIEW");
    next();
    bool if_exists = false;
    if (at_word("if")) {
      next();
      SQL_RETURN_IF_ERROR(expect_word("exists"));
      if_exists = true;
    }
    std::string dropped;
    source_pos pos;
    SQL_RETURN_IF_ERROR(name(view ? "view name" : "table name", &dropped, &pos));
    SQL_RETURN_IF_ERROR(expect_end());
    if (view) return drop_view{dropped, pos, if_exists};
    return drop_table{dropped, pos, if_exists};
  }

  absl::StatusOr<statement> show() {
    next();
    statement s;
    if (at_word("tables")) {
      s = show_tables{};
    } else if (at_word("settings")) {
      s = show_settings{};
    } else if (at_word("views")) {
      s = show_views{};
    } else {
      return unexpected(peek(), "TABLES, SETTINGS or VIEWS");
    }
    next();
    SQL_RETURN_IF_ERROR(expect_end());
    return s;
  }

  absl::StatusOr<statement> describe() {
    next();
    // DESCRIBE TABLE t; but a table may itself be called "table".
    if (at_word("table") && peek().kind == token_kind::identifier && peek(1).is_identifier())
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
    const size_t first = index();
    int depth = 1;
    for (;;) {
      const token& t = peek();
      if (t.kind == token_kind::end)
        return error_at(open.pos, "unbalanced \"(\": COPY's query has no closing \")\"");
      if (t.is_symbol("(")) ++depth;
      if (t.is_symbol(")") && --depth == 0) break;
      next();
    }
    if (index() == first) return unexpected(peek(), "a query inside COPY ( )");
    c.query_pos = at(first).pos;
    c.query = blanked_span(first, index() - 1);
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
        !p.at_word("describe") && !p.at_word("desc") && !p.at_word("copy") && !p.at_word("set") &&
        !p.at_word("reset"))
      return select_statement{std::string(sql)};
    return p.run();
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("SQL front end failed: ", e.what()));
  }
}

}  // namespace tranche::sql
