// Shared pieces of the integration fixtures that run programs on an embedded
// cluster: a private per-process scratch directory, generated sample tables,
// the usual small cluster options, starting the cluster (a failure is fatal to
// the calling function), and the check that the broker's ledger is whole
// after a program. Helpers that fail fatally are meant for
// ASSERT_NO_FATAL_FAILURE where the caller must stop.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "io/sample_gen.h"
#include "oracle.h"
#include "tranche/client.h"

namespace tranche::testing {

// A fresh, empty directory <temp>/<prefix>-<pid>, private to this process.
inline std::string make_temp_dir(const std::string& prefix) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

inline void remove_temp_dir(const std::string& dir) { std::filesystem::remove_all(dir); }

// Generates the sample table (io/sample_gen.h) into `dir`; its file paths go
// to `paths` when given.
inline void make_sample(const std::string& dir, uint64_t rows, int files,
                        std::vector<std::string>* paths = nullptr) {
  sample_options so;
  so.rows = rows;
  so.files = files;
  auto made = generate_sample(dir, so);
  ASSERT_TRUE(made.ok()) << made.status().message();
  if (paths != nullptr) *paths = *std::move(made);
}

// The sample table as sqlite3 sees it (the oracle), over `files`.
inline oracle_table sample_oracle_table(const std::string& name, std::vector<std::string> files) {
  return {name,
          "CREATE TABLE " + name +
              "(key INTEGER, price REAL, quantity INTEGER, shipdate TEXT, flag TEXT)",
          std::move(files),
          {"key", "price", "quantity", "shipdate", "flag"}};
}

// Two nodes with 1 GiB each and 64 MiB a task; `split_bytes` sets how many
// scan tasks a table gets.
inline cluster_options two_node_options(int slots_per_node, uint64_t split_bytes) {
  cluster_options co;
  co.nodes = 2;
  co.slots_per_node = slots_per_node;
  co.split_bytes = split_bytes;
  co.memory_per_node = 1ll << 30;
  co.memory_per_task = 64ll << 20;
  return co;
}

// Starts an embedded cluster into `out`; asserts that it started.
inline void start_cluster(const cluster_options& co, std::unique_ptr<cluster>& out) {
  auto cl = cluster::start_local(co);
  ASSERT_TRUE(cl.ok()) << cl.status().message();
  out = *std::move(cl);
}

// After a program: no lease or queued request left, every slot and every
// byte of memory free again.
inline void expect_ledger_whole(cluster& c) {
  auto l = c.ledger();
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(l->leases, 0);
  EXPECT_EQ(l->free_slots, l->registered_slots);
  EXPECT_EQ(l->free_memory, l->registered_memory);
  EXPECT_EQ(l->queued, 0);
}

}  // namespace tranche::testing
