// Registers every non-builtin type that tranche's actors put in messages.
// CAF 0.17 needs this in every process that sends or receives them over the
// network (forgetting it compiles, then yields empty messages at run time).
#pragma once

#include <caf/all.hpp>

namespace tranche {

void add_message_types(caf::actor_system_config& cfg);

}  // namespace tranche
