// The session manager's records (actors/session_manager.cc keeps one book):
// every session's state machine, the reason it ended, when it is due to be
// culled, timed out or expired, and where a new one goes. Plain C++: the
// clock is passed in, so tests drive it.
//
//   starting --registered--> idle <--busy/idle--> busy
//   starting | idle | busy --stop--> stopping --exited--> stopped | culled
//   any state before the end --fail--> failed
//
// An ended record keeps its state and reason (until keep_ended newer ones
// push it out), so a client asking about it learns how it ended.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tranche/session.h"

namespace tranche {

struct session_book_options {
  int64_t default_idle_timeout_ms = 60 * 60'000;  // session-idle-timeout
  int64_t max_lifetime_ms = 24 * 60 * 60'000;     // session-max-lifetime
  int64_t register_timeout_ms = 30'000;           // the kernel's time to register
  size_t keep_ended = 1000;
};

// A node that may host sessions, as the broker and the node's agent see it.
struct session_host {
  uint64_t node = 0;
  int64_t seats = 0;  // sessions it takes at most (its daemon's max-sessions)
  int64_t free_slots = 0;
  bool draining = false;
};

class session_book {
 public:
  explicit session_book(session_book_options opts = {}) : opts_(opts) {}

  // A new record in `starting` on `node`; `digest` is the token's SHA-256.
  // InvalidArgument for a name over 64 bytes or a negative idle timeout.
  absl::StatusOr<session_info> create(const std::string& id, const session_options& opts,
                                      const std::string& requester, uint64_t node,
                                      std::string digest, int64_t now_ms);

  // starting -> idle, with the kernel's endpoint.
  absl::Status registered(const std::string& id, const std::string& endpoint, int64_t now_ms);
  // idle -> busy (a statement runs) and busy -> idle (none runs; the idle
  // clock restarts). `statements`: how many the kernel has run.
  absl::Status set_busy(const std::string& id, bool busy, int64_t statements, int64_t now_ms);
  // A live session -> stopping; `end` (stopped or culled) is the state it
  // takes once its kernel exits, `reason` why. Stopping a stopping session
  // is fine (the first reason stays); an ended one is FailedPrecondition.
  absl::Status stop(const std::string& id, session_state end, const std::string& reason,
                    int64_t now_ms);
  // The kernel exited: a stopping session takes the end asked for; any other
  // live one fails with `reason`. Ended records do not change.
  void exited(const std::string& id, const std::string& reason, int64_t now_ms);
  // Fails a session that has not ended (the first reason wins).
  void fail(const std::string& id, const std::string& reason, int64_t now_ms);
  // Fails every live session on `node`; returns their ids.
  std::vector<std::string> node_lost(uint64_t node, const std::string& reason, int64_t now_ms);

  // What is due at `now`: sessions still starting past the register
  // timeout, idle ones past their idle timeout (never busy ones), and live
  // ones past their absolute end.
  struct due_sessions {
    std::vector<std::string> register_timeouts, idle, expired;
  };
  [[nodiscard]] due_sessions due(int64_t now_ms) const;

  // The node for a new session: `wanted` if it is a host with a free seat
  // (else an error naming why), or else the host with a free seat running
  // the fewest sessions, then the one with the most free slots, then the
  // lowest id. Draining hosts take none. ResourceExhausted when none has room.
  [[nodiscard]] absl::StatusOr<uint64_t> place(const std::vector<session_host>& hosts,
                                               uint64_t wanted) const;

  [[nodiscard]] const session_info* find(const std::string& id) const;
  [[nodiscard]] std::optional<std::string> digest(const std::string& id) const;
  // Newest first.
  [[nodiscard]] std::vector<session_info> list() const;
  [[nodiscard]] int64_t live_on(uint64_t node) const;
  [[nodiscard]] std::map<session_state, int64_t> count_by_state() const;
  [[nodiscard]] const session_book_options& options() const { return opts_; }

 private:
  struct record {
    session_info info;
    std::string digest;
    session_state end = session_state::stopped;  // what stopping ends as
    int64_t created_seq = 0;
  };
  record* live(const std::string& id);
  void finish(record& r, session_state state, const std::string& reason, int64_t now_ms);

  session_book_options opts_;
  std::map<std::string, record> records_;
  std::deque<std::string> ended_;  // oldest first
  int64_t seq_ = 0;
};

}  // namespace tranche
