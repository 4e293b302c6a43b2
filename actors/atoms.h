// The actors' atoms live with the SDK's public ones.
#pragma once

#include "tranche/atoms.h"
