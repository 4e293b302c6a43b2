// Rendering a query result for the CLI: an aligned table, CSV, or JSON.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "tranche/client.h"

namespace tranche {

// "table", "csv" or "json"; false for an unknown format.
[[nodiscard]] bool known_format(const std::string& format);
// The CLI's aligned table: a header, a -+- rule, then the rows (cells in
// right_aligned columns, numbers, are aligned right). The shell prints a
// session's results with it too.
void print_text_table(const std::vector<std::string>& names, const std::vector<bool>& right_aligned,
                      const std::vector<std::vector<std::string>>& rows, std::ostream& out);
void print_result(const query_result& r, const std::string& format, std::ostream& out);

}  // namespace tranche
