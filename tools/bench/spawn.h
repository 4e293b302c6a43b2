// Starting the daemons a benchmark measures.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace tranche::bench {

// Starts args[0] with the rest as its arguments; its pid, or -1.
pid_t spawn_process(std::vector<std::string> args);

// The "127.0.0.1:PORT" a head started with `--listen 127.0.0.1:0` logs to
// `log` once it listens; empty when it does not within `bound`.
std::string head_address(const std::filesystem::path& log, std::chrono::seconds bound);

}  // namespace tranche::bench
