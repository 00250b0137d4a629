#include "lvm/api/snapshot_devices.hpp"

namespace udm::lvm::api::detail {

DeviceTarget device_target(Cmd& c, const std::string& uuid) {
  DeviceTarget out;
  activate::Driver* drv = c.driver(false);
  if (!drv) return out;
  auto info = drv->info(uuid);
  if (!info || !info->exists) return out;
  out.exists = true;
  out.open = info->open_count > 0;
  out.suspended = info->suspended;
  auto st = drv->status(uuid);
  if (st && !st->empty()) {
    out.type = st->front().type;
    out.status = st->front().params;
  }
  return out;
}

void remove_unused_device(Cmd& c, const std::string& uuid) {
  DeviceTarget d = device_target(c, uuid);
  if (!d.exists || d.open) return;
  activate::DeviceTree one;
  activate::DmDevice dev;
  dev.uuid = uuid;
  one.add(std::move(dev));
  (void)c.driver(false)->remove(one, uuid);
}

}  // namespace udm::lvm::api::detail

#include "lvm/api/snapshot_commands.hpp"
#include "lvm/metadata/dm_names.hpp"
#include "lvm/segtypes/snapshot.hpp"

namespace udm::lvm::api::detail {

void fill_snapshot_states(Cmd& c, const VolumeGroup& vg, std::vector<report::LvState>& states) {
  const auto refs = segtypes::snapshots(vg);
  if (refs.empty()) return;
  for (std::size_t i = 0; i < vg.lvs.size() && i < states.size(); ++i) {
    if (states[i].active != report::Tri::yes) continue;
    const LogicalVolume& lv = vg.lvs[i];
    bool related = false;
    for (const auto& r : refs) related = related || r.cow == lv.name || r.origin == lv.name;
    if (!related) continue;
    DeviceTarget d = device_target(c, dm_device_uuid(vg.id, lv.id));
    states[i].target_type = d.type;
    states[i].target_status = d.status;
  }
}

}  // namespace udm::lvm::api::detail
