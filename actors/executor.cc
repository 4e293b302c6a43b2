// The executor actor (see executor.h): task dispatch to the pool, block
// storage and block fetches.
#include "actors/executor.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>

#include "absl/strings/str_cat.h"
#include "core/thread_pool.h"
#include "io/batch_codec.h"

namespace tranche {

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

std::vector<uint64_t> executor_directory::nodes() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<uint64_t> out;
  for (const auto& [n, e] : nodes_) out.push_back(n);
  return out;
}

std::vector<executor_actor> executor_directory::all() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<executor_actor> out;
  for (const auto& [n, e] : nodes_) out.push_back(e.first);
  return out;
}

namespace {

constexpr auto kFetchTimeout = std::chrono::seconds(30);
// A chunk is waited for in slices this long: between two, a stopped task
// (its program ended, or the node holding its input died and the portion
// stopped it) gives up at once instead of waiting out kFetchTimeout.
constexpr auto kFetchSlice = std::chrono::seconds(2);

// Reads upstream blocks batch by batch: from this node's store by pointer (or
// from its spill file), from other nodes through their executor's fetch in
// chunks, with a credit window of bytes requested but not yet consumed and a
// bounded wait for each chunk.
class node_block_source : public block_source {
 public:
  node_block_source(caf::actor_system& sys, uint64_t self_node, std::shared_ptr<block_store> store,
                    std::map<uint64_t, executor_actor> peers, fetch_window window,
                    const std::atomic<bool>* stop)
      : sys_(sys),
        self_node_(self_node),
        store_(std::move(store)),
        peers_(std::move(peers)),
        window_(window),
        stop_(stop) {}

  absl::Status fetch(const block_ref& ref, const consumer& consume) override {
    if (ref.node == self_node_) return fetch_local(ref, consume);
    auto peer = peers_.find(ref.node);
    if (peer == peers_.end() || !peer->second)
      return absl::UnavailableError(absl::StrCat("block of portion ", ref.portion, " task ",
                                                 ref.task, ": node ", ref.node, " is unknown"));
    return fetch_remote(ref, peer->second, consume);
  }

 private:
  absl::Status fetch_local(const block_ref& ref, const consumer& consume) {
    std::vector<uint64_t> sizes;
    if (!store_->describe(ref, &sizes))
      return absl::UnavailableError(absl::StrCat("block of portion ", ref.portion, " task ",
                                                 ref.task, " partition ", ref.partition,
                                                 " is not on node ", ref.node));
    for (size_t i = 0; i < sizes.size(); ++i) {
      auto b = store_->batch_at(ref, i);
      if (!b.ok()) return b.status();
      if (auto s = consume(**b); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  struct chunk {
    uint32_t first = 0;
    uint32_t count = 0;
    uint64_t bytes = 0;
  };

  // Cuts batches [1, n) into chunks of about chunk_bytes (batch 0 comes with
  // the sizes, in the first reply).
  std::vector<chunk> plan_chunks(const std::vector<uint64_t>& sizes) const {
    std::vector<chunk> out;
    for (uint32_t i = 1; i < sizes.size(); ++i) {
      if (out.empty() || out.back().count == 0 ||
          out.back().bytes + sizes[i] > window_.chunk_bytes)
        out.push_back(chunk{i, 0, 0});
      out.back().count++;
      out.back().bytes += sizes[i];
    }
    return out;
  }

  absl::Status fetch_remote(const block_ref& ref, const executor_actor& peer,
                            const consumer& consume) {
    caf::scoped_actor self{sys_};
    auto ask = [&](uint32_t first, uint32_t count) {
      return self->request(peer, kFetchSlice, fetch_atom::value, ref.program, ref.portion,
                           ref.task, ref.partition, first, count);
    };
    absl::Status status;
    std::vector<uint64_t> sizes;
    bool timed_out = false;
    auto take_once = [&](auto& handle) {
      timed_out = false;
      handle.receive(
          [&](std::vector<std::vector<char>>& encoded, std::vector<uint64_t>& all_sizes,
              std::string& error) {
            if (!error.empty()) {
              status = absl::UnavailableError(error);
              return;
            }
            if (!all_sizes.empty()) sizes = std::move(all_sizes);
            for (auto& bytes : encoded) {
              auto b = decode_batch(bytes.data(), bytes.size());
              if (!b.ok()) {
                status = b.status();
                return;
              }
              std::vector<char>().swap(bytes);  // the decoded copy replaces it
              status = consume(*b);
              if (!status.ok()) return;
            }
          },
          [&](const caf::error& err) {
            timed_out = err == caf::sec::request_timeout;
            status = absl::UnavailableError(
                absl::StrCat("fetching a block from node ", ref.node, ": ", sys_.render(err)));
          });
    };
    // Waits for the reply to chunk (first, count) slice by slice, asking
    // again after each silent slice (fetch is idempotent), up to kFetchTimeout.
    using handle_t = decltype(ask(0, 0));
    auto take = [&](handle_t& handle, uint32_t first, uint32_t count) {
      const auto give_up = std::chrono::steady_clock::now() + kFetchTimeout;
      for (;;) {
        take_once(handle);
        if (!timed_out) return;
        if (stop_ != nullptr && stop_->load()) {
          status = absl::CancelledError("the task was stopped while fetching its input");
          return;
        }
        if (std::chrono::steady_clock::now() >= give_up) {
          status = absl::UnavailableError(absl::StrCat(
              "fetching a block from node ", ref.node, ": no answer within ",
              std::chrono::duration_cast<std::chrono::seconds>(kFetchTimeout).count(), " s"));
          return;
        }
        status = absl::OkStatus();
        handle = ask(first, count);
      }
    };
    {
      auto first = ask(0, 1);
      take(first, 0, 1);
    }
    if (!status.ok() || sizes.size() <= 1) return status;
    const std::vector<chunk> chunks = plan_chunks(sizes);
    std::deque<std::pair<handle_t, size_t>> in_flight;  // handle, chunk index
    uint64_t credit_used = 0;
    size_t next = 0;
    while (status.ok() && (next < chunks.size() || !in_flight.empty())) {
      // Ask for more while the window has room (always at least one chunk).
      while (next < chunks.size() &&
             (in_flight.empty() || credit_used + chunks[next].bytes <= window_.window_bytes)) {
        in_flight.emplace_back(ask(chunks[next].first, chunks[next].count), next);
        credit_used += chunks[next].bytes;
        ++next;
      }
      const chunk& c = chunks[in_flight.front().second];
      take(in_flight.front().first, c.first, c.count);
      credit_used -= c.bytes;
      in_flight.pop_front();
    }
    // Replies still due after an error are discarded with the scoped actor.
    return status;
  }

  caf::actor_system& sys_;
  uint64_t self_node_;
  std::shared_ptr<block_store> store_;
  std::map<uint64_t, executor_actor> peers_;
  fetch_window window_;
  const std::atomic<bool>* stop_;
};

// A task running or queued on the pool: who asked, which task, and its stop flag.
struct running_task {
  caf::typed_response_promise<std::vector<char>, std::string, int32_t> promise;
  uint64_t program = 0;
  uint32_t portion = 0;
  uint32_t task = 0;
  std::shared_ptr<std::atomic<bool>> stop;
};

struct executor_state {
  executor_config cfg;
  std::shared_ptr<block_store> store;
  std::unique_ptr<thread_pool> pool;
  uint64_t next_seq = 1;
  std::map<uint64_t, running_task> running;
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
          -> caf::typed_response_promise<std::vector<char>, std::string, int32_t> {
        auto promise = self->make_response_promise<std::vector<char>, std::string, int32_t>();
        auto spec = decode_task(bytes.data(), bytes.size());
        if (!spec.ok()) {
          promise.deliver(std::vector<char>{}, std::string(spec.status().message()),
                          static_cast<int32_t>(spec.status().code()));
          return promise;
        }
        const uint64_t seq = self->state.next_seq++;
        auto stop = std::make_shared<std::atomic<bool>>(false);
        self->state.running.emplace(
            seq, running_task{promise, spec->program, static_cast<uint32_t>(spec->portion.id),
                              spec->task, stop});
        executor_actor me = caf::actor_cast<executor_actor>(self);
        auto& sys = self->system();
        auto store = self->state.store;
        std::map<uint64_t, executor_actor> peers;
        for (size_t i = 0; i < nodes.size() && i < executors.size(); ++i)
          peers[nodes[i]] = caf::actor_cast<executor_actor>(executors[i]);
        const uint64_t node = self->state.cfg.node;
        const fetch_window window = self->state.cfg.fetch;
        const std::string& spill_dir = self->state.cfg.store.spill_dir;
        self->state.pool->submit([me, &sys, store, peers = std::move(peers), node, seq, window,
                                  spill_dir,
                                  run = self->state.cfg.run, stop, task = *std::move(spec)] {
          node_block_source source(sys, node, store, peers, window, stop.get());
          auto out = run ? run(task, source, *stop) : run_task(task, source, stop.get(), spill_dir);
          // Stopped meanwhile (its program ended, its lease was revoked):
          // keep no blocks nobody will read or drop.
          if (out.ok() && stop->load()) out = absl::CancelledError("the task was cancelled");
          if (!out.ok()) {
            caf::anon_send(me, task_done_atom::value, seq, std::vector<char>{},
                           std::string(out.status().message()),
                           static_cast<int32_t>(out.status().code()));
            return;
          }
          task_result r;
          r.rows = out->rows;
          r.bytes = out->bytes;
          r.spilled_bytes = out->spilled_bytes;
          for (uint32_t p = 0; p < out->partitions.size(); ++p) {
            uint64_t rows = 0;
            for (const auto& b : out->partitions[p]) rows += b->rows;
            r.partition_rows.push_back(rows);
            auto put = store->put(
                block_ref{node, task.program, static_cast<uint32_t>(task.portion.id), task.task, p},
                std::move(out->partitions[p]));
            if (!put.ok()) {
              caf::anon_send(me, task_done_atom::value, seq, std::vector<char>{},
                             std::string(put.message()), static_cast<int32_t>(put.code()));
              return;
            }
          }
          caf::anon_send(me, task_done_atom::value, seq, encode_task_result(r), std::string{},
                         int32_t{0});
        });
        return promise;
      },
      [=](fetch_atom, uint64_t program, uint32_t portion, uint32_t task, uint32_t partition,
          uint32_t first, uint32_t count)
          -> caf::result<std::vector<std::vector<char>>, std::vector<uint64_t>, std::string> {
        const block_ref ref{self->state.cfg.node, program, portion, task, partition};
        std::vector<std::vector<char>> out;
        // The sizes travel with the first chunk only; later ones just count.
        std::vector<uint64_t> sizes;
        std::optional<size_t> n;
        if (first != 0)
          n = self->state.store->batch_count(ref);
        else if (self->state.store->describe(ref, &sizes))
          n = sizes.size();
        if (!n)
          return {out, std::vector<uint64_t>{},
                  absl::StrCat("no block for program ", program, " portion ", portion, " task ",
                               task, " partition ", partition, " on node ", ref.node)};
        const uint64_t end = std::min<uint64_t>(*n, uint64_t{first} + count);
        for (uint64_t i = first; i < end; ++i) {
          auto bytes = self->state.store->encoded_at(ref, i);
          if (!bytes.ok())
            return {std::vector<std::vector<char>>{}, std::vector<uint64_t>{},
                    std::string(bytes.status().message())};
          out.push_back(*std::move(bytes));
        }
        return {std::move(out), std::move(sizes), std::string{}};
      },
      [=](drop_atom, uint64_t program) {
        for (auto& [seq, t] : self->state.running)
          if (t.program == program) t.stop->store(true);
        self->state.store->drop_program(program);
      },
      [=](cancel_atom, uint64_t program, uint32_t portion, uint32_t task) {
        for (auto& [seq, t] : self->state.running)
          if (t.program == program && t.portion == portion && t.task == task) t.stop->store(true);
      },
      [=](node_atom, uint64_t node) { self->state.cfg.node = node; },
      [=](drain_atom) { return static_cast<int64_t>(self->state.running.size()); },
      [=](task_done_atom, uint64_t seq, std::vector<char>& result, std::string& error,
          int32_t code) {
        auto it = self->state.running.find(seq);
        if (it == self->state.running.end()) return;
        it->second.promise.deliver(std::move(result), std::move(error), code);
        self->state.running.erase(it);
      },
  };
}

}  // namespace

executor_actor spawn_executor(caf::actor_system& sys, const executor_config& cfg) {
  auto store = std::make_shared<block_store>(cfg.store);
  auto e = sys.spawn(executor_impl, cfg, store);
  if (cfg.directory) cfg.directory->add(cfg.node, e, store);
  return e;
}

}  // namespace tranche
