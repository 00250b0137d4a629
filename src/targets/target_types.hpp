// Every target type udm ships, one accessor per target file. builtin.cpp
// registers them in the kernel's order; add a line in both places for a new one.
#pragma once

#include <chrono>
#include <functional>

#include "core/target.hpp"

namespace udm::targets {

const core::TargetType& error_target_type();    // error.cpp
const core::TargetType& linear_target_type();   // linear.cpp
const core::TargetType& striped_target_type();  // striped.cpp
const core::TargetType& zero_target_type();     // zero.cpp
const core::TargetType& delay_target_type();    // delay.cpp
const core::TargetType& flakey_target_type();   // flakey.cpp
const core::TargetType& dust_target_type();     // dust.cpp
const core::TargetType& snapshot_origin_target_type();  // snapshot_origin.cpp
const core::TargetType& snapshot_target_type();         // snapshot.cpp
const core::TargetType& snapshot_merge_target_type();   // snapshot.cpp
const core::TargetType& thin_pool_target_type();  // thin_pool.cpp
const core::TargetType& thin_target_type();     // thin.cpp
const core::TargetType& raid_target_type();     // raid.cpp
const core::TargetType& mirror_target_type();   // mirror.cpp

// flakey with an injectable clock (tests): up/down intervals are measured
// from the clock's value when the target is built.
using FlakeyClock = std::function<std::chrono::steady_clock::time_point()>;
Result<std::unique_ptr<core::Target>> create_flakey(const core::TargetArgs& args, FlakeyClock clock);

}  // namespace udm::targets
