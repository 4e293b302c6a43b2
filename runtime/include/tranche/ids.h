// Strong id types: a node, a lease, a program, a request. Never pass bare
// integers where one of these is meant.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace tranche {

template <class Tag>
struct strong_id {
  uint64_t value = 0;
  friend auto operator<=>(const strong_id&, const strong_id&) = default;
  template <class H>
  friend H AbslHashValue(H h, const strong_id& id) {
    return H::combine(std::move(h), id.value);
  }
};

using node_id = strong_id<struct node_tag>;
using lease_id = strong_id<struct lease_tag>;
using program_id = strong_id<struct program_tag>;
using request_id = strong_id<struct request_tag>;

}  // namespace tranche

template <class Tag>
struct std::hash<tranche::strong_id<Tag>> {
  size_t operator()(const tranche::strong_id<Tag>& id) const noexcept {
    return std::hash<uint64_t>{}(id.value);
  }
};
