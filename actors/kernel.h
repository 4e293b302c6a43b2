// A session's kernel (the `tranche-kernel` process, tools/kernel/main.cc):
// runs the session's statements on the cluster one at a time, in order, and
// keeps the session's state between them: its temporary views (sent with
// every program, submit_options::views), its temporary tables (query results
// written as columnar files in the session's directory and bound to their
// names, table_binding::columnar) and its settings (queue, priority,
// max_rows, statement_timeout). Two sessions share none of it. The REST
// endpoint (actors/kernel_http.h) calls it from its own threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "session/session_codec.h"
#include "session/statement_book.h"
#include "tranche/client.h"

namespace tranche {

struct kernel_settings {
  std::string queue = kDefaultQueue;
  int32_t priority = 0;
  int64_t max_rows = 1000;           // rows of a result kept and shown
  int64_t statement_timeout_ms = 0;  // 0: none
};

class kernel_core {
 public:
  // `on_busy(busy, statements)` is called, from the runner thread, whenever
  // the kernel goes from idle to busy or back.
  kernel_core(cluster& c, const kernel_config& cfg,
              std::function<void(bool, int64_t)> on_busy = nullptr);
  ~kernel_core();  // cancels what runs, waits for the runner
  kernel_core(const kernel_core&) = delete;
  kernel_core& operator=(const kernel_core&) = delete;

  // Queues a statement; returns its id (its execution count).
  int64_t submit(std::string code);
  // The statement as the REST API shows it; NotFound for an unknown id.
  [[nodiscard]] absl::StatusOr<std::string> statement(int64_t id) const;
  [[nodiscard]] std::string statements_json() const;
  [[nodiscard]] std::string history_json() const;
  // Cancels a waiting or running statement; FailedPrecondition once it ended.
  absl::StatusOr<std::string> cancel(int64_t id);
  [[nodiscard]] bool busy() const;
  [[nodiscard]] int64_t statements_run() const;
  // Ends the runner: cancels the running statement and every waiting one.
  void shutdown();

 private:
  void run(std::stop_token stop);
  // Runs one statement; its state and output JSON.
  std::pair<statement_state, std::string> execute(const statement_record& s,
                                                  std::stop_token cancel);
  // Runs a program with the session's settings, temporary tables and
  // `views`; statement_timeout applies.
  absl::StatusOr<query_result> run_program(const std::string& sql, std::stop_token cancel,
                                           std::vector<view_binding> views);
  // A program's result or error as a statement's end.
  [[nodiscard]] std::pair<statement_state, std::string> outcome(
      const absl::StatusOr<query_result>& r) const;

  cluster& cluster_;
  kernel_config cfg_;
  std::function<void(bool, int64_t)> on_busy_;

  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  statement_book book_;
  int64_t running_id_ = 0;
  std::optional<std::stop_source> running_stop_;
  bool reported_busy_ = false;
  // Session state, touched only by the runner thread (and read under mu_).
  kernel_settings settings_;
  std::vector<view_binding> views_;                   // in creation order
  std::map<std::string, table_binding> temp_tables_;  // by lowercased name
  std::map<std::string, std::string> temp_dirs_;      // name -> its files' directory
  int64_t temp_seq_ = 0;
  std::jthread runner_;
};

}  // namespace tranche
