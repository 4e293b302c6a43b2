// The executor actor (see executor.h): task dispatch to the pool, block
// storage and block fetches.
#include "actors/executor.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "core/thread_pool.h"
#include "io/batch_codec.h"

namespace tranche {

void block_store::put(const block_ref& ref, std::vector<batch_ptr> batches) {
  std::lock_guard<std::mutex> lock(mu_);
  if (dropped_.count(ref.program)) return;
  blocks_[key{ref.program, ref.portion, ref.task, ref.partition}] = std::move(batches);
}

std::vector<batch_ptr> block_store::get(const block_ref& ref, bool* found) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = blocks_.find(key{ref.program, ref.portion, ref.task, ref.partition});
  *found = it != blocks_.end();
  return *found ? it->second : std::vector<batch_ptr>{};
}

void block_store::drop_program(uint64_t program) {
  std::lock_guard<std::mutex> lock(mu_);
  dropped_.insert(program);
  for (auto it = blocks_.begin(); it != blocks_.end();)
    it = std::get<0>(it->first) == program ? blocks_.erase(it) : std::next(it);
}

size_t block_store::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return blocks_.size();
}

void executor_directory::add(uint64_t node, executor_actor e, std::shared_ptr<block_store> store) {
  std::lock_guard<std::mutex> lock(mu_);
  nodes_[node] = {std::move(e), std::move(store)};
}

executor_actor executor_directory::find(uint64_t node) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(node);
  return it == nodes_.end() ? executor_actor{} : it->second.first;
}

std::shared_ptr<block_store> executor_directory::local_store(uint64_t node) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(node);
  return it == nodes_.end() ? nullptr : it->second.second;
}

void executor_directory::remove(uint64_t node) {
  std::lock_guard<std::mutex> lock(mu_);
  nodes_.erase(node);
}

std::vector<executor_actor> executor_directory::all() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<executor_actor> out;
  for (const auto& [n, e] : nodes_) out.push_back(e.first);
  return out;
}

namespace {

constexpr auto kFetchTimeout = std::chrono::seconds(30);

// Reads upstream blocks: from this node's store by pointer, from other nodes
// through their executor's fetch (encoded batches), with a bounded wait.
class node_block_source : public block_source {
 public:
  node_block_source(caf::actor_system& sys, uint64_t self_node, std::shared_ptr<block_store> store,
                    std::map<uint64_t, executor_actor> peers)
      : sys_(sys), self_node_(self_node), store_(std::move(store)), peers_(std::move(peers)) {}

  absl::StatusOr<std::vector<batch_ptr>> fetch(const block_ref& ref) override {
    if (ref.node == self_node_) {
      bool found = false;
      auto blocks = store_->get(ref, &found);
      if (!found) return missing(ref);
      return blocks;
    }
    auto peer = peers_.find(ref.node);
    if (peer == peers_.end() || !peer->second)
      return absl::UnavailableError(absl::StrCat("block of portion ", ref.portion, " task ",
                                                 ref.task, ": node ", ref.node, " is unknown"));
    caf::scoped_actor self{sys_};
    absl::StatusOr<std::vector<batch_ptr>> result = absl::UnavailableError("no reply");
    self->request(peer->second, kFetchTimeout, fetch_atom::value, ref.program, ref.portion,
                  ref.task, ref.partition)
        .receive(
            [&](const std::vector<std::vector<char>>& encoded, const std::string& error) {
              if (!error.empty()) {
                result = absl::UnavailableError(error);
                return;
              }
              std::vector<batch_ptr> out;
              for (const auto& bytes : encoded) {
                auto b = decode_batch(bytes.data(), bytes.size());
                if (!b.ok()) {
                  result = b.status();
                  return;
                }
                out.push_back(std::make_shared<batch>(*std::move(b)));
              }
              result = std::move(out);
            },
            [&](const caf::error& err) {
              result = absl::UnavailableError(
                  absl::StrCat("fetching a block from node ", ref.node, ": ", sys_.render(err)));
            });
    return result;
  }

 private:
  static absl::Status missing(const block_ref& ref) {
    return absl::UnavailableError(absl::StrCat("block of portion ", ref.portion, " task ", ref.task,
                                               " partition ", ref.partition, " is not on node ",
                                               ref.node));
  }
  caf::actor_system& sys_;
  uint64_t self_node_;
  std::shared_ptr<block_store> store_;
  std::map<uint64_t, executor_actor> peers_;
};

struct executor_state {
  executor_config cfg;
  std::shared_ptr<block_store> store = std::make_shared<block_store>();
  std::unique_ptr<thread_pool> pool;
  uint64_t next_seq = 1;
  std::map<uint64_t, caf::typed_response_promise<std::vector<char>, std::string>> running;
  static inline const char* name = "executor";
};

using executor_ptr = executor_actor::stateful_pointer<executor_state>;

executor_actor::behavior_type executor_impl(executor_ptr self, executor_config cfg,
                                            std::shared_ptr<block_store> store) {
  self->state.cfg = cfg;
  self->state.store = std::move(store);
  self->state.pool = std::make_unique<thread_pool>(static_cast<size_t>(std::max(1, cfg.slots)));
  return {
      [=](run_atom, const std::vector<char>& bytes, const std::vector<uint64_t>& nodes,
          const std::vector<caf::actor>& executors)
          -> caf::typed_response_promise<std::vector<char>, std::string> {
        auto promise = self->make_response_promise<std::vector<char>, std::string>();
        auto spec = decode_task(bytes.data(), bytes.size());
        if (!spec.ok()) {
          promise.deliver(std::vector<char>{}, std::string(spec.status().message()));
          return promise;
        }
        const uint64_t seq = self->state.next_seq++;
        self->state.running.emplace(seq, promise);
        executor_actor me = caf::actor_cast<executor_actor>(self);
        auto& sys = self->system();
        auto store = self->state.store;
        std::map<uint64_t, executor_actor> peers;
        for (size_t i = 0; i < nodes.size() && i < executors.size(); ++i)
          peers[nodes[i]] = caf::actor_cast<executor_actor>(executors[i]);
        const uint64_t node = self->state.cfg.node;
        self->state.pool->submit([me, &sys, store, peers = std::move(peers), node, seq,
                                  task = *std::move(spec)] {
          node_block_source source(sys, node, store, peers);
          auto out = run_task(task, source);
          if (!out.ok()) {
            caf::anon_send(me, task_done_atom::value, seq, std::vector<char>{},
                           std::string(out.status().message()));
            return;
          }
          task_result r;
          r.rows = out->rows;
          r.bytes = out->bytes;
          for (uint32_t p = 0; p < out->partitions.size(); ++p) {
            uint64_t rows = 0;
            for (const auto& b : out->partitions[p]) rows += b->rows;
            r.partition_rows.push_back(rows);
            store->put(
                block_ref{node, task.program, static_cast<uint32_t>(task.portion.id), task.task, p},
                std::move(out->partitions[p]));
          }
          caf::anon_send(me, task_done_atom::value, seq, encode_task_result(r), std::string{});
        });
        return promise;
      },
      [=](fetch_atom, uint64_t program, uint32_t portion, uint32_t task,
          uint32_t partition) -> caf::result<std::vector<std::vector<char>>, std::string> {
        bool found = false;
        auto blocks = self->state.store->get(
            block_ref{self->state.cfg.node, program, portion, task, partition}, &found);
        std::vector<std::vector<char>> out;
        if (!found)
          return {out, absl::StrCat("no block for program ", program, " portion ", portion,
                                    " task ", task, " partition ", partition)};
        out.reserve(blocks.size());
        for (const auto& b : blocks) out.push_back(encode_batch(*b));
        return {out, std::string{}};
      },
      [=](drop_atom, uint64_t program) { self->state.store->drop_program(program); },
      [=](node_atom, uint64_t node) { self->state.cfg.node = node; },
      [=](drain_atom) { return static_cast<int64_t>(self->state.running.size()); },
      [=](task_done_atom, uint64_t seq, std::vector<char>& result, std::string& error) {
        auto it = self->state.running.find(seq);
        if (it == self->state.running.end()) return;
        it->second.deliver(std::move(result), std::move(error));
        self->state.running.erase(it);
      },
  };
}

}  // namespace

executor_actor spawn_executor(caf::actor_system& sys, const executor_config& cfg) {
  auto store = std::make_shared<block_store>();
  auto e = sys.spawn(executor_impl, cfg, store);
  if (cfg.directory) cfg.directory->add(cfg.node, e, store);
  return e;
}

}  // namespace tranche
