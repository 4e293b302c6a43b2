// Replays a libFuzzer corpus without libFuzzer: calls LLVMFuzzerTestOneInput
// on every regular file under each argument (a file or a directory, walked
// recursively, in sorted order), so the normal build keeps every corpus
// input as a regression test. Exit 0 when all ran; a crash is the failure.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    fs::path p(argv[i]);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file()) files.push_back(e.path());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "%s: no such file or directory\n", argv[i]);
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  size_t bytes = 0;
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::vector<char> buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    bytes += buf.size();
    // An exactly sized heap copy, so that an overread is caught under ASan.
    auto* copy = new uint8_t[buf.size() ? buf.size() : 1];
    std::copy(buf.begin(), buf.end(), copy);
    LLVMFuzzerTestOneInput(copy, buf.size());
    delete[] copy;
  }
  std::printf("replayed %zu inputs (%zu bytes)\n", files.size(), bytes);
  if (files.empty()) {
    std::fprintf(stderr, "no inputs found\n");
    return 1;
  }
  return 0;
}
