// ulvm's raid commands, dispatched from the generic ones: lvcreate --type
// raid*|-m N (lvcreate_raid.cpp), lvchange --syncaction/--rebuild
// (lvchange_raid.cpp), lvconvert -m/--type raid1/--repair
// (lvconvert_raid.cpp), and the sub-LV bookkeeping they share.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lvm/api/cmd.hpp"
#include "lvm/segtypes/raid_keys.hpp"

namespace udm::lvm::api::detail {

// nullopt: not a raid request (the generic command goes on).
std::optional<Outcome<void>> lvcreate_raid(Cmd& c);
std::optional<Outcome<void>> lvchange_raid(Cmd& c);
std::optional<Outcome<void>> lvconvert_raid(Cmd& c);

// lvm2's refusal of a raid command on an LV of another type (raid0 counts
// as "striped" there): "Command on LV vg/lv does not accept LV type linear."
// and "Command not permitted on LV vg/lv.", exit 5.
std::unexpected<Failure> not_permitted(const std::string& vgn, const LogicalVolume& lv);

// --minrecoveryrate/--maxrecoveryrate Size[k|UNIT] (per second and device)
// into the raid keys (kiB/s; 0 removes the limit). False: neither given.
Outcome<bool> recovery_rate_args(const Cmd& c, segtypes::RaidKeys& k);

// Drops the _rimage_N/_rmeta_N sub-LVs of raid LV `lv_name` from `vg` (its
// devices are gone with the LV's tree); lvremove calls it.
void remove_raid_sub_lvs(VolumeGroup& vg, const std::string& lv_name);

// One image slot of a raid LV: an _rmeta_N (when `meta`) of one extent and an
// _rimage_N of `image_extents`, on one PV none of `avoid` names; the LVs
// are appended to vg.lvs (hidden, image before meta as lvm2 lists them).
Outcome<void> allocate_raid_slot(Cmd& c, VolumeGroup& vg, const std::string& lv_name, std::size_t slot, bool meta,
                                 extent_t image_extents, const std::vector<std::string>& pv_names,
                                 std::vector<std::string>& avoid, AllocationPolicy policy);
// Zeroes the _rmeta_N LVs named (a blank one is initialised by the raid
// target) and the first 4 KiB of the images when `zero_images`.
Outcome<void> clear_raid_sub_lvs(Cmd& c, const VolumeGroup& vg, const std::vector<std::string>& metas,
                                 const std::vector<std::string>& images, bool zero_images);

}  // namespace udm::lvm::api::detail
