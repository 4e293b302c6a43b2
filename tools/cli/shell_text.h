// The plain logic of `tranche shell` (tools/cli/shell.cc), apart from its
// terminal and its HTTP: cutting typed text into statements at the `;` that
// end them, and printing a statement's result the way `tranche sql` prints
// one. Unit-tested in tests/cli/shell_text_test.cc.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/session_client.h"

namespace tranche::cli {

// Collects lines and yields the statements they complete. A statement ends
// at a `;` outside 'single' and "double" quotes, -- line comments and /* */
// block comments (quotes and block comments may span lines). One line may
// complete several statements and leave an unfinished remainder for the
// next. Statements are yielded without their `;` and surrounding blanks;
// ones holding only blanks and comments are dropped.
class statement_splitter {
 public:
  // Adds one line (without its newline); returns the statements it ended.
  [[nodiscard]] std::vector<std::string> feed(const std::string& line);
  // Whether an unfinished statement is waiting for more lines (the shell
  // then prompts with its continuation prompt).
  [[nodiscard]] bool pending() const;
  // The unfinished remainder as a statement, if it holds any code (the end
  // of a non-interactive input runs it); the splitter is then empty.
  [[nodiscard]] std::optional<std::string> finish();
  // Forgets the unfinished remainder (Ctrl-C at the prompt).
  void reset();

 private:
  enum class mode { code, single_quote, double_quote, block_comment };
  std::string text_;  // the remainder so far, lines joined by '\n'
  mode mode_ = mode::code;
  bool has_code_ = false;  // the remainder holds something besides blanks and comments
};

// Prints a finished statement: its rows as the CLI's table (NULL for SQL
// NULL) followed by `(N rows, 0.123 s)` and, when the kernel kept only the
// first rows, `(showing the first K of N rows)`; an error as `error: ...` on
// `err`; a cancelled one as `cancelled`. Returns whether it succeeded.
bool print_statement_result(const statement_info& s, std::ostream& out, std::ostream& err);

}  // namespace tranche::cli
