// A kernel's statements: order, states, history counts, and the REST API's
// JSON for results and errors (parsed back with nlohmann/json).
#include "session/statement_book.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace tranche {
namespace {

TEST(StatementBook, RunsInOrderAndCountsExecutions) {
  statement_book b;
  EXPECT_FALSE(b.busy());
  EXPECT_EQ(b.add("SELECT 1", 1.0), 1);
  EXPECT_EQ(b.add("SELECT 2", 2.0), 2);
  EXPECT_EQ(b.add(" SELECT 1 \n", 3.0), 3);
  EXPECT_TRUE(b.busy());
  auto first = b.start_next(4.0);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->id, 1);
  EXPECT_EQ(b.find(1)->state, statement_state::running);
  EXPECT_TRUE(b.finish(1, statement_state::available, "{}", 5.0));
  EXPECT_FALSE(b.finish(1, statement_state::error, "{}", 6.0));     // ended already
  EXPECT_TRUE(b.finish(3, statement_state::cancelled, "{}", 6.0));  // cancelled while waiting
  EXPECT_EQ(b.start_next(7.0)->id, 2);
  EXPECT_FALSE(b.start_next(7.0).has_value());
  EXPECT_TRUE(b.busy());
  EXPECT_TRUE(b.finish(2, statement_state::error, "{}", 8.0));
  EXPECT_FALSE(b.busy());
  auto h = b.history();
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].code, "SELECT 1");
  EXPECT_EQ(h[0].runs, 2);
  EXPECT_EQ(h[0].last_id, 3);
  EXPECT_EQ(h[0].last_state, statement_state::cancelled);
  EXPECT_EQ(h[1].runs, 1);
  EXPECT_EQ(b.count(), 3);
}

TEST(StatementBook, KeepsTheNewestEndedOnes) {
  statement_book b(2);
  for (int i = 0; i < 5; ++i) {
    const int64_t id = b.add("SELECT " + std::to_string(i), i);
    b.start_next(i);
    b.finish(id, statement_state::available, "{}", i);
  }
  auto l = b.list();
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].id, 4);
  EXPECT_EQ(b.find(1), nullptr);
  EXPECT_EQ(b.count(), 5);
}

TEST(StatementBook, ResultJsonHasTypedValuesNullsAndTruncation) {
  schema s{{{"n", type_id::int64},
            {"x", type_id::float64},
            {"ok", type_id::boolean},
            {"name", type_id::string},
            {"day", type_id::date}}};
  batch b = make_batch(
      s, {{value{int64_t{1}}, value{1.5}, value{true}, value{std::string("<b>x</b>")},
           value{date_value{0}}},
          {value{}, value{std::nan("")}, value{false}, value{std::string("é\"")}, value{}}});
  auto j = nlohmann::json::parse(result_output_json(s, {b, b}, 4, 3));
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["columns"], nlohmann::json({"n", "x", "ok", "name", "day"}));
  EXPECT_EQ(j["types"], nlohmann::json({"BIGINT", "DOUBLE", "BOOLEAN", "VARCHAR", "DATE"}));
  ASSERT_EQ(j["rows"].size(), 3u);
  EXPECT_EQ(j["rows"][0], nlohmann::json::parse(R"([1, 1.5, true, "<b>x</b>", "1970-01-01"])"));
  EXPECT_TRUE(j["rows"][1][0].is_null());
  EXPECT_TRUE(j["rows"][1][1].is_null());  // NaN has no JSON form
  EXPECT_EQ(j["rows"][1][3], "é\"");
  EXPECT_EQ(j["row_count"], 4);
  EXPECT_EQ(j["truncated"], true);
  EXPECT_TRUE(j["error"].is_null());
}

TEST(StatementBook, ErrorAndStatementJson) {
  auto e = nlohmann::json::parse(error_output_json(statement_state::error, "line 1: bad"));
  EXPECT_EQ(e["status"], "error");
  EXPECT_EQ(e["error"], "line 1: bad");
  EXPECT_TRUE(e["rows"].empty());
  auto c = nlohmann::json::parse(error_output_json(statement_state::cancelled, "cancelled"));
  EXPECT_EQ(c["status"], "cancelled");
  statement_record r;
  r.id = 7;
  r.code = "SELECT 1";
  r.state = statement_state::waiting;
  r.submitted = 10;
  auto w = nlohmann::json::parse(statement_json(r));
  EXPECT_EQ(w["id"], 7);
  EXPECT_EQ(w["state"], "waiting");
  EXPECT_TRUE(w["output"].is_null());
  EXPECT_TRUE(w["completed"].is_null());
  r.state = statement_state::error;
  r.started = 11;
  r.completed = 12;
  r.output_json = error_output_json(statement_state::error, "boom");
  w = nlohmann::json::parse(statement_json(r));
  EXPECT_EQ(w["output"]["error"], "boom");
  EXPECT_EQ(w["completed"], 12.0);
}

}  // namespace
}  // namespace tranche
