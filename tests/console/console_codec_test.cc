// The console's wire records (schemas/console.capnp) and JSON shapes.
#include "console/console_codec.h"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "console/console_json.h"
#include "console/json.h"

namespace {

using namespace tranche;

program_info sample_program() {
  program_info p;
  p.id = 42;
  p.state = program_state::failed;
  p.queue = "etl";
  p.priority = -3;
  p.submitter = "ana@box";
  p.text = std::string("SELECT \"x\"\n\tFROM t -- \x01 and a NUL: ") + std::string(1, '\0') + "!";
  p.submitted_unix_ms = 1'700'000'000'000;
  p.ended_unix_ms = 1'700'000'004'500;
  p.wall_seconds = 4.5;
  p.slot_seconds = 9.25;
  p.error = "division by zero";
  portion_info a;
  a.id = 0;
  a.name = "scan t";
  a.state = portion_state::done;
  a.tasks_done = a.tasks_total = 8;
  a.peak_slots = 3;
  a.slot_seconds = 6.5;
  a.started = 0.01;
  a.finished = 2.5;
  a.retries = 2;
  a.spilled_bytes = 12345;
  portion_info b;
  b.id = 1;
  b.name = "final aggregate";
  b.inputs = {0};
  b.tasks_total = 2;
  p.portions = {a, b};
  p.capacity = {{0.01, 3}, {2.5, 1}, {4.5, 0}};
  return p;
}

void expect_same(const program_info& x, const program_info& y) {
  EXPECT_EQ(x.id, y.id);
  EXPECT_EQ(x.state, y.state);
  EXPECT_EQ(x.queue, y.queue);
  EXPECT_EQ(x.priority, y.priority);
  EXPECT_EQ(x.submitter, y.submitter);
  EXPECT_EQ(x.text, y.text);
  EXPECT_EQ(x.submitted_unix_ms, y.submitted_unix_ms);
  EXPECT_EQ(x.ended_unix_ms, y.ended_unix_ms);
  EXPECT_EQ(x.wall_seconds, y.wall_seconds);
  EXPECT_EQ(x.slot_seconds, y.slot_seconds);
  EXPECT_EQ(x.error, y.error);
  ASSERT_EQ(x.portions.size(), y.portions.size());
  for (size_t i = 0; i < x.portions.size(); ++i) {
    EXPECT_EQ(x.portions[i].name, y.portions[i].name);
    EXPECT_EQ(x.portions[i].inputs, y.portions[i].inputs);
    EXPECT_EQ(x.portions[i].state, y.portions[i].state);
    EXPECT_EQ(x.portions[i].tasks_done, y.portions[i].tasks_done);
    EXPECT_EQ(x.portions[i].started, y.portions[i].started);
    EXPECT_EQ(x.portions[i].finished, y.portions[i].finished);
    EXPECT_EQ(x.portions[i].retries, y.portions[i].retries);
    EXPECT_EQ(x.portions[i].spilled_bytes, y.portions[i].spilled_bytes);
  }
  ASSERT_EQ(x.capacity.size(), y.capacity.size());
  for (size_t i = 0; i < x.capacity.size(); ++i) {
    EXPECT_EQ(x.capacity[i].at, y.capacity[i].at);
    EXPECT_EQ(x.capacity[i].slots, y.capacity[i].slots);
  }
}

TEST(ConsoleCodec, ProgramsRoundTripExactly) {
  const program_info p = sample_program();
  auto bytes = encode_program_info(p);
  auto back = decode_program_info(bytes.data(), bytes.size());
  ASSERT_TRUE(back.ok()) << back.status();
  expect_same(p, *back);

  program_info q;
  q.id = 43;
  auto list = encode_program_list({p, q});
  auto l = decode_program_list(list.data(), list.size());
  ASSERT_TRUE(l.ok()) << l.status();
  ASSERT_EQ(l->size(), 2u);
  expect_same(p, (*l)[0]);
  EXPECT_EQ((*l)[1].id, 43u);
  EXPECT_EQ((*l)[1].state, program_state::planning);
}

TEST(ConsoleCodec, NodesRoundTrip) {
  std::vector<node_info> ns{{1, false, {4, 8ll << 30}, {1, 6ll << 30}, 3},
                            {2, true, {2, 1ll << 30}, {2, 1ll << 30}, 0}};
  auto bytes = encode_node_list(ns);
  auto back = decode_node_list(bytes.data(), bytes.size());
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].registered.memory, 8ll << 30);
  EXPECT_EQ((*back)[0].free.slots, 1);
  EXPECT_EQ((*back)[0].leases, 3);
  EXPECT_TRUE((*back)[1].draining);
}

TEST(ConsoleCodec, BadBytesAreAClearErrorNeverACrash) {
  auto empty = decode_program_info(nullptr, 0);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("malformed program record"), std::string::npos);
  std::vector<char> odd(13, 'x');
  EXPECT_FALSE(decode_program_list(odd.data(), odd.size()).ok());
  EXPECT_FALSE(decode_node_list(odd.data(), odd.size()).ok());
  // Every truncation and every single-byte change of a real record decodes
  // or fails cleanly.
  auto bytes = encode_program_info(sample_program());
  for (size_t n = 8; n < bytes.size(); n += 8)
    (void)decode_program_info(bytes.data(), n);
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto copy = bytes;
    copy[i] = static_cast<char>(copy[i] ^ 0x5a);
    auto r = decode_program_info(copy.data(), copy.size());
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(ConsoleJson, WriterEscapesAndNestsCorrectly) {
  json_writer w;
  w.begin_object();
  w.key("s").value(std::string_view("a\"b\\c\n\x01"));
  w.key("n").value(int64_t{-5});
  w.key("u").value(uint64_t{18446744073709551615ull});
  w.key("d").value(0.25);
  w.key("inf").value(std::numeric_limits<double>::infinity());
  w.key("b").value(true);
  w.key("a").begin_array().value(int64_t{1}).begin_object().end_object().begin_array().end_array();
  w.end_array();
  w.end_object();
  auto j = nlohmann::json::parse(w.str());
  EXPECT_EQ(j["s"], "a\"b\\c\n\x01");
  EXPECT_EQ(j["n"], -5);
  EXPECT_EQ(j["u"].get<uint64_t>(), 18446744073709551615ull);
  EXPECT_DOUBLE_EQ(j["d"].get<double>(), 0.25);
  EXPECT_TRUE(j["inf"].is_null());
  EXPECT_EQ(j["b"], true);
  ASSERT_EQ(j["a"].size(), 3u);
}

TEST(ConsoleJson, ProgramShapeHasEveryDocumentedField) {
  program_info p = sample_program();
  json_writer w;
  write_json(w, p, true);
  auto j = nlohmann::json::parse(w.str());
  for (const char* k : {"id", "state", "queue", "priority", "submitter", "text", "submitted_unix_ms",
                        "ended_unix_ms", "wall_seconds", "slot_seconds", "slots_held", "error",
                        "portions", "capacity"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["state"], "failed");
  EXPECT_EQ(j["text"].get<std::string>(), p.text);
  EXPECT_EQ(j["portions"][1]["inputs"], nlohmann::json::array({0}));
  EXPECT_TRUE(j["portions"][1]["started"].is_null());
  EXPECT_EQ(j["portions"][0]["state"], "done");
  EXPECT_EQ(j["capacity"][0]["slots"], 3);

  json_writer brief;
  p.ended_unix_ms = 0;
  p.error.clear();
  write_json(brief, p, false);
  auto b = nlohmann::json::parse(brief.str());
  EXPECT_FALSE(b.contains("portions"));
  EXPECT_TRUE(b["ended_unix_ms"].is_null());
  EXPECT_TRUE(b["error"].is_null());
}

TEST(ConsoleJson, NodeAndQueueShapes) {
  json_writer w;
  w.begin_array();
  write_json(w, node_info{3, true, {4, 1024}, {2, 512}, 2});
  queue_status q;
  q.config.name = "etl";
  q.config.weight = 2;
  q.used = {3, 300};
  write_json(w, q);
  w.end_array();
  auto j = nlohmann::json::parse(w.str());
  EXPECT_EQ(j[0]["state"], "draining");
  EXPECT_EQ(j[0]["free_slots"], 2);
  EXPECT_EQ(j[1]["name"], "etl");
  EXPECT_TRUE(j[1]["max_slots"].is_null());  // no cap
  EXPECT_EQ(j[1]["used_slots"], 3);
}

}  // namespace
