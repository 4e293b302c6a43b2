// murmur3's 64-bit finalizer (fmix64): a bijective avalanche mix of 64 bits,
// the one integer hash the shuffle partitioner and the hash join share.
#pragma once

#include <cstdint>

namespace tranche {

[[nodiscard]] inline uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

}  // namespace tranche
