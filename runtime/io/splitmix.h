// The data generators' random numbers (`gen sample`, `gen tpch`): splitmix64,
// tiny, fast and fully specified, so the same seed gives the same bytes on
// every platform (unlike std::uniform_*_distribution, whose algorithms the
// standard leaves to each library).
#pragma once

#include <cstdint>
#include <cstddef>

namespace tranche {

inline constexpr uint64_t kSplitmixGolden = 0x9E3779B97F4A7C15ull;

// splitmix64's output function: a good 64-bit mixer on its own (seeds
// derived from several numbers go through it).
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class splitmix {
 public:
  explicit splitmix(uint64_t seed) : state_(seed) {}
  uint64_t next() { return mix64(state_ += kSplitmixGolden); }
  // Uniform in [0, n) by multiply-shift (Lemire); the bias is far below
  // anything a test could see.
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  // Uniform in [lo, hi].
  int64_t range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo + 1)));
  }
  template <typename T, size_t N>
  const T& pick(const T (&words)[N]) {
    return words[below(N)];
  }

 private:
  uint64_t state_;
};

}  // namespace tranche
