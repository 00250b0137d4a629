#include "lvm/api/snapshot_devices.hpp"

namespace udm::lvm::api::detail {

DeviceTarget device_target(Cmd& c, const std::string& uuid) {
  DeviceTarget out;
  client::Client* drv = c.driver(false);
  if (!drv) return out;
  client::Task t(*drv, client::TaskType::status);
  t.set_uuid(uuid);
  if (auto r = t.run(); !r) return out;
  const client::DeviceInfo& info = t.info();
  if (!info.exists) return out;
  out.exists = true;
  out.open = info.open_count > 0;
  out.suspended = info.suspended;
  if (!t.table().empty()) {
    out.type = t.table().front().type;
    out.status = t.table().front().params;
  }
  return out;
}

void remove_unused_device(Cmd& c, const std::string& uuid) {
  DeviceTarget d = device_target(c, uuid);
  if (!d.exists || d.open) return;
  client::Task t(*c.driver(false), client::TaskType::remove);
  t.set_uuid(uuid);
  (void)t.run();
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
