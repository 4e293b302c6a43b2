// The executor's block store: blocks by (program, portion, task, partition),
// dropped per program, and never resurrected by a task that ends after the drop.
#include <gtest/gtest.h>

#include "actors/executor.h"

namespace tranche {
namespace {

std::vector<batch_ptr> one_batch(int64_t v) {
  schema s{{field{"x", type_id::int64}}};
  return {std::make_shared<batch>(make_batch(s, {{value{v}}}))};
}

TEST(BlockStore, PutGetDrop) {
  block_store store;
  store.put(block_ref{1, 7, 0, 2, 1}, one_batch(5));
  store.put(block_ref{1, 8, 0, 0, 0}, one_batch(6));
  bool found = false;
  auto b = store.get(block_ref{1, 7, 0, 2, 1}, &found);
  ASSERT_TRUE(found);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(std::get<int64_t>(b[0]->get(0, 0)), 5);
  (void)store.get(block_ref{1, 7, 0, 2, 0}, &found);
  EXPECT_FALSE(found);
  store.drop_program(7);
  EXPECT_EQ(store.size(), 1u);
  (void)store.get(block_ref{1, 7, 0, 2, 1}, &found);
  EXPECT_FALSE(found);
}

TEST(BlockStore, LateTaskOutputOfADroppedProgramIsDiscarded) {
  block_store store;
  store.drop_program(3);
  store.put(block_ref{1, 3, 1, 0, 0}, one_batch(1));
  EXPECT_EQ(store.size(), 0u);
}

}  // namespace
}  // namespace tranche
