// The TPC-H queries tranche runs in its tests and benchmark, as published in
// the specification (revision 3, section 2.4) with the validation values of
// the substitution parameters. The one adaptation: queries whose text says
// "return the first N rows" (3, 10, 18) end with LIMIT N, as every engine
// runs them.
#pragma once

#include <string>
#include <vector>

namespace tranche {

// The query numbers available: 1, 3, 4, 5, 6, 10, 12, 14, 18, 19.
[[nodiscard]] const std::vector<int>& tpch_query_numbers();

// The text of query `n` in tranche's dialect; empty for a number not listed.
[[nodiscard]] std::string tpch_query(int n);

// The same query for SQLite (the tests' independent oracle, and the spelling
// DuckDB accepts too): dates as 'YYYY-MM-DD' text, intervals folded into
// literal dates, and Q6's decimal arithmetic on literals folded (SQLite would
// compute .06 + 0.01 in binary doubles).
[[nodiscard]] std::string tpch_query_sqlite(int n);

}  // namespace tranche
