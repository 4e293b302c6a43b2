// Rendering a query result for the CLI: an aligned table, CSV, or JSON.
#pragma once

#include <ostream>
#include <string>

#include "tranche/client.h"

namespace tranche {

// "table", "csv" or "json"; false for an unknown format.
[[nodiscard]] bool known_format(const std::string& format);
void print_result(const query_result& r, const std::string& format, std::ostream& out);

}  // namespace tranche
