// Starting the daemons a benchmark measures.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace tranche::bench {

// Starts args[0] with the rest as its arguments; its pid, or -1.
pid_t spawn_process(std::vector<std::string> args);

}  // namespace tranche::bench
