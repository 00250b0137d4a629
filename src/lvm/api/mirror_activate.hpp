// ulvm's mirror and pvmove commands and what reports read from their
// devices: lvcreate --type mirror (lvcreate_mirror.cpp), pvmove
// (pvmove.cpp, pvmove_poll.cpp), Cpy%Sync of mirror and pvmove LVs
// (mirror_activate.cpp).
#pragma once

#include <optional>
#include <vector>

#include "lvm/api/cmd.hpp"
#include "lvm/report/view.hpp"

namespace udm::lvm::api::detail {

// lvcreate --type mirror -m N [--mirrorlog core|disk] [--regionsize S].
Outcome<void> lvcreate_mirror(Cmd& c);
Outcome<void> cmd_pvmove(Cmd& c);

// Extents copied of each segment of an active mirror or pvmove LV, as lvm2
// derives them from the mirror target's status (area_len * in_sync /
// regions); nullopt when the LV's device is not there or says nothing.
std::optional<std::vector<extent_t>> mirror_extents_copied(activate::Driver& d, const VolumeGroup& vg,
                                                           const LogicalVolume& lv);
// lvm2's copy_percent over the LV's segments (millionths of a percent).
std::int64_t mirror_copy_percent(const LogicalVolume& lv, const std::vector<extent_t>& copied);
// Cpy%Sync of active mirror and pvmove LVs, for lvs.
void mirror_report_states(activate::Driver& d, const VolumeGroup& vg, std::vector<report::LvState>& states);

}  // namespace udm::lvm::api::detail
