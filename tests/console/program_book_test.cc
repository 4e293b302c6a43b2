// The program book: a program's life as the console shows it, slot-seconds,
// capacity samples, retention, and history restored after a restart.
#include "console/program_book.h"

#include <gtest/gtest.h>

namespace {

using namespace tranche;

progress_event ev(progress_kind k, uint64_t program, int32_t portion, double at, int32_t held,
                  int32_t done = 0, int32_t total = 0) {
  progress_event e;
  e.kind = k;
  e.program = program;
  e.portion = portion;
  e.at = at;
  e.slots_held = held;
  e.tasks_done = done;
  e.tasks_total = total;
  return e;
}

std::vector<portion_info> two_portions() {
  portion_info scan;
  scan.id = 0;
  scan.name = "scan t + partial aggregate";
  scan.tasks_total = 4;
  portion_info agg;
  agg.id = 1;
  agg.name = "final aggregate";
  agg.inputs = {0};
  agg.tasks_total = 2;
  return {scan, agg};
}

TEST(ProgramBook, ASessionTokenInAProgramsTextIsRedacted) {
  program_book book;
  book.submitted(3, "default", 0, "", "SELECT 'trs_0123456789abcdef' AS t FROM x", 0);
  auto p = book.find(3, 0);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->text, "SELECT 'trs_<redacted>' AS t FROM x");
}

TEST(ProgramBook, FollowsAProgramFromSubmissionToItsEnd) {
  program_book book;
  book.submitted(7, "etl", 2, "ana@box", "SELECT 1", 1'000'000);
  auto p = book.find(7, 1'000'100);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->state, program_state::planning);
  EXPECT_EQ(p->queue, "etl");
  EXPECT_EQ(p->priority, 2);
  EXPECT_EQ(p->submitter, "ana@box");
  EXPECT_DOUBLE_EQ(p->wall_seconds, 0.1);

  book.planned(7, two_portions());
  book.progress(ev(progress_kind::portion_started, 7, 0, 0.0, 0));
  book.progress(ev(progress_kind::capacity_obtained, 7, 0, 0.0, 2));
  book.progress(ev(progress_kind::task_finished, 7, 0, 1.0, 2, 2, 4));
  book.progress(ev(progress_kind::task_retried, 7, 0, 1.5, 2, 2, 4));
  book.progress(ev(progress_kind::task_finished, 7, 0, 2.0, 2, 4, 4));
  book.progress(ev(progress_kind::capacity_yielded, 7, 0, 2.0, 0, 4, 4));
  book.progress(ev(progress_kind::portion_finished, 7, 0, 2.0, 0, 4, 4));
  book.progress(ev(progress_kind::portion_started, 7, 1, 2.0, 0));
  book.progress(ev(progress_kind::capacity_obtained, 7, 1, 2.0, 1));
  p = book.find(7, 1'003'000);  // 3 s after submission, portion 1 holds 1 slot since 2 s
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->state, program_state::running);
  EXPECT_EQ(p->slots_held, 1);
  EXPECT_DOUBLE_EQ(p->slot_seconds, 2 * 2.0 + 1 * 1.0);
  ASSERT_EQ(p->portions.size(), 2u);
  EXPECT_EQ(p->portions[0].state, portion_state::done);
  EXPECT_EQ(p->portions[0].tasks_done, 4);
  EXPECT_EQ(p->portions[0].peak_slots, 2);
  EXPECT_EQ(p->portions[0].retries, 1);
  EXPECT_DOUBLE_EQ(p->portions[0].started, 0.0);
  EXPECT_DOUBLE_EQ(p->portions[0].finished, 2.0);
  EXPECT_EQ(p->portions[1].state, portion_state::running);
  EXPECT_EQ(p->portions[1].inputs, std::vector<int32_t>{0});

  book.progress(ev(progress_kind::task_finished, 7, 1, 3.5, 1, 2, 2));
  book.ended(7, "", 1'004'000);
  p = book.find(7, 1'009'000);  // wall time stops at the end
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->state, program_state::succeeded);
  EXPECT_DOUBLE_EQ(p->wall_seconds, 4.0);
  EXPECT_EQ(p->ended_unix_ms, 1'004'000);
  EXPECT_EQ(p->slots_held, 0);
  // Portion 1 held its slot until the end (4 s): 2 s.
  EXPECT_DOUBLE_EQ(p->slot_seconds, 4.0 + 2.0);
  // The capacity over time: 2 slots at 0, none at 2, 1 at 2 (merged), none at the end.
  ASSERT_FALSE(p->capacity.empty());
  EXPECT_EQ(p->capacity.front().slots, 2);
  EXPECT_EQ(p->capacity.back().slots, 0);
  EXPECT_DOUBLE_EQ(p->capacity.back().at, 4.0);
}

TEST(ProgramBook, EndsAreSortedIntoSucceededFailedAndCancelled) {
  program_book book;
  for (uint64_t id = 1; id <= 4; ++id) book.submitted(id, "default", 0, "", "q", 0);
  book.ended(1, "", 10);
  book.ended(2, "division by zero in column x", 10);
  book.ended(3, "cancelled", 10);
  book.ended(4, "the client went away", 10);
  EXPECT_EQ(book.find(1, 20)->state, program_state::succeeded);
  EXPECT_EQ(book.find(2, 20)->state, program_state::failed);
  EXPECT_EQ(book.find(2, 20)->error, "division by zero in column x");
  EXPECT_EQ(book.find(3, 20)->state, program_state::cancelled);
  EXPECT_EQ(book.find(4, 20)->state, program_state::cancelled);
  // A second end, and events after the end, change nothing.
  book.ended(1, "late", 30);
  book.progress(ev(progress_kind::capacity_obtained, 1, 0, 0.5, 3));
  EXPECT_EQ(book.find(1, 40)->state, program_state::succeeded);
  EXPECT_EQ(book.find(1, 40)->slots_held, 0);
}

TEST(ProgramBook, ListsNewestFirstWithoutDetailsAndIgnoresStrangers) {
  program_book book;
  book.submitted(1, "default", 0, "", "a", 0);
  book.submitted(2, "default", 0, "", "b", 0);
  book.planned(2, two_portions());
  // Unknown programs and portions out of range are ignored.
  book.progress(ev(progress_kind::capacity_obtained, 99, 0, 0, 1));
  book.progress(ev(progress_kind::capacity_obtained, 2, 5, 0, 1));
  book.progress(ev(progress_kind::capacity_obtained, 2, -1, 0, 1));
  book.planned(98, two_portions());
  book.ended(97, "", 0);
  auto l = book.list(1000);
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].id, 2u);
  EXPECT_EQ(l[1].id, 1u);
  EXPECT_TRUE(l[0].portions.empty());
  EXPECT_EQ(l[0].slots_held, 0);
  EXPECT_EQ(book.list(1000, true)[0].portions.size(), 2u);
  EXPECT_FALSE(book.find(99, 0).has_value());
}

TEST(ProgramBook, KeepsTheNewestEndedProgramsAndEveryRunningOne) {
  program_book book(program_book::options{3, 1024});
  book.submitted(1, "default", 0, "", "running all along", 0);
  for (uint64_t id = 2; id <= 10; ++id) {
    book.submitted(id, "default", 0, "", "x", 0);
    book.ended(id, "", static_cast<int64_t>(id));
  }
  auto l = book.list(100);
  ASSERT_EQ(l.size(), 4u);
  EXPECT_EQ(l[0].id, 10u);
  EXPECT_EQ(l[2].id, 8u);
  EXPECT_EQ(l[3].id, 1u);
  EXPECT_FALSE(book.find(7, 100).has_value());
  EXPECT_EQ(book.max_id(), 10u);
}

TEST(ProgramBook, LongProgramsKeepABoundedNumberOfSamples) {
  program_book book(program_book::options{10, 64});
  book.submitted(1, "default", 0, "", "x", 0);
  portion_info one;
  one.tasks_total = 100000;
  book.planned(1, {one});
  for (int i = 0; i < 10000; ++i)
    book.progress(ev(progress_kind::capacity_obtained, 1, 0, i * 0.01, 1 + i % 7));
  auto p = book.find(1, 200'000);
  ASSERT_TRUE(p.has_value());
  EXPECT_LE(p->capacity.size(), 65u);
  EXPECT_GE(p->capacity.size(), 16u);
  EXPECT_DOUBLE_EQ(p->capacity.front().at, 0.0);
  EXPECT_DOUBLE_EQ(p->capacity.back().at, 99.99);
  EXPECT_EQ(p->portions[0].peak_slots, 7);
}

TEST(ProgramBook, CutsLongTextsAtACharacterBoundary) {
  program_book book;
  std::string text(program_book::kMaxText - 1, 'a');
  text += "\xc3\xa9\xc3\xa9";  // é é: the cut falls inside the first
  book.submitted(1, "default", 0, "", text, 0);
  const std::string kept = book.find(1, 0)->text;
  EXPECT_EQ(kept.size(), program_book::kMaxText - 1);
  EXPECT_EQ(kept.back(), 'a');
}

TEST(ProgramBook, RestoredProgramsJoinTheListInTheOrderTheyEnded) {
  program_book book(program_book::options{2, 1024});
  program_info a;
  a.id = 3;
  a.state = program_state::succeeded;
  a.ended_unix_ms = 300;
  program_info b = a;
  b.id = 4;
  b.ended_unix_ms = 100;
  program_info running = a;
  running.id = 9;
  running.state = program_state::running;  // only ended programs are history
  book.restore(a);
  book.restore(b);
  book.restore(running);
  EXPECT_EQ(book.size(), 2u);
  EXPECT_EQ(book.max_id(), 4u);
  program_info c = a;
  c.id = 5;
  c.ended_unix_ms = 200;
  book.restore(c);  // pushes out the earliest end: 4
  EXPECT_FALSE(book.find(4, 0).has_value());
  EXPECT_TRUE(book.find(3, 0).has_value());
  EXPECT_TRUE(book.find(5, 0).has_value());
}

}  // namespace
