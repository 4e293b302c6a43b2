// What a session kernel submits besides SQL: its temporary views
// (Program.views) and its temporary tables as columnar table bindings
// (TableBinding.columnar). The codec keeps both through a round trip and
// refuses nameless or repeated views; a columnar binding must name .tcol
// files only.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "plan/planner.h"
#include "plan/program_codec.h"

namespace tranche {
namespace {

program_request session_program() {
  program_request p;
  p.sql = "SELECT * FROM recent JOIN top ON recent.k = top.k";
  p.tables.push_back(table_binding{"t", "/data/t/*.csv", '|', false});
  table_binding top{"top", "/tmp/session-1/top/*.tcol"};
  top.columnar = true;
  p.tables.push_back(top);
  p.options.views = {{"recent", "SELECT k FROM t WHERE d > DATE '2024-01-01'"},
                     {"recent2", "SELECT * FROM recent"}};
  p.options.priority = 2;
  return p;
}

absl::Status decoded_status(const program_request& p) {
  std::vector<char> bytes = encode_program(p);
  return decode_program(bytes.data(), bytes.size()).status();
}

TEST(SessionProgram, ViewsAndColumnarBindingsRoundTrip) {
  const program_request p = session_program();
  std::vector<char> bytes = encode_program(p);
  auto back = decode_program(bytes.data(), bytes.size());
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->tables.size(), 2u);
  EXPECT_FALSE(back->tables[0].columnar);
  EXPECT_EQ(back->tables[0].delimiter, '|');
  EXPECT_TRUE(back->tables[1].columnar);
  EXPECT_EQ(back->tables[1].glob, "/tmp/session-1/top/*.tcol");
  ASSERT_EQ(back->options.views.size(), 2u);
  EXPECT_EQ(back->options.views[0].name, "recent");
  EXPECT_EQ(back->options.views[0].sql, p.options.views[0].sql);
  EXPECT_EQ(back->options.views[1].name, "recent2");
  EXPECT_EQ(back->options.views[1].sql, "SELECT * FROM recent");
  EXPECT_EQ(back->options.priority, 2);
  EXPECT_EQ(encode_program(*back), bytes);
  // A program without views decodes with none.
  program_request plain;
  plain.sql = "SELECT 1";
  bytes = encode_program(plain);
  auto none = decode_program(bytes.data(), bytes.size());
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->options.views.empty());
}

TEST(SessionProgram, NamelessEmptyOrRepeatedViewsAndBindingsAreRefused) {
  program_request p = session_program();
  p.options.views[1].name = "";
  EXPECT_EQ(check_program(p).message(), "view 2 has an empty name");
  EXPECT_EQ(decoded_status(p).message(), "malformed program: view 2 has an empty name");
  EXPECT_EQ(decoded_status(p).code(), absl::StatusCode::kInvalidArgument);

  p = session_program();
  p.options.views[0].sql = "";
  EXPECT_EQ(check_program(p).message(), "view \"recent\" has an empty query");

  p = session_program();
  p.options.views[1].name = "RECENT";
  EXPECT_EQ(check_program(p).message(), "view \"RECENT\" is given twice");
  EXPECT_EQ(decoded_status(p).message(), "malformed program: view \"RECENT\" is given twice");

  p = session_program();
  p.tables[1].name = "";
  EXPECT_EQ(check_program(p).message(),
            "table binding 2 (glob \"/tmp/session-1/top/*.tcol\") has an empty name");
  p = session_program();
  p.tables[0].glob = "";
  EXPECT_EQ(check_program(p).message(), "table binding \"t\" has an empty glob");

  EXPECT_TRUE(check_program(session_program()).ok());
}

TEST(SessionProgram, AColumnarBindingNamesTcolFilesOnly) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("tranche-session-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "part-00000.csv") << "a,b\n1,2\n";
  binding_catalog cat;
  csv_format columnar;
  columnar.columnar = true;
  absl::Status s = cat.bind("top", (dir / "*").string(), columnar);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "table top: bound as columnar, but \"" +
                             (dir / "part-00000.csv").string() + "\" is not a .tcol file");
  // The same files bound as CSV are fine.
  EXPECT_TRUE(cat.bind("top", (dir / "*").string()).ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tranche
