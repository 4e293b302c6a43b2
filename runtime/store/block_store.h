// The blocks one node holds: each task's output, one block per (program,
// portion, task, partition), kept until its program ends. Blocks live in
// memory up to a budget; a block that would take the store past it is
// written to a spill file instead (Spark writes every shuffle block to disk;
// we only write what does not fit), so that a node's memory stays bounded
// however much a shuffle moves. Readers take a block batch by batch (the
// executor's fetch serves them in windows), never all at once.
//
// Thread-safe: the node's pool threads put blocks, its executor actor reads
// them. Spill files are read with pread on a shared descriptor.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "plan/task.h"
#include "tranche/batch.h"

namespace tranche {

struct block_store_options {
  // Bytes of batches kept in memory (by approx_bytes); beyond it,
  // blocks go to `spill_dir`.
  int64_t memory_budget = INT64_MAX;
  // Empty: never spill (blocks stay in memory whatever the budget).
  std::string spill_dir;
};

class block_store {
 public:
  explicit block_store(block_store_options options = {});
  ~block_store();
  block_store(const block_store&) = delete;
  block_store& operator=(const block_store&) = delete;

  // Stores a block. Ignored for a dropped program: a task that was still
  // running when its program failed or was cancelled must not leave blocks
  // behind. Fails only when a spill write fails (the error names the file).
  absl::Status put(const block_ref& ref, std::vector<batch_ptr> batches);

  // The sizes of the block's batches (encoded bytes when spilled, else
  // approx_bytes), in order; false when the block is not here.
  [[nodiscard]] bool describe(const block_ref& ref, std::vector<uint64_t>* sizes) const;
  // How many batches the block has; nullopt when it is not here.
  [[nodiscard]] std::optional<size_t> batch_count(const block_ref& ref) const;

  // Batch `i` of a block: by pointer from memory, or read back and decoded.
  [[nodiscard]] absl::StatusOr<batch_ptr> batch_at(const block_ref& ref, size_t i) const;

  // Batch `i` in its wire form (schemas/batch.capnp): encoded from memory, or
  // read from the spill file as is.
  [[nodiscard]] absl::StatusOr<std::vector<char>> encoded_at(const block_ref& ref, size_t i) const;

  // Forgets every block of a program and deletes its spill files.
  void drop_program(uint64_t program);

  [[nodiscard]] size_t size() const;             // blocks held
  [[nodiscard]] int64_t memory_bytes() const;    // bytes of in-memory blocks
  [[nodiscard]] int64_t spilled_bytes() const;   // bytes in spill files
  [[nodiscard]] uint64_t spilled_blocks() const; // blocks ever spilled

 private:
  using key = std::tuple<uint64_t, uint32_t, uint32_t, uint32_t>;
  struct frame {
    uint64_t offset = 0;
    uint64_t length = 0;
  };
  struct entry {
    std::vector<batch_ptr> batches;  // in memory, or
    std::string path;                // spilled: one file of encoded batches
    std::vector<frame> frames;
    std::vector<uint64_t> sizes;  // per batch, as describe() reports them
    int64_t bytes = 0;
  };
  static key key_of(const block_ref& ref) {
    return key{ref.program, ref.portion, ref.task, ref.partition};
  }
  absl::StatusOr<std::shared_ptr<const entry>> find(const block_ref& ref) const;
  // The block's entry when it has batch `i`.
  absl::StatusOr<std::shared_ptr<const entry>> find_batch(const block_ref& ref, size_t i) const;
  absl::StatusOr<std::vector<char>> read_frame(const entry& e, size_t i) const;
  absl::StatusOr<std::shared_ptr<entry>> spill(const block_ref& ref,
                                               const std::vector<batch_ptr>& batches);

  const block_store_options options_;
  mutable std::mutex mu_;
  std::map<key, std::shared_ptr<const entry>> blocks_;
  std::set<uint64_t> dropped_;
  int64_t memory_bytes_ = 0;
  int64_t spilled_bytes_ = 0;
  uint64_t spilled_blocks_ = 0;
  uint64_t next_file_ = 0;
};

}  // namespace tranche
