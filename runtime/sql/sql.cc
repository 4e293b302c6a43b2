// compile_sql (sql.h): parse, then bind. This is the edge where untrusted
// query text enters, so it also turns any exception from below (allocation
// failure, a constructor's logic_error) into a Status instead of letting it
// escape to the caller.
#include "sql/sql.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "sql/binder.h"
#include "sql/parser.h"

namespace tranche {

absl::StatusOr<logical_ptr> compile_sql(std::string_view sql, const catalog& cat) {
  try {
    absl::StatusOr<sql::query_stmt> stmt = sql::parse_query(sql);
    if (!stmt.ok()) return stmt.status();
    return sql::bind_query(*stmt, cat);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("SQL front end failed: ", e.what()));
  } catch (...) {
    return absl::InternalError("SQL front end failed with an unknown exception");
  }
}

}  // namespace tranche
