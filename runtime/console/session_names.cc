// The names of sessions' states (tranche/session.h): in the console library,
// which writes them as JSON, under the sessions' own library.
#include "tranche/session.h"

namespace tranche {

std::string_view to_string(session_state s) {
  switch (s) {
    case session_state::starting:
      return "starting";
    case session_state::idle:
      return "idle";
    case session_state::busy:
      return "busy";
    case session_state::stopping:
      return "stopping";
    case session_state::stopped:
      return "stopped";
    case session_state::failed:
      return "failed";
    case session_state::culled:
      return "culled";
  }
  return "unknown";
}

std::optional<session_state> parse_session_state(std::string_view s) {
  for (auto st :
       {session_state::starting, session_state::idle, session_state::busy, session_state::stopping,
        session_state::stopped, session_state::failed, session_state::culled})
    if (to_string(st) == s) return st;
  return std::nullopt;
}

}  // namespace tranche
