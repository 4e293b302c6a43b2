// The kinds of join the engine runs, shared by the logical program, the plan
// and the hash join operator (hash_join.h).
#pragma once

#include <cstdint>

namespace tranche {

// inner: one row per matching pair. left: inner plus each unmatched left
// (probe) row once, with NULLs for the right side. semi: each left row with a
// match, once (EXISTS, IN). anti: each left row without a match (NOT EXISTS).
// anti_null_aware: NOT IN's three-valued logic (no row at all when the right
// side has a NULL key; a NULL left key never qualifies against a non-empty right).
enum class join_type : uint8_t { inner, left, semi, anti, anti_null_aware };

// "inner", "left", "semi", "anti", "anti (null-aware)"
[[nodiscard]] inline const char* join_type_name(join_type t) {
  switch (t) {
    case join_type::inner:
      return "inner";
    case join_type::left:
      return "left";
    case join_type::semi:
      return "semi";
    case join_type::anti:
      return "anti";
    case join_type::anti_null_aware:
      return "anti (null-aware)";
  }
  return "?";
}

// Whether the join's output has the right side's columns after the left's
// (inner, left) or only the left's (semi, anti).
[[nodiscard]] inline bool join_keeps_right(join_type t) {
  return t == join_type::inner || t == join_type::left;
}

}  // namespace tranche
