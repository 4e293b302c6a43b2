// Starting the daemons a benchmark measures, and reading their logs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace tranche::bench {

// Starts args[0] with the rest as its arguments; its pid, or -1.
pid_t spawn_process(std::vector<std::string> args);

// A log file's whole text ("" when it cannot be read).
std::string slurp(const std::filesystem::path& p);

// Waits up to `bound` for `needle` to appear in `log`.
bool wait_for(const std::filesystem::path& log, const std::string& needle,
              std::chrono::seconds bound);

// The "127.0.0.1:PORT" a head started with `--listen 127.0.0.1:0` logs to
// `log` once it listens; empty when it does not within `bound`.
std::string head_address(const std::filesystem::path& log, std::chrono::seconds bound);

// A head and `workers` workers of one slot each (tranched from `bin_dir`),
// logging and working under `run`, the secret in run/cluster.key. The head's
// host:port, or "" (its log on stderr) when the cluster did not come up within
// 20 s; the processes started are in *pids either way.
std::string start_daemons(const std::string& bin_dir, const std::filesystem::path& run, int workers,
                          std::vector<pid_t>* pids);

}  // namespace tranche::bench
