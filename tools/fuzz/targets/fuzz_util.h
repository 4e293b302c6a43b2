// Shared by the fuzz targets: a per-process scratch file that each input is
// written to (the CSV and columnar readers read files, not memory).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "tranche/batch.h"

namespace tranche::fuzz {

// A directory made once per process under /dev/shm (or $TMPDIR, /tmp) and
// removed at exit.
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    std::string base = "/tmp";
    if (const char* t = std::getenv("TMPDIR"); t && *t) base = t;
    if (access("/dev/shm", W_OK) == 0) base = "/dev/shm";
    std::string tmpl = base + "/tranche-fuzz-XXXXXX";
    if (!mkdtemp(tmpl.data())) std::abort();
    static std::string cleanup;
    cleanup = tmpl;
    std::atexit([] {
      std::string cmd = "rm -rf '" + cleanup + "'";
      if (std::system(cmd.c_str()) != 0) {
      }
    });
    return tmpl;
  }();
  return dir;
}

// Replaces the contents of scratch_dir()/name with [data, data + size).
inline std::string write_scratch(const char* name, const uint8_t* data, size_t size) {
  std::string path = scratch_dir() + "/" + name;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) std::abort();
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) std::abort();
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return path;
}

// Aborts unless the batch is consistent (a column per field of the schema's
// type, each `rows` long) and reads every value, so that a bad offset or
// length shows under ASan.
inline void check_batch(const batch& b) {
  if (b.columns.size() != b.schema.fields.size()) std::abort();
  for (size_t c = 0; c < b.columns.size(); ++c) {
    const column& col = *b.columns[c];
    if (col.size() != b.rows || col.type() != b.schema.fields[c].type) std::abort();
    for (size_t i = 0; i < col.size(); ++i) (void)col.get(i);
  }
}

}  // namespace tranche::fuzz
