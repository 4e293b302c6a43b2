// The node's block store: blocks by (program, portion, task, partition),
// dropped per program, never resurrected by a task that ends after the drop,
// and written to spill files beyond the memory budget, read back batch by
// batch with the same contents.
#include "store/block_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "io/batch_codec.h"

namespace tranche {
namespace {

namespace fs = std::filesystem;

std::vector<batch_ptr> batches(int n, int64_t base, size_t rows = 1000) {
  schema s{{field{"x", type_id::int64}, field{"s", type_id::string}}};
  std::vector<batch_ptr> out;
  for (int b = 0; b < n; ++b) {
    std::vector<std::vector<value>> data;
    for (size_t r = 0; r < rows; ++r)
      data.push_back({value{base + b * 100000 + static_cast<int64_t>(r)},
                      value{std::string("row-") + std::to_string(r)}});
    out.push_back(std::make_shared<batch>(make_batch(s, data)));
  }
  return out;
}

int64_t first_x(const batch& b) { return std::get<int64_t>(b.get(0, 0)); }

class BlockStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tranche-blocks-" + std::to_string(getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  size_t files() const {
    if (!fs::exists(dir_)) return 0;
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }
  fs::path dir_;
};

TEST_F(BlockStore, PutDescribeReadDrop) {
  block_store store;
  ASSERT_TRUE(store.put(block_ref{1, 7, 0, 2, 1}, batches(2, 5)).ok());
  ASSERT_TRUE(store.put(block_ref{1, 8, 0, 0, 0}, batches(1, 6)).ok());
  std::vector<uint64_t> sizes;
  ASSERT_TRUE(store.describe(block_ref{1, 7, 0, 2, 1}, &sizes));
  ASSERT_EQ(sizes.size(), 2u);
  EXPECT_GT(sizes[0], 8000u);
  auto b = store.batch_at(block_ref{1, 7, 0, 2, 1}, 1);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(first_x(**b), 100005);
  EXPECT_FALSE(store.describe(block_ref{1, 7, 0, 2, 0}, &sizes));
  EXPECT_EQ(store.batch_count(block_ref{1, 7, 0, 2, 1}), 2u);
  EXPECT_EQ(store.batch_count(block_ref{1, 7, 0, 2, 0}), std::nullopt);
  auto missing = store.batch_at(block_ref{1, 7, 0, 2, 0}, 0);
  EXPECT_EQ(missing.status().message(), "no block of program 7 portion 0 task 2 partition 0 on node 1");
  auto past = store.batch_at(block_ref{1, 7, 0, 2, 1}, 2);
  EXPECT_EQ(past.status().message(),
            "block of program 7 portion 0 task 2 partition 1 has 2 batches, asked for batch 2");
  EXPECT_GT(store.memory_bytes(), 0);
  store.drop_program(7);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_FALSE(store.describe(block_ref{1, 7, 0, 2, 1}, &sizes));
  store.drop_program(8);
  EXPECT_EQ(store.memory_bytes(), 0);
}

TEST_F(BlockStore, LateTaskOutputOfADroppedProgramIsDiscarded) {
  block_store store({0, dir_.string()});
  store.drop_program(3);
  ASSERT_TRUE(store.put(block_ref{1, 3, 1, 0, 0}, batches(1, 1)).ok());
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(files(), 0u);
}

TEST_F(BlockStore, BlocksBeyondTheBudgetAreSpilledAndReadBackTheSame) {
  const auto one = batches(3, 0);
  uint64_t block_bytes = 0;
  for (const auto& b : one) block_bytes += approx_bytes(*b);
  // Room for one block in memory; the next ones go to disk.
  block_store store({static_cast<int64_t>(block_bytes + block_bytes / 2), dir_.string()});
  for (uint32_t t = 0; t < 4; ++t)
    ASSERT_TRUE(store.put(block_ref{1, 9, 0, t, 0}, batches(3, t * 1000000)).ok());
  EXPECT_EQ(store.size(), 4u);
  EXPECT_EQ(store.spilled_blocks(), 3u);
  EXPECT_EQ(files(), 3u);
  EXPECT_LE(store.memory_bytes(), static_cast<int64_t>(block_bytes + block_bytes / 2));
  EXPECT_GT(store.spilled_bytes(), 0);
  for (uint32_t t = 0; t < 4; ++t) {
    const block_ref ref{1, 9, 0, t, 0};
    std::vector<uint64_t> sizes;
    ASSERT_TRUE(store.describe(ref, &sizes));
    ASSERT_EQ(sizes.size(), 3u);
    EXPECT_EQ(store.batch_count(ref), 3u);
    for (size_t i = 0; i < 3; ++i) {
      auto b = store.batch_at(ref, i);
      ASSERT_TRUE(b.ok()) << b.status().message();
      EXPECT_EQ((*b)->rows, 1000u);
      EXPECT_EQ(first_x(**b), t * 1000000 + i * 100000);
      EXPECT_EQ(std::get<std::string>((*b)->get(999, 1)), "row-999");
      auto enc = store.encoded_at(ref, i);
      ASSERT_TRUE(enc.ok());
      auto dec = decode_batch(enc->data(), enc->size());
      ASSERT_TRUE(dec.ok());
      EXPECT_EQ(first_x(*dec), t * 1000000 + i * 100000);
    }
  }
  store.drop_program(9);
  EXPECT_EQ(files(), 0u);
  EXPECT_EQ(store.spilled_bytes(), 0);
  EXPECT_EQ(store.memory_bytes(), 0);
}

TEST_F(BlockStore, ARerunReplacesTheBlockAndItsAccounting) {
  block_store store({0, dir_.string()});  // everything spills
  ASSERT_TRUE(store.put(block_ref{1, 4, 0, 0, 0}, batches(2, 0)).ok());
  const int64_t once = store.spilled_bytes();
  ASSERT_TRUE(store.put(block_ref{1, 4, 0, 0, 0}, batches(2, 50)).ok());
  EXPECT_EQ(store.spilled_bytes(), once);
  EXPECT_EQ(files(), 1u);
  auto b = store.batch_at(block_ref{1, 4, 0, 0, 0}, 0);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(first_x(**b), 50);
}

TEST_F(BlockStore, FilesGoWithTheStore) {
  {
    block_store store({0, dir_.string()});
    ASSERT_TRUE(store.put(block_ref{1, 4, 0, 0, 0}, batches(1, 0)).ok());
    EXPECT_EQ(files(), 1u);
  }
  EXPECT_EQ(files(), 0u);
}

TEST_F(BlockStore, AnUnwritableSpillDirectoryIsAClearError) {
  if (geteuid() == 0) {
    // root writes anywhere: use a path under a regular file instead.
    fs::create_directories(dir_);
    std::FILE* f = std::fopen((dir_ / "file").c_str(), "w");
    std::fclose(f);
  }
  const std::string bad = (dir_ / "file" / "spill").string();
  block_store store({0, bad});
  auto s = store.put(block_ref{1, 4, 2, 3, 1}, batches(1, 0));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("spilling a block of program 4 portion 2 task 3 partition 1: "),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find(bad), std::string::npos) << s.message();
  EXPECT_EQ(store.size(), 0u);
}

}  // namespace
}  // namespace tranche
