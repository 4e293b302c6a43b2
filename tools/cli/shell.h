// `tranche shell`: an interactive SQL prompt on a session's kernel (see
// session_client.h). With a terminal on stdin it edits lines with libedit
// and keeps a history file; otherwise it runs the statements read from
// stdin. Called by tools/cli/main.cc.
#pragma once

namespace tranche::cli {

// argv[0] is the subcommand's name ("shell"); the options follow:
//   (--session ID | --endpoint HOST:PORT) [--token-file F]
// Returns the exit code: 0, 1 (a statement failed, the token was refused,
// the session is unreachable) or 2 (bad usage).
int run_shell(int argc, char** argv);

}  // namespace tranche::cli
