// LV activation through libudm: an LV becomes one dm device named "VG-LV"
// (hyphens doubled), uuid "LVM-<vg id><lv id>", whose table has one line per
// segment, as the segment's type handler writes it (src/lvm/segtypes): e.g.
// linear <pv path> <pe_start + PE * extent_size>. Numbers in 512-byte sectors. The exports engineer's FUSE tree shows the
// device at <rundir>/dev/VG/LV from its uuid.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::client {
class Client;
}

namespace udm::lvm::activate {

struct TableLine {
  sector_t start = 0;
  sector_t length = 0;
  std::string type;
  std::string params;
  bool operator==(const TableLine&) const = default;
};

// The table for `lv`. `pv_paths` maps PV names ("pv0") to device paths; a
// segment on a PV without a path is an error naming it.
Result<std::vector<TableLine>> lv_table(const VolumeGroup& vg, const LogicalVolume& lv,
                                        const std::map<std::string, std::string>& pv_paths);

struct DeviceState {
  bool active = false;
  bool open = false;
};

// Loads and resumes the LV's table (creating the device, or reloading a live one).
Result<void> activate_lv(client::Client& c, const VolumeGroup& vg, const LogicalVolume& lv,
                         const std::map<std::string, std::string>& pv_paths);
// Removes the LV's device; refused (EBUSY) while it is open. Not active: no-op.
Result<void> deactivate_lv(client::Client& c, const VolumeGroup& vg, const LogicalVolume& lv);
// Active/open state of one LV's device (both false when it has none).
Result<DeviceState> lv_state(client::Client& c, const VolumeGroup& vg, const LogicalVolume& lv);
// Renames an LV's device from VG-FROM to VG-TO (lvrename of an active LV).
Result<void> rename_lv_device(client::Client& c, std::string_view vg_name, std::string_view from,
                              std::string_view to);
// Active/open state of every LV of the VG (by dm uuid), in one list request
// plus one info per active device.
Result<std::vector<DeviceState>> lv_states(client::Client& c, const VolumeGroup& vg);

}  // namespace udm::lvm::activate
