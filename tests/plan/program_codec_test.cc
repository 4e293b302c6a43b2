// The Program codec (plan/program_codec.h): regressions found by the codecs
// fuzz target (tools/fuzz/targets/codecs.cc, corpus in tools/fuzz/corpus/codecs).
#include "plan/program_codec.h"

#include <gtest/gtest.h>

#include <string>

namespace tranche {
namespace {

// Texts went through c_str() both ways, so a NUL byte cut them: a program
// decoded from the wire re-encoded as a different one (and the SQL the head
// ran was not the SQL it received).
TEST(ProgramCodec, TextsWithNulBytesRoundTripWhole) {
  program_request p;
  p.sql = std::string("SELECT 1\0 -- rest", 17);
  p.options.queue = std::string("q\0x", 3);
  p.options.priority = -3;
  p.tables.push_back(table_binding{std::string("t\0u", 3), std::string("/d/\0*.csv", 9), '|', false});
  std::vector<char> bytes = encode_program(p);
  auto back = decode_program(bytes.data(), bytes.size());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->sql, p.sql);
  EXPECT_EQ(back->options.queue, p.options.queue);
  EXPECT_EQ(back->options.priority, -3);
  ASSERT_EQ(back->tables.size(), 1u);
  EXPECT_EQ(back->tables[0].name, p.tables[0].name);
  EXPECT_EQ(back->tables[0].glob, p.tables[0].glob);
  EXPECT_EQ(back->tables[0].delimiter, '|');
  EXPECT_FALSE(back->tables[0].header);
  EXPECT_EQ(encode_program(*back), bytes);
}

TEST(ProgramCodec, RoundTripsAndRejectsGarbage) {
  program_request p;
  p.sql = "SELECT * FROM t";
  p.tables.push_back(table_binding{"t", "/data/t/*.csv", ',', true});
  std::vector<char> bytes = encode_program(p);
  auto back = decode_program(bytes.data(), bytes.size());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->options.queue, kDefaultQueue);
  EXPECT_FALSE(decode_program(bytes.data(), bytes.size() - 1).ok());
  EXPECT_FALSE(decode_program(bytes.data(), 8).ok());
}

}  // namespace
}  // namespace tranche
