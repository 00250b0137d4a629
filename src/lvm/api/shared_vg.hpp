// Shared VGs with lock_type "sanlock" (lvmlockd's behaviour, without
// lvmlockd): the ulvm command branches and the hooks Cmd calls.
//
//   vgcreate --shared       adds the hidden lvmlock LV, lock_type/lock_args,
//                           formats the lockspace and leases, joins it
//   vgchange --lockstart    joins the VG's lockspace with local/host_id
//   vgchange --lockstop     leaves it (refused while LVs hold leases)
//   -aey / -ay, -asy        an exclusive / shared lease per LV, held by
//                           udm-lockd until deactivation
//   metadata changes        under the VG lease ("VGLK") taken exclusively;
//                           reads take it shared
//   vgcreate/pvcreate…      under the global lease ("GLLK") when a started
//                           shared VG holds it
//   vgremove                refused while other hosts joined; retires the
//                           VG's leases and lockspace
//   vgchange --lock-type    local <-> shared, with lvm2's preconditions
//   lvcreate                extends lvmlock when every lease slot is used
//
// Settings: local/host_id (lvm.conf, udm's lvm.conf or --config; 1..2000);
// $UDM_SANLOCK_IO_TIMEOUT (seconds, default 10 as lvmlockd's) when joining.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lvm/api/cmd.hpp"

namespace udm::lvm::api::detail {

// vgcreate --shared: before the first commit / after it.
Outcome<void> shared_vgcreate_prepare(Cmd& c, VolumeGroup& vg);
Outcome<void> shared_vgcreate_finish(Cmd& c, const VolumeGroup& vg);
// vgchange --lockstart / --lockstop.
Outcome<void> cmd_vgchange_lock(Cmd& c);

// vgremove / vgchange --lock-type none of a shared VG (shared_vg_remove.cpp):
// refused while other hosts are in its lockspace; once its metadata no
// longer says "sanlock", its leases and lockspace are retired.
Outcome<void> shared_vg_free_check(Cmd& c, const VolumeGroup& vg);
void shared_vg_free(Cmd& c, const VolumeGroup& vg, const std::map<std::string, std::string>& pv_paths);
// Whether vgremove leaves `lv` active until shared_vg_free: a remote
// lvmlock is where this host's sanlock reaches the leases it must free.
bool shared_vg_keeps_until_free(const VolumeGroup& vg, const LogicalVolume& lv);
// lvcreate, before allocating the LV `name`: when every lease slot of
// lvmlock is used, lvmlock is extended in `vg` first (shared_vg_lock_lv.cpp).
Outcome<void> shared_lvcreate_prepare(Cmd& c, VolumeGroup& vg, const std::string& name);
// vgchange --lock-type sanlock|none [--lockopt force] (shared_vg_locktype.cpp).
Outcome<void> cmd_vgchange_locktype(Cmd& c);

// Cmd hooks (each returns at once for VGs that are not shared).
Outcome<void> shared_lock_vgs(Cmd& c, const locking::LockPlan& plan, const std::vector<std::string>& vgs);
Outcome<void> shared_before_commit(Cmd& c, VolumeGroup& vg, const VolumeGroup* previous);
void shared_after_commit(Cmd& c, const VolumeGroup& vg, const VolumeGroup* previous);
Outcome<void> shared_before_activate(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv);
void shared_after_deactivate(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv);

}  // namespace udm::lvm::api::detail
