// Implementation of lexer.h: a hand-written single-pass scanner over bytes.
// Non-ASCII bytes are allowed inside identifiers and strings (UTF-8 names),
// and columns are counted in characters so positions match what editors show.
#include "sql/lexer.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace tranche::sql {
namespace {

// Words the parser treats as syntax; any other word is an identifier (so
// DATE, FIRST, LAST, NULLS and type names stay usable as column names).
constexpr std::array<std::string_view, 38> kSupportedKeywords = {
    "select", "from",  "where",   "group", "by",    "having", "order",  "limit", "as",   "and",
    "or",     "not",   "is",      "null",  "true",  "false",  "asc",    "desc",  "cast", "in",
    "between", "like", "case",    "when",  "then",  "else",   "end",    "distinct", "all",
    "join",   "inner", "left",    "outer", "cross", "on",     "union",  "exists", "with"};

constexpr std::array<std::string_view, 7> kUnsupportedKeywords = {
    "right", "full", "natural", "using", "intersect", "except", "offset"};

bool is_ident_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_ident_char(unsigned char c) { return is_ident_start(c) || is_digit(c) || c == '$'; }

// Renders one offending byte for an error message.
std::string printable(unsigned char c) {
  if (c >= 0x20 && c < 0x7f) return std::string(1, static_cast<char>(c));
  return absl::StrFormat("\\x%02x", c);
}

class scanner {
 public:
  explicit scanner(std::string_view sql) : sql_(sql) {}

  absl::StatusOr<std::vector<token>> run() {
    SQL_RETURN_IF_ERROR(check_utf8());
    std::vector<token> out;
    for (;;) {
      SQL_RETURN_IF_ERROR(skip_space_and_comments());
      token t;
      t.begin = i_;
      t.pos = pos_;
      if (i_ >= sql_.size()) {
        t.kind = token_kind::end;
        t.end = i_;
        out.push_back(std::move(t));
        return out;
      }
      SQL_RETURN_IF_ERROR(scan_token(t));
      t.end = i_;
      out.push_back(std::move(t));
    }
  }

 private:
  // Rejects malformed UTF-8 up front, so that names and strings echoed in
  // errors and results are always valid text.
  absl::Status check_utf8() const {
    source_pos pos;
    for (size_t i = 0; i < sql_.size();) {
      unsigned char c = static_cast<unsigned char>(sql_[i]);
      size_t extra = c < 0x80                   ? 0
                     : (c >= 0xC2 && c <= 0xDF) ? 1
                     : (c >= 0xE0 && c <= 0xEF) ? 2
                     : (c >= 0xF0 && c <= 0xF4) ? 3
                                                : 4;
      bool ok = extra < 4 && i + extra < sql_.size();
      for (size_t k = 1; ok && k <= extra; ++k)
        ok = (static_cast<unsigned char>(sql_[i + k]) & 0xC0) == 0x80;
      if (!ok) return error_at(pos, absl::StrFormat("invalid UTF-8 byte 0x%02x", c));
      if (c == '\n') {
        ++pos.line;
        pos.column = 1;
      } else {
        ++pos.column;
      }
      i += extra + 1;
    }
    return absl::OkStatus();
  }

  unsigned char peek(size_t ahead = 0) const {
    return i_ + ahead < sql_.size() ? static_cast<unsigned char>(sql_[i_ + ahead]) : 0;
  }
  bool at_end(size_t ahead = 0) const { return i_ + ahead >= sql_.size(); }

  void advance() {
    unsigned char c = static_cast<unsigned char>(sql_[i_++]);
    if (c == '\n') {
      ++pos_.line;
      pos_.column = 1;
    } else if ((c & 0xC0) != 0x80) {  // UTF-8 continuation bytes share a column
      ++pos_.column;
    }
  }

  absl::Status skip_space_and_comments() {
    for (;;) {
      if (at_end()) return absl::OkStatus();
      unsigned char c = peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        advance();
      } else if (c == '-' && peek(1) == '-') {
        while (!at_end() && peek() != '\n') advance();
      } else if (c == '/' && peek(1) == '*') {
        source_pos start = pos_;
        advance();
        advance();
        for (;;) {
          if (at_end()) return error_at(start, "unterminated /* comment");
          if (peek() == '*' && peek(1) == '/') {
            advance();
            advance();
            break;
          }
          advance();
        }
      } else {
        return absl::OkStatus();
      }
    }
  }

  absl::Status scan_token(token& t) {
    unsigned char c = peek();
    if (is_ident_start(c)) {
      while (!at_end() && is_ident_char(peek())) advance();
      t.text = std::string(sql_.substr(t.begin, i_ - t.begin));
      std::string lower = to_lower(t.text);
      auto reserved = [&](const auto& words) {
        return std::find(words.begin(), words.end(), lower) != words.end();
      };
      if (reserved(kSupportedKeywords) || reserved(kUnsupportedKeywords)) {
        t.kind = token_kind::keyword;
        t.text = std::move(lower);
      } else {
        t.kind = token_kind::identifier;
      }
      return absl::OkStatus();
    }
    if (is_digit(c) || (c == '.' && is_digit(peek(1)))) return scan_number(t);
    if (c == '\'') return scan_quoted(t, '\'', token_kind::string, "unterminated string literal");
    if (c == '"') {
      SQL_RETURN_IF_ERROR(
          scan_quoted(t, '"', token_kind::quoted_identifier, "unterminated quoted identifier"));
      if (t.text.empty()) return error_at(t.pos, "zero-length quoted identifier");
      return absl::OkStatus();
    }
    static constexpr std::array<std::string_view, 5> kTwoChar = {"<>", "!=", "<=", ">=", "||"};
    for (std::string_view s : kTwoChar) {
      if (c == static_cast<unsigned char>(s[0]) && peek(1) == static_cast<unsigned char>(s[1])) {
        if (s == "||") return error_at(t.pos, "operator || is not supported");
        advance();
        advance();
        t.kind = token_kind::symbol;
        t.text = std::string(s);
        return absl::OkStatus();
      }
    }
    static constexpr std::string_view kOneChar = "+-*/%=<>(),.;";
    if (c != 0 && kOneChar.find(static_cast<char>(c)) != std::string_view::npos) {
      advance();
      t.kind = token_kind::symbol;
      t.text = std::string(1, static_cast<char>(c));
      return absl::OkStatus();
    }
    return error_at(t.pos, absl::StrCat("unexpected character \"", printable(c), "\""));
  }

  absl::Status scan_number(token& t) {
    bool is_decimal = false;
    while (is_digit(peek())) advance();
    if (peek() == '.') {
      is_decimal = true;
      advance();
      while (is_digit(peek())) advance();
    }
    if (peek() == 'e' || peek() == 'E') {
      is_decimal = true;
      advance();
      if (peek() == '+' || peek() == '-') advance();
      if (!is_digit(peek())) {
        while (!at_end() && is_ident_char(peek())) advance();
        return error_at(t.pos, absl::StrCat("invalid numeric literal \"",
                                            std::string(sql_.substr(t.begin, i_ - t.begin)), "\""));
      }
      while (is_digit(peek())) advance();
    }
    if (!at_end() && (is_ident_char(peek()) || peek() == '.')) {
      while (!at_end() && (is_ident_char(peek()) || peek() == '.')) advance();
      return error_at(t.pos, absl::StrCat("invalid numeric literal \"",
                                          std::string(sql_.substr(t.begin, i_ - t.begin)), "\""));
    }
    t.kind = is_decimal ? token_kind::decimal : token_kind::integer;
    t.text = std::string(sql_.substr(t.begin, i_ - t.begin));
    return absl::OkStatus();
  }

  // Scans 'text' or "name", where a doubled quote stands for one quote.
  absl::Status scan_quoted(token& t, char quote, token_kind kind, std::string_view unterminated) {
    advance();
    for (;;) {
      if (at_end()) return error_at(t.pos, unterminated);
      char c = static_cast<char>(peek());
      if (c == quote) {
        if (peek(1) == static_cast<unsigned char>(quote)) {
          t.text.push_back(quote);
          advance();
          advance();
          continue;
        }
        advance();
        break;
      }
      t.text.push_back(c);
      advance();
    }
    t.kind = kind;
    return absl::OkStatus();
  }

  std::string_view sql_;
  size_t i_ = 0;
  source_pos pos_;
};

}  // namespace

absl::StatusOr<std::vector<token>> tokenize(std::string_view sql) { return scanner(sql).run(); }

bool is_unsupported_keyword(std::string_view lowercase_word) {
  return std::find(kUnsupportedKeywords.begin(), kUnsupportedKeywords.end(), lowercase_word) !=
         kUnsupportedKeywords.end();
}

}  // namespace tranche::sql
