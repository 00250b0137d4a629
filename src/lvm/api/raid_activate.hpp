// Raid LVs at run time: the dm-raid status line as lvs reads it (Cpy%Sync,
// sync action, mismatches, per-image health), messages to the raid device
// (lvchange --syncaction) and the state lvs shows for a raid LV and its
// _rimage_N/_rmeta_N sub-LVs. The devices themselves are planned by the
// Raid segment handler (src/lvm/segtypes/raid_handler.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "lvm/activate/driver.hpp"
#include "lvm/report/view.hpp"

namespace udm::lvm::api::detail {

// `<type> <#devs> <health> <cur>/<total> <action> <mismatches> [<data_offset> ...]`.
struct RaidStatus {
  std::string type;
  std::string health;  // one char per device: A a D -
  std::uint64_t in_sync = 0, total = 0;
  std::string action;  // idle resync recover check repair frozen reshape
  std::uint64_t mismatches = 0;
};

// A raid status line as the kernel prints it; errors name the text. Bytes
// from the driver: every field is checked.
Result<RaidStatus> parse_raid_status(std::string_view line);

// The status of an active raid LV's top device; nullopt when not active.
Result<std::optional<RaidStatus>> raid_status(activate::Driver& d, const VolumeGroup& vg, const LogicalVolume& lv);

// Fills copy_percent, sync_action, mismatch_count, health and the raw
// status (target_type "raid") of every active raid LV in `states`
// (parallel to vg.lvs).
void raid_report_states(activate::Driver& d, const VolumeGroup& vg, std::vector<report::LvState>& states);

// Cpy%Sync as lvs prints it ("100.00"): in-sync over total, lvm2's percent.
std::string raid_copy_percent(const RaidStatus& s);
// Whether every device is in sync and no resync/recovery runs.
bool raid_in_sync(const RaidStatus& s);

}  // namespace udm::lvm::api::detail
