#include "lvm/activate/activate.hpp"

#include <fmt/format.h>

#include "lvm/activate/dm_names.hpp"
#include "lvm/segtypes/segment_type.hpp"
#include "udm/client.hpp"

namespace udm::lvm::activate {

Result<std::vector<TableLine>> lv_table(const VolumeGroup& vg, const LogicalVolume& lv,
                                        const std::map<std::string, std::string>& pv_paths) {
  std::vector<TableLine> out;
  const sector_t es = vg.extent_size;
  const segtypes::TableContext ctx{vg, lv, pv_paths};
  for (const auto& seg : lv.segments) {
    auto line = segtypes::segment_type_of(seg).target_line(ctx, seg);
    if (!line) return fail(line.error());
    out.push_back({seg.start_extent * es, seg.extent_count * es, std::move(line->type), std::move(line->params)});
  }
  return out;
}

namespace {

client::TableLine to_client(const TableLine& t) { return {t.start, t.length, t.type, t.params}; }

Result<client::DeviceInfo> info_by_uuid(client::Client& c, const std::string& uuid) {
  client::Task t(c, client::TaskType::info);
  t.set_uuid(uuid);
  if (auto r = t.run(); !r) {
    if (t.error_code() == ENXIO) return client::DeviceInfo{};
    return fail(r.error());
  }
  return t.info();
}

}  // namespace

Result<void> activate_lv(client::Client& c, const VolumeGroup& vg, const LogicalVolume& lv,
                         const std::map<std::string, std::string>& pv_paths) {
  auto table = lv_table(vg, lv, pv_paths);
  if (!table) return fail(table.error());
  const std::string uuid = dm_device_uuid(vg.id, lv.id);
  const std::string name = dm_device_name(vg.name, lv.name);
  auto info = info_by_uuid(c, uuid);
  if (!info) return fail(info.error());
  if (!info->exists) {
    client::Task t(c, client::TaskType::create);
    t.set_name(name).set_uuid(uuid);
    if (!lv.status.has("WRITE")) t.set_read_only();
    for (const auto& l : *table) t.add_target(to_client(l));
    return t.run();
  }
  client::Task load(c, client::TaskType::reload);
  load.set_uuid(uuid);
  for (const auto& l : *table) load.add_target(to_client(l));
  if (auto r = load.run(); !r) return r;
  client::Task resume(c, client::TaskType::resume);
  resume.set_uuid(uuid);
  return resume.run();
}

Result<void> deactivate_lv(client::Client& c, const VolumeGroup& vg, const LogicalVolume& lv) {
  const std::string uuid = dm_device_uuid(vg.id, lv.id);
  auto info = info_by_uuid(c, uuid);
  if (!info) return fail(info.error());
  if (!info->exists) return {};
  if (info->open_count > 0) return fail(EBUSY, fmt::format("Logical volume {}/{} in use.", vg.name, lv.name));
  client::Task t(c, client::TaskType::remove);
  t.set_uuid(uuid);
  return t.run();
}

Result<DeviceState> lv_state(client::Client& c, const VolumeGroup& vg, const LogicalVolume& lv) {
  auto info = info_by_uuid(c, dm_device_uuid(vg.id, lv.id));
  if (!info) return fail(info.error());
  if (!info->exists) return DeviceState{};
  return DeviceState{.active = true, .open = info->open_count > 0};
}

Result<void> rename_lv_device(client::Client& c, std::string_view vg_name, std::string_view from,
                              std::string_view to) {
  client::Task t(c, client::TaskType::rename);
  t.set_name(dm_device_name(vg_name, from)).set_new_name(dm_device_name(vg_name, to));
  return t.run();
}

Result<std::vector<DeviceState>> lv_states(client::Client& c, const VolumeGroup& vg) {
  client::Task list(c, client::TaskType::list);
  list.set_want_details();
  if (auto r = list.run(); !r) return fail(r.error());
  std::vector<DeviceState> out(vg.lvs.size());
  for (std::size_t i = 0; i < vg.lvs.size(); ++i) {
    const std::string uuid = dm_device_uuid(vg.id, vg.lvs[i].id);
    for (const auto& n : list.names()) {
      if (!n.uuid || *n.uuid != uuid) continue;
      out[i].active = true;
      auto info = info_by_uuid(c, uuid);
      if (info && info->open_count > 0) out[i].open = true;
    }
  }
  return out;
}

}  // namespace udm::lvm::activate
