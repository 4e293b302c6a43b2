// The program history: ended programs kept across a reopen, pruned by count
// and age, ids never reused, and foreign or damaged files refused or skipped.
#include "console/program_history.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

namespace {

using namespace tranche;
namespace fs = std::filesystem;

class ProgramHistory : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tranche-history-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path() const { return (dir_ / "history.db").string(); }

  static program_info ended_program(uint64_t id, int64_t ended_ms) {
    program_info p;
    p.id = id;
    p.state = program_state::succeeded;
    p.queue = "default";
    p.text = "SELECT " + std::to_string(id);
    p.submitted_unix_ms = ended_ms - 100;
    p.ended_unix_ms = ended_ms;
    p.wall_seconds = 0.1;
    portion_info q;
    q.name = "scan t";
    q.tasks_done = q.tasks_total = 3;
    p.portions.push_back(q);
    p.capacity = {{0, 3}, {0.1, 0}};
    return p;
  }

  fs::path dir_;
};

TEST_F(ProgramHistory, KeepsProgramsAcrossAReopen) {
  {
    auto h = program_history::open({path(), 100, 0});
    ASSERT_TRUE(h.ok()) << h.status();
    ASSERT_TRUE((*h)->save(ended_program(1, 1000), 2000).ok());
    ASSERT_TRUE((*h)->save(ended_program(2, 1500), 2000).ok());
    program_info again = ended_program(1, 1000);
    again.error = "saved twice: replaced";
    ASSERT_TRUE((*h)->save(again, 2000).ok());
  }
  auto h = program_history::open({path(), 100, 0});
  ASSERT_TRUE(h.ok()) << h.status();
  auto l = (*h)->load(3000);
  ASSERT_TRUE(l.ok()) << l.status();
  ASSERT_EQ(l->size(), 2u);
  EXPECT_EQ((*l)[0].id, 1u);  // oldest end first
  EXPECT_EQ((*l)[0].error, "saved twice: replaced");
  EXPECT_EQ((*l)[1].text, "SELECT 2");
  ASSERT_EQ((*l)[1].portions.size(), 1u);
  EXPECT_EQ((*l)[1].portions[0].tasks_done, 3);
  EXPECT_EQ(*(*h)->max_id(), 2u);
}

TEST_F(ProgramHistory, PrunesByCountAndAgeButNeverForgetsTheLargestId) {
  auto h = program_history::open({path(), 3, 10'000});
  ASSERT_TRUE(h.ok()) << h.status();
  for (uint64_t id = 1; id <= 6; ++id)
    ASSERT_TRUE((*h)->save(ended_program(id, 1000 * static_cast<int64_t>(id)), 7000).ok());
  auto l = (*h)->load(7000);
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->size(), 3u);  // the newest three ends
  EXPECT_EQ(l->front().id, 4u);
  l = (*h)->load(15'500);  // ends before 5500 are older than 10 s
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->size(), 1u);
  EXPECT_EQ(l->front().id, 6u);
  l = (*h)->load(100'000);
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->empty());
  EXPECT_EQ(*(*h)->max_id(), 6u);  // ids continue after 6 even with nothing kept
}

TEST_F(ProgramHistory, AForeignFileIsRefusedByName) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE other (x INTEGER)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto h = program_history::open({path(), 10, 0});
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("not a tranche program history"), std::string::npos)
      << h.status();
  EXPECT_NE(h.status().message().find(path()), std::string::npos);

  const std::string text = (dir_ / "text.db").string();
  FILE* f = std::fopen(text.c_str(), "w");
  std::fputs("this is not a database, just some text long enough to have a header......\n"
             "............................................................................\n",
             f);
  std::fclose(f);
  auto t = program_history::open({text, 10, 0});
  EXPECT_FALSE(t.ok());
}

TEST_F(ProgramHistory, ADamagedRecordIsSkippedAndCounted) {
  {
    auto h = program_history::open({path(), 10, 0});
    ASSERT_TRUE(h.ok());
    ASSERT_TRUE((*h)->save(ended_program(1, 1000), 2000).ok());
    ASSERT_TRUE((*h)->save(ended_program(2, 1100), 2000).ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "UPDATE programs SET record = x'0102030405' WHERE id = 1", nullptr, nullptr,
               nullptr);
  sqlite3_close(db);
  auto h = program_history::open({path(), 10, 0});
  ASSERT_TRUE(h.ok());
  auto l = (*h)->load(3000);
  ASSERT_TRUE(l.ok()) << l.status();
  ASSERT_EQ(l->size(), 1u);
  EXPECT_EQ(l->front().id, 2u);
  EXPECT_EQ((*h)->skipped(), 1u);
}

}  // namespace
