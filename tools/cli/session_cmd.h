// `tranche session create|list|show|stop`: a user's sessions on a cluster of
// daemons (tranche/session.h), over the SDK. create prints the token once
// and records the session's endpoint (cli/session_client.h) so that
// `tranche shell --session ID` finds it.
#pragma once

#include <string>
#include <vector>

namespace tranche::cli {

// `args` are those after "session". Exit codes: 0, 1 (the cluster said no,
// or could not be reached), 2 (usage).
int run_session_command(const std::vector<std::string>& args);

}  // namespace tranche::cli
