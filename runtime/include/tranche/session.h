// Interactive sessions (cluster::create_session, sessions, session,
// stop_session; `tranche session`; tranchectl sessions): a development
// environment (a `tranche-kernel` process) placed on a node with room for it,
// attached to the cluster, and reachable only with the token generated for its
// requester. A session's record outlives it: asking about an ended session
// gives its end state and the reason, not "not found".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tranche {

// starting -> idle <-> busy -> stopping -> stopped | culled, and any state
// before the end -> failed (the kernel died or never registered, its node
// died). A culled session was stopped for being idle past its idle timeout.
enum class session_state : uint8_t { starting, idle, busy, stopping, stopped, failed, culled };

[[nodiscard]] std::string_view to_string(session_state s);
[[nodiscard]] std::optional<session_state> parse_session_state(std::string_view s);
[[nodiscard]] inline bool has_ended(session_state s) {
  return s == session_state::stopped || s == session_state::failed || s == session_state::culled;
}

struct session_options {
  std::string name;             // shown in lists; at most 64 bytes
  int64_t idle_timeout_ms = 0;  // 0: the head's session-idle-timeout
  uint64_t node = 0;            // 0: any node with room for a session
};

struct session_info {
  std::string id;  // "s-4f2a9c01"
  std::string name;
  session_state state = session_state::starting;
  std::string reason;  // why it ended (or is stopping); empty while it lives
  uint64_t node = 0;
  std::string endpoint;   // the kernel's HTTP endpoint, host:port; empty while starting
  std::string requester;  // user@host
  int64_t created_unix_ms = 0;
  int64_t ended_unix_ms = 0;       // 0: not ended
  int64_t idle_since_unix_ms = 0;  // 0: not idle
  int64_t expires_unix_ms = 0;     // the absolute end of the session and its token
  int64_t idle_timeout_ms = 0;
  int64_t statements = 0;  // statements the kernel ran
};

// What create_session returns: the record, and the token, which the head
// keeps only as a SHA-256 digest and never shows again.
struct created_session {
  session_info info;
  std::string token;  // "trs_" + 64 hex digits
};

}  // namespace tranche
