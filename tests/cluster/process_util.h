// What the multi-process tests share: running a command with a time bound,
// spawning a daemon, waiting for a log line with a bound, and killing and
// reaping a process by pid.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace tranche_test {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// Runs a command through the shell with a time bound; returns exit code and stdout.
inline std::pair<int, std::string> run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(("timeout 60 " + cmd).c_str(), "r");
  if (!p) return {-1, out};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline void write_secret(const std::filesystem::path& p, const std::string& s) {
  std::ofstream(p) << s << "\n";
  chmod(p.c_str(), 0600);
}

// A binary of this build (tranched, tranche).
inline std::string bin(const std::string& name) {
  return std::string(TRANCHE_BIN_DIR) + "/" + name;
}

// Starts argv[0] with these arguments; the pid, or -1.
inline pid_t spawn(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  return pid;
}

// Kills and reaps a process this test started.
inline void stop(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
}

// Waits up to 10 s for `text` to appear in `file`.
inline bool wait_for(const std::filesystem::path& file, const std::string& text) {
  for (int i = 0; i < 200; ++i) {
    if (slurp(file).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace tranche_test
