// Runs build/bin/tranche as a child process with a bounded wait (60 s),
// capturing its exit code, stdout and stderr: the CLI tests' one way to run it.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace tranche::testing {

struct run_result {
  int code = -1;
  std::string out, err;
};

inline run_result run(const std::string& args) {
  static int n = 0;  // NOLINT: one counter per test binary
  const std::string err_file =
      (std::filesystem::temp_directory_path() /
       ("tranche-cli-err-" + std::to_string(getpid()) + "-" + std::to_string(n++)))
          .string();
  const std::string cmd =
      std::string("timeout 60 ") + TRANCHE_BIN_DIR + "/tranche " + args + " 2>" + err_file;
  run_result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t k;
  while ((k = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, k);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream e(err_file);
  r.err.assign(std::istreambuf_iterator<char>(e), {});
  std::filesystem::remove(err_file);
  return r;
}

}  // namespace tranche::testing
