// The plan codecs (plan/plan_codec.h) facing bytes they must not trust:
// empty, odd-sized, truncated, padded, random and mutated input, and
// hand-crafted messages that are valid Cap'n Proto but an inconsistent plan.
// Each gives InvalidArgument "malformed plan: ..." / "malformed task: ..."
// naming what was wrong; none crashes.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "absl/strings/match.h"
#include "codec_test_util.h"
#include "plan/plan_codec.h"
#include "schemas/plan.capnp.h"
#include "schemas/program.capnp.h"

namespace tranche {
namespace {

using namespace testing;  // NOLINT: the samples and diff helpers

void expect_error(const absl::Status& s, const std::string& prefix, const std::string& part) {
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_TRUE(absl::StartsWith(s.message(), prefix + ": ")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), part)) << s << "\n  expected to contain: " << part;
}

struct sample_encoding {
  std::string name;
  std::vector<char> bytes;
  std::function<absl::Status(const char*, size_t)> decode;
  std::string prefix;
};

std::vector<sample_encoding> samples() {
  return {
      {"logical", encode_logical(*every_kind_tree()),
       [](const char* d, size_t n) { return decode_logical(d, n).status(); }, "malformed plan"},
      {"portion", encode_portion(scan_portion()),
       [](const char* d, size_t n) { return decode_portion(d, n).status(); }, "malformed plan"},
      {"plan", encode_plan(sample_plan()),
       [](const char* d, size_t n) { return decode_plan(d, n).status(); }, "malformed plan"},
      {"task", encode_task(sample_task()),
       [](const char* d, size_t n) { return decode_task(d, n).status(); }, "malformed task"},
      {"result", encode_task_result(task_result{1, 2, {1, 0}}),
       [](const char* d, size_t n) { return decode_task_result(d, n).status(); }, "malformed task"},
  };
}

// ---- framing

TEST(PlanCodecMalformed, EmptyOddSizedAndRootless) {
  expect_error(decode_plan(nullptr, 0).status(), "malformed plan", "empty message");
  expect_error(decode_task(nullptr, 0).status(), "malformed task", "empty message");
  auto bytes = encode_plan(sample_plan());
  expect_error(decode_plan(bytes.data(), 7).status(), "malformed plan",
               "7 bytes is not a whole number of 8-byte words");
  // One segment of one word holding a null root pointer.
  alignas(8) const uint32_t rootless[4] = {0, 1, 0, 0};
  auto* p = reinterpret_cast<const char*>(rootless);
  expect_error(decode_logical(p, sizeof rootless).status(), "malformed plan", "no root object");
  expect_error(decode_task_result(p, sizeof rootless).status(), "malformed task", "no root object");
}

TEST(PlanCodecMalformed, TrailingBytes) {
  for (const auto& s : samples()) {
    auto padded = s.bytes;
    padded.resize(padded.size() + 16, 0);
    expect_error(s.decode(padded.data(), padded.size()), s.prefix,
                 "16 bytes after the end of the message");
  }
}

TEST(PlanCodecMalformed, EveryTruncationFails) {
  for (const auto& s : samples()) {
    SCOPED_TRACE(s.name);
    ASSERT_TRUE(s.decode(s.bytes.data(), s.bytes.size()).ok());
    for (size_t n = 0; n < s.bytes.size(); ++n) {
      // A fresh buffer of exactly n bytes, so a read past it is a real overrun.
      std::vector<char> cut(s.bytes.begin(), s.bytes.begin() + n);
      absl::Status st = s.decode(n ? cut.data() : nullptr, n);
      ASSERT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << "length " << n << ": " << st;
      ASSERT_TRUE(absl::StartsWith(st.message(), s.prefix)) << st;
    }
  }
}

TEST(PlanCodecMalformed, RandomGarbage) {
  std::mt19937_64 rng(20240611);
  for (int i = 0; i < 3000; ++i) {
    size_t words = 1 + rng() % 64;
    std::vector<uint64_t> buf(words);
    for (auto& w : buf) w = rng();
    // Half the time a plausible one-segment header, so the bytes get past
    // the segment table and into pointer and struct decoding.
    if (i % 2 == 0) {
      buf[0] = (static_cast<uint64_t>(words - 1) << 32);
      // A quarter of the time a root struct pointer that stays in bounds.
      if (i % 4 == 0 && words > 1)
        buf[1] = (rng() % 8) << 48 | (rng() % 4) << 32 | (rng() % (words - 1)) << 2;
    }
    auto* p = reinterpret_cast<const char*>(buf.data());
    size_t size = words * 8 - (i % 7 == 0 ? rng() % 8 : 0);
    // No decoder but the task result's (which has almost nothing to check)
    // should accept garbage; none may crash.
    EXPECT_FALSE(decode_logical(p, size).ok());
    EXPECT_FALSE(decode_portion(p, size).ok());
    EXPECT_FALSE(decode_plan(p, size).ok());
    EXPECT_FALSE(decode_task(p, size).ok());
    (void)decode_task_result(p, size);
  }
}

TEST(PlanCodecMalformed, MutatedEncodingsDecodeToConsistentObjectsOrFail) {
  std::mt19937_64 rng(7);
  for (const auto& s : samples()) {
    SCOPED_TRACE(s.name);
    int accepted = 0;
    for (int i = 0; i < 1500; ++i) {
      auto bytes = s.bytes;
      int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f)
        bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);
      absl::Status st = s.decode(bytes.data(), bytes.size());
      if (st.ok()) {
        ++accepted;
        continue;
      }
      ASSERT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
      ASSERT_TRUE(absl::StartsWith(st.message(), s.prefix)) << st;
    }
    // What a decoder accepts must be self-consistent: it survives another
    // encode/decode (checked for the plan, whose checks are the widest).
    if (s.name == "plan") {
      EXPECT_GT(accepted, 0);
    }
  }
  std::mt19937_64 rng2(11);
  auto plan_bytes = encode_plan(sample_plan());
  for (int i = 0; i < 1500; ++i) {
    auto bytes = plan_bytes;
    bytes[rng2() % bytes.size()] ^= static_cast<char>(1 + rng2() % 255);
    auto p = decode_plan(bytes.data(), bytes.size());
    if (!p.ok()) continue;
    auto again = encode_plan(*p);
    auto q = decode_plan(again.data(), again.size());
    ASSERT_TRUE(q.ok()) << q.status();
    EXPECT_EQ(diff_plan(*p, *q), "");
  }
}

TEST(PlanCodecMalformed, ZeroSizedElementsCannotAmplifyASmallMessage) {
  // LogicalNode -> output Schema -> fields: a list of 2^26 - 1 zero-sized
  // structs in 5 words. Each would decode as a valid (empty) field.
  alignas(8)
      uint64_t words[6] = {uint64_t{5} << 32,  // segment table: one segment of 5 words
                           uint64_t{1} << 48,  // root: struct, 0 data words, 1 pointer (output)
                           uint64_t{1} << 48,  // output: struct, 0 data, 1 pointer (fields)
                           1 | (uint64_t{7} << 32),  // fields: inline-composite list of 0 words
                           ((uint64_t{1} << 26) - 1) << 2,  // tag: that many elements of size 0
                           0};
  auto st = decode_logical(reinterpret_cast<const char*>(words), 5 * 8);
  expect_error(st.status(), "malformed plan", "");
  EXPECT_FALSE(st.ok());
}

// ---- hand-crafted expressions and nodes

using wire_node = wire::LogicalNode::Builder;

// A project over the scan of (id, price, flag, name, day) with `exprs`,
// edited through its builder before decoding.
absl::Status decode_edited_project(std::vector<expr_ptr> exprs,
                                   const std::function<void(wire_node)>& edit) {
  auto bytes = edited<wire::LogicalNode>(encode_logical(*project_node(scan_node(), exprs)), edit);
  return decode_logical(bytes.data(), bytes.size()).status();
}

TEST(PlanCodecMalformed, ExpressionArity) {
  auto add = binary(expr_op::add, col(0, type_id::int64), col(0, type_id::int64));
  expect_error(decode_edited_project({add}, [](wire_node n) { n.getExprs()[0].initArgs(1); }),
               "malformed plan", "project node: expression 0: add has 1 argument, expected 2");
  expect_error(decode_edited_project({col(0, type_id::int64)},
                                     [](wire_node n) { n.getExprs()[0].initArgs(2); }),
               "malformed plan", "column has 2 arguments, expected 0");
  auto c = cast(col(0, type_id::int64), type_id::string);
  expect_error(decode_edited_project({c}, [](wire_node n) { n.getExprs()[0].initArgs(0); }),
               "malformed plan", "cast has 0 arguments, expected 1");
}

TEST(PlanCodecMalformed, ScalarFormOperands) {
  auto name = col(3, type_id::string), day = col(4, type_id::date);
  auto flag = col(2, type_id::boolean);
  expect_error(decode_edited_project({nary(expr_op::substring, {name, col(0, type_id::int64)})},
                                     [](wire_node n) { n.getExprs()[0].initArgs(4); }),
               "malformed plan", "substring has 4 arguments, expected 2 to 3");
  expect_error(decode_edited_project({nary(expr_op::case_, {flag, name}, type_id::string)},
                                     [](wire_node n) { n.getExprs()[0].initArgs(1); }),
               "malformed plan", "case has 1 argument, expected at least 2");
  expect_error(
      decode_edited_project({nary(expr_op::case_, {flag, name}, type_id::string)},
                            [](wire_node n) { n.getExprs()[0].setType(wire::TypeId::INT64); }),
      "malformed plan", "case operand 1 is VARCHAR, expected BIGINT");
  expect_error(decode_edited_project({nary(expr_op::like, {name, name})}, [](wire_node) {}),
               "malformed plan", "like needs a text operand and a text literal pattern");
  expect_error(decode_edited_project({nary(expr_op::in_list, {day, day})}, [](wire_node) {}),
               "malformed plan", "in list item 0 is not a DATE literal");
  expect_error(
      decode_edited_project({nary(expr_op::extract_year, {day})},
                            [](wire_node n) { n.getExprs()[0].setType(wire::TypeId::DATE); }),
      "malformed plan", "extract year has result type DATE, expected BIGINT");
  expect_error(decode_edited_project({nary(expr_op::add_days, {day, day})}, [](wire_node) {}),
               "malformed plan", "add days needs a date and an int64");
}

TEST(PlanCodecMalformed, ColumnIndices) {
  auto id = col(0, type_id::int64);
  expect_error(decode_edited_project({id}, [](wire_node n) { n.getExprs()[0].setIndex(-3); }),
               "malformed plan", "negative column index -3");
  expect_error(decode_edited_project({id}, [](wire_node n) { n.getExprs()[0].setIndex(9); }),
               "malformed plan", "column #9 out of range: the input has 5 columns");
  expect_error(decode_edited_project(
                   {id}, [](wire_node n) { n.getExprs()[0].setType(wire::TypeId::STRING); }),
               "malformed plan", "column #0 \"id\" is BIGINT, the expression reads it as VARCHAR");
}

TEST(PlanCodecMalformed, UnknownEnumValues) {
  auto id = col(0, type_id::int64);
  expect_error(decode_edited_project(
                   {id}, [](wire_node n) { n.getExprs()[0].setOp(static_cast<wire::ExprOp>(99)); }),
               "malformed plan", "unknown expression op 99");
  expect_error(
      decode_edited_project(
          {id}, [](wire_node n) { n.getExprs()[0].setType(static_cast<wire::TypeId>(7)); }),
      "malformed plan", "unknown type 7");
  expect_error(decode_edited_project(
                   {id}, [](wire_node n) { n.setKind(static_cast<wire::LogicalKind>(42)); }),
               "malformed plan", "unknown node kind 42");
  expect_error(
      decode_edited_project(
          {id},
          [](wire_node n) { n.getOutput().getFields()[0].setType(static_cast<wire::TypeId>(5)); }),
      "malformed plan", "project node: output: field 0: unknown type 5");
}

TEST(PlanCodecMalformed, LiteralsAndResultTypes) {
  auto one = lit(int64_t{1}, type_id::int64);
  expect_error(
      decode_edited_project({one}, [](wire_node n) { n.getExprs()[0].getLiteral().setText("x"); }),
      "malformed plan", "literal of type BIGINT holds a VARCHAR value");
  expect_error(decode_edited_project(
                   {one}, [](wire_node n) { n.getExprs()[0].getLiteral().setDate(1ll << 40); }),
               "malformed plan", "outside years 0000-9999");
  auto eq = binary(expr_op::eq, col(0, type_id::int64), one);
  expect_error(decode_edited_project(
                   {eq}, [](wire_node n) { n.getExprs()[0].setType(wire::TypeId::INT64); }),
               "malformed plan", "eq has result type BIGINT, expected BOOLEAN");
  auto add = binary(expr_op::add, col(0, type_id::int64), one);
  expect_error(decode_edited_project({add},
                                     [](wire_node n) {
                                       auto a = n.getExprs()[0].getArgs()[1];
                                       a.setType(wire::TypeId::STRING);
                                       a.getLiteral().setText("2");
                                     }),
               "malformed plan", "add of BIGINT and VARCHAR: operands must be numeric");
  expect_error(decode_edited_project(
                   {add}, [](wire_node n) { n.getExprs()[0].setType(wire::TypeId::FLOAT64); }),
               "malformed plan", "add has result type DOUBLE, expected BIGINT");
}

TEST(PlanCodecMalformed, ExpressionNestedTooDeeply) {
  for (int depth : {257, 5000}) {
    auto bytes = encode_logical(*project_node(scan_node(), {nested_not(depth)}));
    expect_error(decode_logical(bytes.data(), bytes.size()).status(), "malformed plan",
                 "expression nested too deeply");
  }
}

TEST(PlanCodecMalformed, TreeNestedTooDeeply) {
  logical_ptr n = scan_node();
  for (int i = 0; i < 300; ++i) {
    auto f = std::make_shared<logical_node>();
    f->kind = logical_kind::limit;
    f->limit = 1;
    f->output = table_schema();
    f->inputs = {n};
    n = f;
  }
  auto bytes = encode_logical(*n);
  expect_error(decode_logical(bytes.data(), bytes.size()).status(), "malformed plan",
               "program tree nested too deeply");
}

absl::Status decode_edited_tree(const std::function<void(wire_node)>& edit) {
  auto bytes = edited<wire::LogicalNode>(encode_logical(*every_kind_tree()), edit);
  return decode_logical(bytes.data(), bytes.size()).status();
}

// limit <- sort <- aggregate <- project <- filter <- scan
wire_node sort_of(wire_node n) { return n.getInputs()[0]; }
wire_node aggregate_of(wire_node n) { return n.getInputs()[0].getInputs()[0]; }
wire_node filter_of(wire_node n) { return aggregate_of(n).getInputs()[0].getInputs()[0]; }
wire_node scan_of(wire_node n) { return filter_of(n).getInputs()[0]; }

TEST(PlanCodecMalformed, LogicalNodes) {
  expect_error(decode_edited_tree([](wire_node n) { filter_of(n).disownPredicate(); }),
               "malformed plan",
               "limit node: sort node: aggregate node: project node: "
               "filter node: has no predicate");
  expect_error(decode_edited_tree([](wire_node n) { filter_of(n).initInputs(0); }),
               "malformed plan", "filter node: has 0 inputs, expected 1");
  expect_error(decode_edited_tree([](wire_node n) { scan_of(n).getColumns().set(2, 5); }),
               "malformed plan", "scan column 2 is column 5, out of range: there are 5 columns");
  expect_error(decode_edited_tree([](wire_node n) { scan_of(n).getFormat().setDelimiter('\n'); }),
               "malformed plan", "CSV delimiter byte 10 cannot separate fields");
  expect_error(decode_edited_tree([](wire_node n) { n.setLimit(-2); }), "malformed plan",
               "limit node: limit -2 is negative");
  expect_error(decode_edited_tree([](wire_node n) { sort_of(n).getKeys()[0].setColumn(8); }),
               "malformed plan", "sort key 0: column 8 out of range: the input has 8 columns");
  expect_error(decode_edited_tree([](wire_node n) {
                 aggregate_of(n).getOutput().getFields()[2].setType(wire::TypeId::FLOAT64);
               }),
               "malformed plan",
               "aggregate node: output: column 2 \"n\" is DOUBLE, but the node produces BIGINT");
  expect_error(decode_edited_tree([](wire_node n) { n.getOutput().initFields(1); }),
               "malformed plan", "limit node: output: 1 columns, but the node produces 8");
}

TEST(PlanCodecMalformed, AggregateCalls) {
  auto agg = [](wire_node n, int i) { return aggregate_of(n).getAggregates()[i]; };
  expect_error(decode_edited_tree([&](wire_node n) { agg(n, 0).setArg(agg(n, 1).getArg()); }),
               "malformed plan", "aggregate 0: COUNT(*) has an argument");
  expect_error(decode_edited_tree([&](wire_node n) { agg(n, 2).disownArg(); }), "malformed plan",
               "aggregate 2: SUM has no argument");
  expect_error(decode_edited_tree([&](wire_node n) { agg(n, 2).setArg(agg(n, 1).getArg()); }),
               "malformed plan", "SUM of VARCHAR: the argument must be numeric");
  expect_error(decode_edited_tree([&](wire_node n) { agg(n, 3).setType(wire::TypeId::INT64); }),
               "malformed plan", "aggregate 3: AVG has result type BIGINT, expected DOUBLE");
  expect_error(
      decode_edited_tree([&](wire_node n) { agg(n, 1).setFn(static_cast<wire::AggFn>(17)); }),
      "malformed plan", "unknown aggregate function 17");
  expect_error(decode_edited_tree([&](wire_node n) { agg(n, 4).getArg().setIndex(40); }),
               "malformed plan", "aggregate 4: argument: column #40 out of range");
  auto distinct = wire::AggFn::COUNT_DISTINCT;
  expect_error(decode_edited_tree([&](wire_node n) { agg(n, 0).setFn(distinct); }),
               "malformed plan", "aggregate 0: COUNT(DISTINCT) has no argument");
  expect_error(decode_edited_tree([&](wire_node n) { agg(n, 3).setFn(distinct); }),
               "malformed plan",
               "aggregate 3: COUNT(DISTINCT) has result type DOUBLE, expected BIGINT");
}

// ---- hand-crafted portions, plans and tasks

using wire_portion = wire::PortionSpec::Builder;

absl::Status decode_edited_plan(const std::function<void(wire::Plan::Builder)>& edit) {
  auto bytes = edited<wire::Plan>(encode_plan(sample_plan()), edit);
  return decode_plan(bytes.data(), bytes.size()).status();
}
absl::Status decode_edited_scan(const std::function<void(wire_portion)>& edit) {
  return decode_edited_plan([&](wire::Plan::Builder p) { edit(p.getPortions()[0]); });
}
absl::Status decode_edited_shuffle(const std::function<void(wire_portion)>& edit) {
  return decode_edited_plan([&](wire::Plan::Builder p) { edit(p.getPortions()[1]); });
}

TEST(PlanCodecMalformed, Portions) {
  expect_error(decode_edited_scan([](wire_portion p) { p.setTasks(3); }), "malformed plan",
               "portion 0: scan has split lists for 2 tasks, but 3 tasks");
  expect_error(decode_edited_scan([](wire_portion p) { p.setTasks(0); }), "malformed plan",
               "portion 0: task count 0 is outside 1..1048576");
  expect_error(decode_edited_scan([](wire_portion p) { p.setPartitions(1 << 30); }),
               "malformed plan", "partition count 1073741824 is outside");
  expect_error(decode_edited_scan([](wire_portion p) { p.getTaskSplits()[1][0].setPath(""); }),
               "malformed plan", "portion 0: task 1: split has an empty path");
  expect_error(decode_edited_scan([](wire_portion p) { p.getTaskSplits()[1][0].setOffset(1001); }),
               "malformed plan", "split of \"/d/a.csv\" ends past 2^64 bytes");
  expect_error(
      decode_edited_scan([](wire_portion p) { p.setSource(static_cast<wire::SourceKind>(2)); }),
      "malformed plan", "unknown source kind 2");
  expect_error(
      decode_edited_scan([](wire_portion p) { p.setSink(static_cast<wire::SinkKind>(9)); }),
      "malformed plan", "unknown sink kind 9");
  expect_error(decode_edited_scan([](wire_portion p) { p.getPartitionKeys().set(0, 9); }),
               "malformed plan", "partition key 0 is column 9, out of range: there are 9 columns");
  expect_error(decode_edited_scan(
                   [](wire_portion p) { p.getSteps()[0].setKind(static_cast<wire::StepKind>(9)); }),
               "malformed plan", "portion 0: step 0 (?): unknown step kind 9");
  expect_error(decode_edited_scan([](wire_portion p) {
                 p.getSteps()[0].setKind(wire::StepKind::HASH_JOIN);
               }),
               "malformed plan", "portion 0: step 0 (hash join): hash join has no build input");
  expect_error(decode_edited_scan([](wire_portion p) {
                 auto s = p.getSteps()[0];
                 s.setKind(wire::StepKind::HASH_JOIN);
                 s.setBuildInput(7);
               }),
               "malformed plan", "portion 0: join build input 7 is not an input");
  expect_error(decode_edited_scan([](wire_portion p) {
                 p.getSteps()[0].getPredicate().setType(wire::TypeId::DATE);
               }),
               "malformed plan", "step 0 (filter): predicate: and has result type DATE");
  expect_error(
      decode_edited_scan([](wire_portion p) { p.getSteps()[1].getExprs()[0].setIndex(4); }),
      "malformed plan", "step 1 (project): expression 0: column #4 out of range");
  expect_error(decode_edited_scan([](wire_portion p) { p.getOutput().initFields(2); }),
               "malformed plan", "portion 0: output: 2 columns, but the pipeline produces 9");
  expect_error(decode_edited_shuffle([](wire_portion p) { p.setPartitions(2); }), "malformed plan",
               "portion 1: single sink has 2 partitions");
  expect_error(decode_edited_shuffle([](wire_portion p) { p.initInputs(0); }), "malformed plan",
               "portion 1: shuffle has no input portions");
  expect_error(decode_edited_shuffle([](wire_portion p) { p.getSteps()[0].setNumKeys(2); }),
               "malformed plan",
               "portion 1: step 0 (final aggregate): input: 9 columns, but the partial aggregate "
               "produces 10");
  expect_error(decode_edited_shuffle([](wire_portion p) {
                 p.getInputSchema().getFields()[8].setType(wire::TypeId::DATE);
               }),
               "malformed plan",
               "step 0 (final aggregate): input: column 8 \"last\" is DATE, but the partial "
               "aggregate produces VARCHAR");
  expect_error(decode_edited_shuffle([](wire_portion p) { p.getSteps()[0].setNumKeys(10); }),
               "malformed plan", "10 keys, but the input has 9 columns");
  expect_error(decode_edited_shuffle([](wire_portion p) { p.getSteps()[2].setLimit(-5); }),
               "malformed plan", "step 2 (sort): top-N limit -5 is invalid");
}

TEST(PlanCodecMalformed, PlanWiring) {
  expect_error(decode_edited_plan([](wire::Plan::Builder p) { p.getPortions()[1].setId(0); }),
               "malformed plan", "portion 1: duplicate portion id 0");
  expect_error(
      decode_edited_plan([](wire::Plan::Builder p) { p.getPortions()[1].getInputs().set(0, 1); }),
      "malformed plan", "portion 1: input 1 is not an earlier portion");
  expect_error(
      decode_edited_plan([](wire::Plan::Builder p) { p.getPortions()[0].setPartitions(4); }),
      "malformed plan", "portion 1: input 0 writes 4 partitions for 3 readers");
  // A shuffle without steps (a merge), so only the wiring check sees the
  // input schema disagree with the upstream output.
  plan merge;
  merge.portions = {scan_portion(), shuffle_portion()};
  merge.portions[0].steps.resize(1);  // just the filter: (name, price, day, id)
  merge.portions[0].output = merge.portions[0].steps[0].output;
  merge.portions[0].partition_keys = {};
  merge.portions[1].steps.clear();
  merge.portions[1].input_schema = merge.portions[1].output = merge.portions[0].output;
  merge.result = merge.portions[1].output;
  auto bytes = encode_plan(merge);
  ASSERT_TRUE(decode_plan(bytes.data(), bytes.size()).ok());
  bytes = edited<wire::Plan>(bytes, [](wire::Plan::Builder p) {
    for (auto s :
         {p.getPortions()[1].getInputSchema(), p.getPortions()[1].getOutput(), p.getResult()})
      s.getFields()[2].setType(wire::TypeId::STRING);
  });
  expect_error(decode_plan(bytes.data(), bytes.size()).status(), "malformed plan",
               "portion 1: input schema: column 2 \"day\" is VARCHAR, but the input portion 0 "
               "produces DATE");
  expect_error(decode_edited_plan([](wire::Plan::Builder p) { p.initPortions(0); }),
               "malformed plan", "plan has no portions");
  expect_error(decode_edited_plan([](wire::Plan::Builder p) { p.initResult(); }), "malformed plan",
               "result: 0 columns, but the last portion produces 2");
}

absl::Status decode_edited_task(const std::function<void(wire::TaskSpec::Builder)>& edit) {
  auto bytes = edited<wire::TaskSpec>(encode_task(sample_task()), edit);
  return decode_task(bytes.data(), bytes.size()).status();
}

TEST(PlanCodecMalformed, Tasks) {
  expect_error(decode_edited_task([](wire::TaskSpec::Builder t) { t.setTask(3); }),
               "malformed task", "task 3 of a portion with 3 tasks");
  expect_error(
      decode_edited_task([](wire::TaskSpec::Builder t) { t.getInputBlocks()[1].setPortion(9); }),
      "malformed task", "input block 1: portion 9 is not an input portion");
  expect_error(
      decode_edited_task([](wire::TaskSpec::Builder t) { t.getInputBlocks()[0].setPartition(1); }),
      "malformed task", "input block 0: partition 1 is not this task's (2)");
  expect_error(decode_edited_task(
                   [](wire::TaskSpec::Builder t) { t.getPortion().getSteps()[3].setLimit(-1); }),
               "malformed task", "portion: step 3 (limit): limit -1 is negative");
  task_spec scan;
  scan.portion = scan_portion();
  scan.inputs = {{1, 2, 0, 0, 0}};
  auto bytes = encode_task(scan);
  expect_error(decode_task(bytes.data(), bytes.size()).status(), "malformed task",
               "a task of a portion without inputs has 1 input blocks");
}

TEST(PlanCodecMalformed, NullPointersInMemoryEncodeAsInvalid) {
  // No builder makes them, but encoding must not crash and decoding must not
  // pass them off as something else.
  auto n = std::make_shared<logical_node>(*project_node(scan_node(), {col(0, type_id::int64)}));
  n->exprs[0] = nullptr;
  auto bytes = encode_logical(*n);
  expect_error(decode_logical(bytes.data(), bytes.size()).status(), "malformed plan",
               "unknown expression op 65535");
  n = std::make_shared<logical_node>(*project_node(scan_node(), {col(0, type_id::int64)}));
  n->inputs[0] = nullptr;
  bytes = encode_logical(*n);
  expect_error(decode_logical(bytes.data(), bytes.size()).status(), "malformed plan",
               "unknown node kind 65535");
}

}  // namespace
}  // namespace tranche
