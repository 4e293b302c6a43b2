// Helpers for the statement parser's tests (statement_test.cc,
// session_statement_test.cc, copy_statement_test.cc): parse as one kind of
// statement, or take the error's message.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "sql/statement.h"

namespace tranche::sql {

// The statement, which must parse as a T (a default T and a test failure if not).
template <class T>
T parse_as(const std::string& sql) {
  auto s = parse_statement(sql);
  EXPECT_TRUE(s.ok()) << sql << ": " << s.status();
  if (!s.ok() || !std::holds_alternative<T>(*s)) {
    ADD_FAILURE() << sql << ": parsed as another statement";
    return T{};
  }
  return std::get<T>(*s);
}

// The parse error's message; a test failure (and "") if it parsed.
inline std::string error_of(const std::string& sql) {
  auto s = parse_statement(sql);
  EXPECT_FALSE(s.ok()) << sql;
  return s.ok() ? "" : std::string(s.status().message());
}

}  // namespace tranche::sql
