// Every target type udm ships, one accessor per target file. builtin.cpp
// registers them in the kernel's order; add a line in both places for a new one.
#pragma once

#include "core/target.hpp"

namespace udm::targets {

const core::TargetType& error_target_type();    // error.cpp
const core::TargetType& linear_target_type();   // linear.cpp
const core::TargetType& striped_target_type();  // striped.cpp
const core::TargetType& zero_target_type();     // zero.cpp

}  // namespace udm::targets
