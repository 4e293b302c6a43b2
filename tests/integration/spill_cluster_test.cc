// Spill at the cluster level: an embedded cluster whose tasks get a 16 MiB
// memory lease runs a high-cardinality GROUP BY, a shuffle self-join and a
// full ORDER BY over ~210 MB of CSV. Every answer is checked against values
// computed here from the generating formula, the tasks' progress events must
// report spilled bytes (so the state really outgrew the lease), and the
// broker's ledger is whole afterwards.
#include <gtest/gtest.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "test_cluster.h"
#include "tranche/client.h"

namespace tranche {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kRows = 5'200'000;
constexpr int64_t kGroups = 1'000'003;  // prime, so k cycles through every group
constexpr int kFiles = 8;

// Row i: id = i, k = (i * 7919) mod kGroups, v = i mod 1000, and a padding
// string, so each row is about 42 bytes of CSV.
int64_t key_of(int64_t i) { return (i * 7919) % kGroups; }
int64_t value_of(int64_t i) { return i % 1000; }

class SpillCluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::make_temp_dir("tranche-spill-cluster"));
    fs::create_directories(*dir_ + "/t");
    uint64_t bytes = 0;
    for (int f = 0; f < kFiles; ++f) {
      const std::string path = *dir_ + "/t/part-" + std::to_string(f) + ".csv";
      std::FILE* out = std::fopen(path.c_str(), "w");
      ASSERT_NE(out, nullptr) << path;
      std::fputs("id,k,v,s\n", out);
      for (int64_t i = f; i < kRows; i += kFiles)
        std::fprintf(out, "%lld,%lld,%lld,pad-%012lld-xyz\n", static_cast<long long>(i),
                     static_cast<long long>(key_of(i)), static_cast<long long>(value_of(i)),
                     static_cast<long long>(i * 31));
      ASSERT_EQ(std::fclose(out), 0) << path;
      bytes += fs::file_size(path);
    }
    ASSERT_GE(bytes, 200'000'000u) << "the input must be at least 200 MB";
    cluster_options co;
    co.nodes = 2;
    co.slots_per_node = 1;
    co.memory_per_task = 16ll << 20;
    co.memory_per_node = 256ll << 20;  // blocks past 128 MiB per node spill too
    co.broadcast_bytes = 0;            // the join shuffles both sides
    co.spill_root = *dir_;
    auto cl = cluster::start_local(co);
    ASSERT_TRUE(cl.ok()) << cl.status().message();
    cluster_ = cl->release();
  }

  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    fs::remove_all(*dir_);
    delete dir_;
  }

  void TearDown() override {
    if (cluster_ == nullptr) return;
    testing::expect_ledger_whole(*cluster_);
    // Only the private spill directory of the cluster is there, and empty:
    // spill files are unlinked when created.
    for (const auto& e : fs::directory_iterator(*dir_)) {
      if (e.path().filename() == "t") continue;
      EXPECT_TRUE(fs::is_directory(e.path())) << e.path();
    }
  }

  // Runs `sql`; returns the result and sets *spilled to the bytes its tasks
  // spilled (the last task_finished event of each portion has its total).
  static query_result run(const std::string& sql, uint64_t* spilled) {
    std::map<int32_t, uint64_t> per_portion;
    auto r = cluster_->run_sql(sql, {{"t", *dir_ + "/t/*.csv"}}, [&](const progress_event& e) {
      if (e.kind == progress_kind::task_finished)
        per_portion[e.portion] = std::max(per_portion[e.portion], e.spilled_bytes);
    });
    EXPECT_TRUE(r.ok()) << r.status().message();
    *spilled = 0;
    for (const auto& [portion, bytes] : per_portion) *spilled += bytes;
    ::testing::Test::RecordProperty("spilled_bytes", std::to_string(*spilled));
    std::printf("%s: spilled %.1f MiB\n", sql.c_str(), static_cast<double>(*spilled) / (1 << 20));
    return r.ok() ? *std::move(r) : query_result{};
  }

  static int64_t int_at(const batch& b, size_t column, size_t row) {
    return b.columns[column]->i64()[row];
  }

  static std::string* dir_;
  static cluster* cluster_;
};

std::string* SpillCluster::dir_ = nullptr;
cluster* SpillCluster::cluster_ = nullptr;

TEST_F(SpillCluster, GroupByAMillionKeys) {
  uint64_t spilled = 0;
  auto r = run("SELECT k, count(*) AS n, sum(v) AS total FROM t GROUP BY k", &spilled);
  ASSERT_EQ(r.rows, static_cast<uint64_t>(kGroups));
  std::vector<int64_t> count(kGroups, 0), sum(kGroups, 0);
  for (int64_t i = 0; i < kRows; ++i) {
    ++count[key_of(i)];
    sum[key_of(i)] += value_of(i);
  }
  std::vector<bool> seen(kGroups, false);
  for (const auto& b : r.batches)
    for (size_t i = 0; i < b.rows; ++i) {
      const int64_t k = int_at(b, 0, i);
      ASSERT_GE(k, 0);
      ASSERT_LT(k, kGroups);
      ASSERT_FALSE(seen[k]) << "group " << k << " appears twice";
      seen[k] = true;
      ASSERT_EQ(int_at(b, 1, i), count[k]) << "count of group " << k;
      ASSERT_EQ(int_at(b, 2, i), sum[k]) << "sum of group " << k;
    }
  EXPECT_GT(spilled, 0u) << "the aggregate never outgrew its 16 MiB lease";
}

TEST_F(SpillCluster, ShuffleSelfJoin) {
  uint64_t spilled = 0;
  auto r = run(
      "SELECT count(*) AS n, sum(a.v * b.v) AS vv, sum(b.k) AS ks "
      "FROM t a JOIN t b ON a.id = b.id WHERE a.v >= 0",
      &spilled);
  ASSERT_EQ(r.rows, 1u);
  int64_t vv = 0, ks = 0;
  for (int64_t i = 0; i < kRows; ++i) {
    vv += value_of(i) * value_of(i);
    ks += key_of(i);
  }
  const batch* b = nullptr;
  for (const auto& x : r.batches)
    if (x.rows > 0) b = &x;
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(int_at(*b, 0, 0), kRows);
  EXPECT_EQ(int_at(*b, 1, 0), vv);
  EXPECT_EQ(int_at(*b, 2, 0), ks);
  EXPECT_GT(spilled, 0u) << "the join never outgrew its 16 MiB lease";
}

TEST_F(SpillCluster, OrderByEveryRow) {
  uint64_t spilled = 0;
  auto r = run("SELECT k, id FROM t ORDER BY k DESC, id", &spilled);
  ASSERT_EQ(r.rows, static_cast<uint64_t>(kRows));
  int64_t prev_k = INT64_MAX, prev_id = -1, ids = 0;
  for (const auto& b : r.batches)
    for (size_t i = 0; i < b.rows; ++i) {
      const int64_t k = int_at(b, 0, i), id = int_at(b, 1, i);
      ASSERT_EQ(k, key_of(id)) << "row of id " << id;
      ASSERT_TRUE(k < prev_k || (k == prev_k && id > prev_id))
          << "(" << k << ", " << id << ") after (" << prev_k << ", " << prev_id << ")";
      prev_k = k;
      prev_id = id;
      ids += id;
    }
  EXPECT_EQ(ids, kRows * (kRows - 1) / 2);
  EXPECT_GT(spilled, 0u) << "the sort never outgrew its 16 MiB lease";
}

}  // namespace
}  // namespace tranche
