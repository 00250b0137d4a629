// The dm devices an LV needs, as LVM2's deptree plans them: an LV is its top
// device ("VG-LV") and whatever lies below it: layers of its own
// ("VG-LV-real", "VG-POOL-tpool") and the devices of other LVs its table
// names (a pool's _tdata). plan_lv() asks the segment-type handlers
// (target_line, lay_out) and lists the devices lower ones first; apply() and
// remove() carry a plan out through the driver. See docs/design.md.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "lvm/metadata/model.hpp"
#include "lvm/segtypes/segment_type.hpp"

namespace udm::lvm::activate {

using segtypes::TableLine;

// One planned dm device. Its table may carry tokens (device_ref) naming
// other planned devices.
struct DmDevice {
  std::string name;   // dm name
  std::string uuid;   // dm uuid
  std::string lv;     // the LV it belongs to (layers too)
  std::string layer;  // "" for an LV's top device
  bool read_only = false;
  std::vector<TableLine> table;
  std::vector<std::string> deps;  // uuids of devices the table names
};

// The token standing for a planned device in a table line.
std::string device_ref(std::string_view uuid);
// `params` with every token replaced by what `resolve` gives for its uuid;
// an unknown uuid is an error.
Result<std::string> resolve_refs(std::string_view params,
                                 const std::map<std::string, std::string, std::less<>>& devnos);

class DeviceTree {
 public:
  // Lower devices first; the LV's top device last.
  const std::vector<DmDevice>& devices() const { return devices_; }
  const DmDevice* find(std::string_view uuid) const;
  const DmDevice& top() const { return devices_.back(); }
  // Adds a device unless one with its uuid is there; returns its token.
  std::string add(DmDevice d);

 private:
  std::vector<DmDevice> devices_;
};

// Plans `lv`'s devices. `pv_paths` maps PV names to device paths; a segment
// on a PV without one is an error naming it.
Result<DeviceTree> plan_lv(const VolumeGroup& vg, const LogicalVolume& lv,
                           const std::map<std::string, std::string>& pv_paths);

// `lv`'s own segments as table lines (no planner: lines naming other LVs fail).
Result<std::vector<TableLine>> lv_table(const VolumeGroup& vg, const LogicalVolume& lv,
                                        const std::map<std::string, std::string>& pv_paths);

}  // namespace udm::lvm::activate
