// Old-style snapshot commands (lvcreate -s, lvconvert --merge) and the hooks
// the generic LV commands call for snapshots.
#pragma once

#include "lvm/api/cmd.hpp"

namespace udm::lvm::api::detail {

// lvcreate -s with -L/-l: an old-style snapshot.
Outcome<void> lvcreate_snapshot(Cmd& c);
// lvconvert (only --merge of an old-style snapshot).
Outcome<void> cmd_lvconvert(Cmd& c);

}  // namespace udm::lvm::api::detail

namespace udm::lvm::api::detail {
struct PollOptions;
// After an activation that put an origin on snapshot-merge: a background
// process polls the merge and finishes it (lvm2's polldaemon).
void poll_merge_in_background(Cmd& c, const PollOptions& o, const VolumeGroup& vg, const LogicalVolume& origin);
}  // namespace udm::lvm::api::detail

namespace udm::lvm::api::detail {
// lvs/lvdisplay: the snapshot target type and status of every active COW LV
// and origin of `vg` into `states` (parallel to vg.lvs).
void fill_snapshot_states(Cmd& c, const VolumeGroup& vg, std::vector<report::LvState>& states);
}  // namespace udm::lvm::api::detail
