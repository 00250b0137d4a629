// Internal to src/lvm/api: how lvchange (and its raid/thin parts) name the
// LVs they act on, in one place.
#pragma once

#include "lvm/api/cmd.hpp"

namespace udm::lvm::api::detail {

// One LV's action: `vg` is a fresh copy of its VG (the store's current one,
// so an earlier action's commit is seen), `lv` the LV in that copy, `old` the
// VG as it was (for commit).
using LvAction = std::function<Outcome<void>(VolumeGroup& vg, LogicalVolume& lv, const VolumeGroup& old)>;

// Opens the store (`writable`), resolves the command's arguments — VG/LV,
// VG (its visible LVs), @tag (LVs carrying it) — keeps those -S/--select
// matches (-S alone: every visible LV), and runs `each` on them in argument
// order, each LV once. With `keep_going`, a failing LV is reported and the
// others still run (the command then fails, as lvm2's per-LV loop does).
Outcome<void> for_each_lv(Cmd& c, bool writable, const LvAction& each, bool keep_going = false);

}  // namespace udm::lvm::api::detail
