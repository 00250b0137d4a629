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

namespace udm::lvm::api::detail {
// Activates an origin with its snapshots (origin suspended while they are
// made); a pending merge starts and is polled in the background.
Outcome<void> activate_origin(Cmd& c, const VolumeGroup& vg, const LogicalVolume& origin);
// set_activation of a snapshot-related LV: the carrier has no device, a COW
// LV and an origin are (de)activated together through the origin. nullopt:
// not one of those.
std::optional<Outcome<void>> snapshot_activation(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv, bool on);
// remove_lv of a snapshot (COW LV): its devices and carrier go, the origin is
// reloaded; of an origin with snapshots: refused. nullopt: neither.
std::optional<Outcome<void>> remove_snapshot_lv(Cmd& c, VolumeGroup& vg, const std::string& lv_name);
}  // namespace udm::lvm::api::detail

namespace udm::lvm::api::detail {
// lvresize of a snapshot or origin: lvm2's refusals for an origin (no
// reduce, only while inactive) and a COW capped at what the origin can use.
// Returns the target to resize to (== cur: nothing to do).
Outcome<extent_t> snapshot_resize(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv, extent_t cur, extent_t target);
}  // namespace udm::lvm::api::detail
