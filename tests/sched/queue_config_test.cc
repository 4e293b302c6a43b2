// The ledger's named queues: validation naming the queue and the field,
// changes at run time, requests rejected at once (malformed, or beyond a
// queue's admission bound).
#include <gtest/gtest.h>

#include "policy_test_util.h"

namespace tranche {
namespace {

using namespace policy_test;

// ---------------------------------------------------------------- queues

TEST(Queues, DefaultQueueAlwaysExists) {
  ledger l;
  auto d = l.queue("default");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->config.weight, 1.0);
  EXPECT_EQ(d->config.minimum, (capacity{0, 0}));
  EXPECT_EQ(d->config.cap, (capacity{kUnlimited, kUnlimited}));
  EXPECT_EQ(d->config.max_waiting, kUnlimited);
  auto s = l.remove_queue("default");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "queue \"default\" cannot be removed");
  // It can be changed, though (e.g. to bound its waiting programs).
  EXPECT_TRUE(l.update_queue(qc("default", 2, {}, {kUnlimited, kUnlimited}, 10)).ok());
  EXPECT_EQ(l.queue("default")->config.max_waiting, 10);
}

TEST(Queues, ValidationNamesTheQueueAndTheField) {
  ledger l;
  auto msg = [&](const queue_config& q) { return std::string(l.add_queue(q).message()); };
  EXPECT_EQ(msg(qc("etl", 0)), "queue \"etl\": weight must be > 0 (got 0)");
  EXPECT_EQ(msg(qc("etl", -2)), "queue \"etl\": weight must be > 0 (got -2)");
  EXPECT_NE(msg(qc("etl", std::numeric_limits<double>::infinity())).find("weight"),
            std::string::npos);
  EXPECT_EQ(msg(qc("etl", 1, {-1, 0})), "queue \"etl\": min-slots must be >= 0 (got -1)");
  EXPECT_EQ(msg(qc("etl", 1, {0, -5})), "queue \"etl\": min-memory must be >= 0 (got -5)");
  EXPECT_EQ(msg(qc("etl", 1, {}, {-1, kUnlimited})),
            "queue \"etl\": cap-slots must be >= 0 (got -1)");
  EXPECT_EQ(msg(qc("etl", 1, {}, {4, -1})), "queue \"etl\": cap-memory must be >= 0 (got -1)");
  EXPECT_EQ(msg(qc("etl", 1, {4, 0}, {2, kUnlimited})),
            "queue \"etl\": min-slots (4) exceeds cap-slots (2)");
  EXPECT_EQ(msg(qc("etl", 1, {0, 8 * kMiB}, {kUnlimited, kMiB})),
            "queue \"etl\": min-memory (8388608) exceeds cap-memory (1048576)");
  EXPECT_EQ(msg(qc("etl", 1, {}, {kUnlimited, kUnlimited}, -1)),
            "queue \"etl\": max-waiting must be >= 0 (got -1)");
  EXPECT_EQ(msg(qc("a b", 1)), "queue \"a b\": name must be 1 to 64 of [A-Za-z0-9_.-]");
  EXPECT_EQ(msg(qc("", 1)), "queue \"\": name must be 1 to 64 of [A-Za-z0-9_.-]");
  EXPECT_EQ(l.queues().size(), 1u);  // nothing invalid got in

  ASSERT_TRUE(l.add_queue(qc("etl", 2, {1, 0}, {4, kGiB}, 3)).ok());
  auto dup = l.add_queue(qc("etl", 1));
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.message(), "queue \"etl\" already exists");
  auto unknown = l.update_queue(qc("adhoc", 1));
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(unknown.message(), "queue \"adhoc\" does not exist");
  EXPECT_EQ(l.update_queue(qc("etl", 0)).message(), "queue \"etl\": weight must be > 0 (got 0)");
  EXPECT_EQ(l.queue("etl")->config.weight, 2.0);  // unchanged by the refused update
}

TEST(Queues, ChangedAndRemovedAtRunTimeButNotWithWorkInThem) {
  ledger l;
  ASSERT_TRUE(l.add_node(node_id{1}, {2, 8 * kMiB}).ok());
  ASSERT_TRUE(l.add_queue(qc("etl", 1)).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "etl", 3), 0).ok());
  EXPECT_EQ(l.remove_queue("etl").message(),
            "queue \"etl\" cannot be removed: it still has 1 waiting request and 0 leases");
  ASSERT_EQ(l.schedule(1).size(), 2u);
  EXPECT_EQ(l.remove_queue("etl").message(),
            "queue \"etl\" cannot be removed: it still has 1 waiting request and 2 leases");
  l.shrink_request(100, 0);
  EXPECT_EQ(l.remove_queue("etl").message(),
            "queue \"etl\" cannot be removed: it still has 0 waiting requests and 2 leases");
  ASSERT_TRUE(l.update_queue(qc("etl", 5)).ok());
  EXPECT_EQ(l.queue("etl")->config.weight, 5.0);
  EXPECT_EQ(l.queue("etl")->used, (capacity{2, 2 * kMiB}));  // kept across the change
  l.drop_program(program_id{1});
  EXPECT_TRUE(l.remove_queue("etl").ok());
  EXPECT_FALSE(l.queue("etl").has_value());
  auto s = l.submit(ask(100, 1, "etl", 1), 2);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.status().message(), "queue \"etl\" does not exist");
  EXPECT_EQ(l.remove_queue("etl").code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(l.check().ok());
}

TEST(Queues, MalformedRequestsAreRejectedAtOnce) {
  ledger l;
  ASSERT_TRUE(l.add_queue(qc("small", 1, {}, {2, 3 * kMiB})).ok());
  EXPECT_EQ(l.submit(ask(100, 1, "default", 0), 0).status().message(),
            "program 1 portion 0: want must be >= 1 (got 0)");
  EXPECT_EQ(l.submit(ask(100, 1, "default", 2, 0, 3), 0).status().message(),
            "program 1 portion 0: min-want must be between 1 and want (2), got 3");
  // A gang larger than the cap could never start.
  EXPECT_EQ(l.submit(ask(100, 1, "small", 4, 0, 3), 0).status().message(),
            "queue \"small\": program 1 portion 0 needs 3 slots at once, over cap-slots 2");
  EXPECT_EQ(l.submit(ask(100, 1, "small", 2, 0, 2, 2 * kMiB), 0).status().message(),
            "queue \"small\": program 1 portion 0 needs 2 x 2097152 bytes at once, over "
            "cap-memory 3145728");
  EXPECT_EQ(l.queued(), 0u);
  // The FIFO-era entry point reports a rejection as request 0.
  EXPECT_EQ(l.enqueue(ask(100, 1, "nowhere", 1)), request_id{});
  // A program stays in the queue it was admitted to.
  ASSERT_TRUE(l.submit(ask(100, 1, "small", 1), 0).ok());
  auto other = l.submit(ask(101, 1, "default", 1), 0);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(other.status().message(), "program 1 was admitted to queue \"small\", not \"default\"");
}

// ------------------------------------------------------------- admission

TEST(Admission, ProgramsBeyondTheBoundAreRejectedAtOnce) {
  ledger l;
  ASSERT_TRUE(l.add_queue(qc("etl", 1, {}, {kUnlimited, kUnlimited}, 8)).ok());
  for (uint64_t p = 1; p <= 8; ++p) ASSERT_TRUE(l.submit(ask(p * 100, p, "etl", 1), 0).ok());
  auto s = l.submit(ask(900, 9, "etl", 1), 1);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.status().message(), "queue \"etl\" is full: 8 programs waiting (max-waiting 8)");
  EXPECT_EQ(l.queued(), 8u);  // never queued
  EXPECT_EQ(l.queue("etl")->waiting_programs, 8);
  // An admitted program's further requests are not turned away.
  ASSERT_TRUE(l.submit(ask(101, 1, "etl", 1), 1).ok());
  // Once programs start, they no longer wait: room for new ones.
  ASSERT_TRUE(l.add_node(node_id{1}, {2, 64 * kMiB}).ok());
  ASSERT_EQ(l.schedule(2).size(), 2u);  // programs 1 and 2, in arrival order
  EXPECT_EQ(l.queue("etl")->waiting_programs, 6);
  ASSERT_TRUE(l.submit(ask(900, 9, "etl", 1), 3).ok());
  ASSERT_TRUE(l.submit(ask(1000, 10, "etl", 1), 3).ok());
  EXPECT_EQ(l.submit(ask(1100, 11, "etl", 1), 3).status().message(),
            "queue \"etl\" is full: 8 programs waiting (max-waiting 8)");
  // A program that ends leaves room too.
  l.drop_program(program_id{3});
  EXPECT_EQ(l.queue("etl")->waiting_programs, 7);
  EXPECT_TRUE(l.submit(ask(1100, 11, "etl", 1), 4).ok());
  // Other queues are not affected.
  EXPECT_TRUE(l.submit(ask(1200, 12, "default", 1), 4).ok());
  EXPECT_TRUE(l.check().ok());
}

TEST(Admission, ZeroClosesTheQueueAndSingularReadsRight) {
  ledger l;
  ASSERT_TRUE(l.add_queue(qc("closed", 1, {}, {kUnlimited, kUnlimited}, 0)).ok());
  EXPECT_EQ(l.submit(ask(100, 1, "closed", 1), 0).status().message(),
            "queue \"closed\" is full: 0 programs waiting (max-waiting 0)");
  ASSERT_TRUE(l.add_queue(qc("one", 1, {}, {kUnlimited, kUnlimited}, 1)).ok());
  ASSERT_TRUE(l.submit(ask(100, 1, "one", 1), 0).ok());
  EXPECT_EQ(l.submit(ask(200, 2, "one", 1), 0).status().message(),
            "queue \"one\" is full: 1 program waiting (max-waiting 1)");
}

}  // namespace
}  // namespace tranche
