// lvconvert of `--type mirror` LVs: --repair [--use-policies], -m [+-]N,
// --type mirror -m N of a linear LV (lvconvert_mirror.cpp).
#pragma once

#include <optional>

#include "lvm/api/cmd.hpp"

namespace udm::lvm::api::detail {

// Runs the command when it is one of those (an LV of --repair or -m that is
// a mirror, or --type mirror); nullopt leaves it to the other converters.
std::optional<Outcome<void>> lvconvert_mirror(Cmd& c);

}  // namespace udm::lvm::api::detail
