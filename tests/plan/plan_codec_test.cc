// Round trips through the plan codecs (plan/plan_codec.h): every expression
// op and literal kind, every logical node kind, both portion sources, every
// step kind, a plan, a task spec and a task result come back field for field,
// and re-encoding the decoded object gives the same bytes.
#include "plan/plan_codec.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "codec_test_util.h"

namespace tranche {
namespace {

using namespace testing;  // NOLINT: the samples and diff helpers

logical_ptr round_trip(const logical_node& n) {
  auto bytes = encode_logical(n);
  auto back = decode_logical(bytes.data(), bytes.size());
  EXPECT_TRUE(back.ok()) << back.status();
  if (!back.ok()) return nullptr;
  EXPECT_EQ(encode_logical(**back), bytes) << "re-encoding changed the bytes";
  return *back;
}

TEST(PlanCodec, EveryExpressionOpAndLiteralKind) {
  auto exprs = every_op_exprs();
  auto node = project_node(scan_node(), exprs);
  auto back = round_trip(*node);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(diff_logical(node.get(), back.get(), "root"), "");
  // Spot checks that a diff helper bug could not hide.
  ASSERT_EQ(back->exprs.size(), exprs.size());
  EXPECT_TRUE(is_null(back->exprs[1]->literal));
  EXPECT_EQ(back->exprs[2]->type, type_id::date);
  EXPECT_EQ(std::get<std::string>(back->exprs[8]->literal), "h\xc3\xa9llo, 'w'");
  EXPECT_EQ(std::get<std::string>(back->exprs[9]->literal), "");
  EXPECT_EQ(to_string(back->exprs[10]->literal), "1998-09-02");
  const schema input = table_schema();
  EXPECT_EQ(to_string(*back->exprs[23], &input), "(flag AND NOT flag)");
  EXPECT_EQ(to_string(*back->exprs[28], &input),
            "CASE WHEN flag THEN id WHEN (id > id) THEN NULL ELSE 3 END");
  EXPECT_EQ(to_string(*back->exprs[30], &input), "name LIKE '%a_b%'");
  EXPECT_EQ(to_string(*back->exprs[31], &input), "day IN (DATE '1998-09-02', NULL)");
  EXPECT_EQ(to_string(*back->exprs[38], &input), "SUBSTRING(name, 1, id)");
}

TEST(PlanCodec, SpecialFloatLiteralsKeepTheirBits) {
  for (double d : {-0.0, std::numeric_limits<double>::quiet_NaN(),
                   std::numeric_limits<double>::infinity(), 5e-324}) {
    auto node = project_node(scan_node(), {lit(d, type_id::float64)});
    auto back = round_trip(*node);
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(diff_logical(node.get(), back.get(), "root"), "") << d;
  }
}

TEST(PlanCodec, DateLiteralsAcrossYears0000To9999) {
  int64_t first = days_from_civil(0, 1, 1), last = days_from_civil(9999, 12, 31);
  auto node = project_node(
      scan_node(), {lit(date_value{first}, type_id::date), lit(date_value{last}, type_id::date)});
  auto back = round_trip(*node);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(diff_logical(node.get(), back.get(), "root"), "");
  for (int64_t outside : {first - 1, last + 1}) {
    auto bytes =
        encode_logical(*project_node(scan_node(), {lit(date_value{outside}, type_id::date)}));
    auto st = decode_logical(bytes.data(), bytes.size());
    EXPECT_FALSE(st.ok()) << outside;
  }
}

TEST(PlanCodec, ExpressionsNestedToTheLimit) {
  auto node = project_node(scan_node(), {nested_not(256)});
  auto back = round_trip(*node);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(diff_logical(node.get(), back.get(), "root"), "");
}

TEST(PlanCodec, LogicalTreeWithEveryNodeKind) {
  auto tree = every_kind_tree();
  auto back = round_trip(*tree);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(diff_logical(tree.get(), back.get(), "root"), "");
  // limit <- sort <- aggregate <- project <- filter <- scan
  std::vector<logical_kind> kinds;
  for (const logical_node* n = back.get(); n; n = n->inputs.empty() ? nullptr : n->inputs[0].get())
    kinds.push_back(n->kind);
  EXPECT_EQ(kinds, (std::vector<logical_kind>{logical_kind::limit, logical_kind::sort,
                                              logical_kind::aggregate, logical_kind::project,
                                              logical_kind::filter, logical_kind::scan}));
  const logical_node& scan = *back->inputs[0]->inputs[0]->inputs[0]->inputs[0]->inputs[0];
  EXPECT_EQ(scan.format.delimiter, '|');
  EXPECT_FALSE(scan.format.header);
  EXPECT_EQ(scan.files[1], "/data/l/part-1.csv");
}

TEST(PlanCodec, CountDistinctAggregate) {
  auto agg = std::make_shared<logical_node>();
  agg->kind = logical_kind::aggregate;
  agg->inputs = {scan_node()};
  agg->group_keys = {col(2, type_id::boolean)};
  agg->aggregates = {{agg_fn::count_distinct, col(3, type_id::string), type_id::int64, "names"},
                     {agg_fn::count_star, nullptr, type_id::int64, "n"}};
  agg->output.fields = {
      {"flag", type_id::boolean}, {"names", type_id::int64}, {"n", type_id::int64}};
  auto back = round_trip(*agg);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(diff_logical(agg.get(), back.get(), "root"), "");
  EXPECT_EQ(back->aggregates[0].fn, agg_fn::count_distinct);
}

TEST(PlanCodec, FieldsOutsideTheNodesKindSurvive) {
  // The wire keeps every field, not only the kind's: a round trip is exact.
  auto n = std::make_shared<logical_node>(*scan_node());
  n->limit = 99;
  n->keys = {{2, false, false}};
  n->predicate = lit(true, type_id::boolean);
  auto back = round_trip(*n);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(diff_logical(n.get(), back.get(), "root"), "");
}

TEST(PlanCodec, ScanPortionWithSplits) {
  auto p = scan_portion();
  auto bytes = encode_portion(p);
  auto back = decode_portion(bytes.data(), bytes.size());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(diff_portion(p, *back, "portion"), "");
  EXPECT_EQ(back->task_splits[1][0].length, UINT64_MAX - 1000);
  EXPECT_EQ(back->memory_per_task, 1ll << 33);
  EXPECT_EQ(encode_portion(*back), bytes);
}

TEST(PlanCodec, ShufflePortionWithEveryRemainingStepKind) {
  auto p = shuffle_portion();
  auto bytes = encode_portion(p);
  auto back = decode_portion(bytes.data(), bytes.size());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(diff_portion(p, *back, "portion"), "");
  EXPECT_EQ(back->steps[2].keys[0].nulls_first, true);
  EXPECT_EQ(back->steps[2].limit, 10);
}

TEST(PlanCodec, Plan) {
  auto p = sample_plan();
  auto bytes = encode_plan(p);
  auto back = decode_plan(bytes.data(), bytes.size());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(diff_plan(p, *back), "");
  EXPECT_EQ(encode_plan(*back), bytes);
}

TEST(PlanCodec, LargePlanFitsTheTraversalLimit) {
  // The traversal limit is proportional to the message; a big honest plan
  // (20k splits, a 2000-column file) is read about once and must pass.
  auto p = sample_plan();
  portion_spec& scan = p.portions[0];
  for (int c = 0; c < 2000; ++c)
    scan.file_schema.fields.push_back({absl::StrCat("extra", c), type_id::string});
  scan.tasks = 1000;
  scan.task_splits.assign(1000, {});
  for (int t = 0; t < 1000; ++t)
    for (int i = 0; i < 20; ++i)
      scan.task_splits[t].push_back({absl::StrCat("/data/big/part-", t, "-", i, ".csv"), 0, 1});
  auto bytes = encode_plan(p);
  auto back = decode_plan(bytes.data(), bytes.size());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(diff_plan(p, *back), "");
}

TEST(PlanCodec, TaskSpecWithBlockRefs) {
  auto t = sample_task();
  auto bytes = encode_task(t);
  auto back = decode_task(bytes.data(), bytes.size());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(diff_task(t, *back), "");
  EXPECT_EQ(back->inputs[1].node, UINT64_MAX);
  EXPECT_EQ(encode_task(*back), bytes);
}

TEST(PlanCodec, ScanTask) {
  task_spec t;
  t.program = 3;
  t.portion = scan_portion();
  t.task = 1;
  auto bytes = encode_task(t);
  auto back = decode_task(bytes.data(), bytes.size());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(diff_task(t, *back), "");
}

TEST(PlanCodec, TaskResult) {
  for (const task_result& r : {task_result{}, task_result{12345, 1ull << 40, {5000, 0, 7345}},
                               task_result{UINT64_MAX, UINT64_MAX, {UINT64_MAX}}}) {
    auto bytes = encode_task_result(r);
    auto back = decode_task_result(bytes.data(), bytes.size());
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, r);
  }
}

TEST(PlanCodec, MisalignedInputIsCopiedNotRejected) {
  auto bytes = encode_plan(sample_plan());
  std::vector<char> shifted(bytes.size() + 1);
  std::memcpy(shifted.data() + 1, bytes.data(), bytes.size());
  auto back = decode_plan(shifted.data() + 1, bytes.size());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(diff_plan(sample_plan(), *back), "");
}

}  // namespace
}  // namespace tranche
