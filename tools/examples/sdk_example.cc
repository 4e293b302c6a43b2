// SDK example: start an embedded cluster, submit SQL from an actor, and print
// progress events and result rows as the messages arrive; then the same with
// the blocking call. Usage: sdk_example GLOB (CSV files with a header row).
#include <iostream>

#include "tranche/client.h"

using namespace tranche;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: sdk_example 'DIR/*.csv'\n";
    return 2;
  }
  auto cl = cluster::start_local(cluster_options{});
  if (!cl.ok()) return 1;
  std::vector<table_binding> tables{{"t", argv[1]}};
  const std::string sql = "SELECT flag, count(*) AS n FROM t GROUP BY flag ORDER BY flag";

  // 1. Actor messages: a listener actor sees progress, result batches, done.
  caf::scoped_actor self{(*cl)->system()};
  auto id = (*cl)->submit(sql, tables, caf::actor_cast<caf::actor>(self));
  if (!id.ok()) return 1;
  for (bool done = false; !done;) {
    self->receive([](progress_atom, const progress_event& e) { std::cout << to_string(e) << "\n"; },
                  [](result_atom, uint64_t, const std::vector<char>& bytes) {
                    auto b = decode_result(bytes);
                    if (b.ok())
                      for (size_t i = 0; i < b->rows; ++i)
                        std::cout << to_string(b->get(i, 0)) << " " << to_string(b->get(i, 1))
                                  << "\n";
                  },
                  [&](done_atom, uint64_t, const std::string& error) {
                    done = true;
                    if (!error.empty()) std::cerr << "error: " << error << "\n";
                  });
  }

  // 2. The blocking convenience call.
  auto r = (*cl)->run_sql(sql, tables);
  if (!r.ok()) {
    std::cerr << r.status().message() << "\n";
    return 1;
  }
  std::cout << r->rows << " rows in " << r->seconds << " s\n";

  // 3. A queue of its own, changed at run time, and a program with a priority in it.
  if (auto s = (*cl)->set_queue({.name = "etl", .weight = 2, .cap = {.slots = 8, .memory = 32ll << 30}});
      !s.ok()) {
    std::cerr << s.message() << "\n";
    return 1;
  }
  auto urgent = (*cl)->run_sql(sql, tables, nullptr, {.queue = "etl", .priority = 10, .views = {}});
  if (!urgent.ok()) {
    std::cerr << urgent.status().message() << "\n";
    return 1;
  }
  auto queues = (*cl)->queues();
  if (!queues.ok()) {
    std::cerr << queues.status().message() << "\n";
    return 1;
  }
  for (const auto& q : *queues)
    std::cout << "queue " << q.config.name << ": weight " << q.config.weight << ", "
              << q.used.slots << " slots held\n";
  return 0;
}
