// What tranchectl prints: the console's objects as aligned text tables, and
// the screen of `status` and `top`.
#pragma once

#include <string>
#include <vector>

#include "tranche/client.h"
#include "tranche/console.h"
#include "tranche/session.h"

namespace tranche::ctl {

// Everything `status` and `top` show, read in one go.
struct cluster_view {
  std::vector<node_info> nodes;
  std::vector<queue_status> queues;
  std::vector<program_info> programs;  // newest first
};

[[nodiscard]] std::string render_nodes(const std::vector<node_info>& nodes);
[[nodiscard]] std::string render_programs(const std::vector<program_info>& programs);
[[nodiscard]] std::string render_program(const program_info& p);
[[nodiscard]] std::string render_queues(const std::vector<queue_status>& queues);
// `status`: totals, nodes, queues and the running programs; with
// `width` > 0 no line is longer (the terminal of `top`).
[[nodiscard]] std::string render_status(const cluster_view& v, size_t width = 0);
[[nodiscard]] std::string status_json(const cluster_view& v);

// Sessions (tranche session list, tranchectl sessions): one line each, the
// age and idle time relative to `now_unix_ms`; one session in full.
[[nodiscard]] std::string render_sessions(const std::vector<session_info>& sessions,
                                          int64_t now_unix_ms);
[[nodiscard]] std::string render_session(const session_info& s, int64_t now_unix_ms);
[[nodiscard]] std::string sessions_json(const std::vector<session_info>& sessions);
[[nodiscard]] std::string session_json(const session_info& s);

// "850ms", "12.3s", "4m05s", "2h13m".
[[nodiscard]] std::string format_seconds(double s);

}  // namespace tranche::ctl
