// What the generic LV commands do differently for old-style snapshots:
// (de)activation goes through the origin (lvm2 activates an origin with all
// its snapshots; the carrier "snapshotN" has no device), and removing a
// snapshot drops its carrier too and puts the origin back on its own table
// when no snapshot is left.
#include "lvm/api/progress.hpp"
#include "lvm/api/snapshot_commands.hpp"
#include "lvm/api/snapshot_devices.hpp"
#include "lvm/metadata/dm_names.hpp"
#include "lvm/segtypes/snapshot.hpp"

namespace udm::lvm::api::detail {

Outcome<void> activate_origin(Cmd& c, const VolumeGroup& vg, const LogicalVolume& origin) {
  // The origin stays suspended while snapshot devices are made under it.
  activate::ApplyOptions o;
  o.suspend_too.push_back(dm_device_uuid(vg.id, origin.id));
  if (auto r = c.activate(vg, origin, o); !r) return r;
  if (segtypes::merging_snapshot_of_origin(vg, origin.name) && !c.test_mode()) {
    // A merge waiting for this activation starts now; it is polled and
    // finished in the background, as lvm2's polldaemon does.
    PollOptions p;
    p.interval_seconds = 1;
    poll_merge_in_background(c, p, vg, origin);
  }
  return {};
}

std::optional<Outcome<void>> snapshot_activation(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv, bool on) {
  if (segtypes::lv_is_snapshot_carrier(lv)) return Outcome<void>{};
  const LogicalVolume* origin = nullptr;
  if (auto ref = segtypes::snapshot_of_cow(vg, lv.name)) origin = vg.find_lv(ref->origin);
  else if (segtypes::lv_is_origin(vg, lv)) origin = &lv;
  if (!origin) return std::nullopt;
  if (on) return activate_origin(c, vg, *origin);
  // The snapshots' devices first: the origin's plan does not hold a merging
  // snapshot's own device (still there when the merge waits for activation).
  std::vector<std::string> tops;
  for (const auto& r : segtypes::snapshots_of_origin(vg, origin->name)) {
    const LogicalVolume* cow = vg.find_lv(r.cow);
    if (!cow) continue;
    const std::string uuid = dm_device_uuid(vg.id, cow->id);
    if (device_target(c, uuid).open) return failed(fmt::format("Logical volume {}/{} in use.", vg.name, r.cow));
    tops.push_back(uuid);
  }
  if (device_target(c, dm_device_uuid(vg.id, origin->id)).open)
    return failed(fmt::format("Logical volume {}/{} in use.", vg.name, origin->name));
  for (const auto& u : tops) remove_unused_device(c, u);
  if (auto r = c.deactivate(vg, *origin); !r) return r;
  for (const auto& r : segtypes::snapshots_of_origin(vg, origin->name))
    if (const LogicalVolume* cow = vg.find_lv(r.cow)) remove_unused_device(c, dm_device_uuid(vg.id, cow->id, "cow"));
  remove_unused_device(c, dm_device_uuid(vg.id, origin->id, "real"));
  return Outcome<void>{};
}

std::optional<Outcome<void>> remove_snapshot_lv(Cmd& c, VolumeGroup& vg, const std::string& lv_name) {
  auto ref = segtypes::snapshot_of_cow(vg, lv_name);
  if (!ref) {
    // An origin: its snapshots go first (lvm2's lv_remove_with_dependencies),
    // then the caller removes the origin itself.
    const auto snaps = segtypes::snapshots_of_origin(vg, lv_name);
    if (snaps.empty()) return std::nullopt;
    std::vector<std::string> cows;
    for (const auto& r : snaps) cows.push_back(r.cow);
    for (const auto& cow : cows) {
      if (auto r = remove_snapshot_lv(c, vg, cow); r && !*r) return r;
      c.say(fmt::format("Logical volume \"{}\" successfully removed.", cow));
    }
    return std::nullopt;
  }
  const std::string origin_name = ref->origin;
  const std::string carrier_name = ref->carrier->name;
  const LogicalVolume* cow = vg.find_lv(lv_name);
  const LogicalVolume* origin = vg.find_lv(origin_name);
  if (ref->merging && origin) {
    DeviceTarget d = device_target(c, dm_device_uuid(vg.id, origin->id));
    if (d.exists && d.type == "snapshot-merge") {
      auto s = segtypes::parse_snapshot_status(d.status);
      if (s && !s->invalid && !s->merge_failed)
        return failed(fmt::format("Can't remove merging snapshot logical volume {}/{}.", vg.name, lv_name));
    }
  }
  const bool origin_active = origin && c.is_active(vg, *origin);
  const std::string snap_uuid = dm_device_uuid(vg.id, cow->id);
  const std::string cow_uuid = dm_device_uuid(vg.id, cow->id, "cow");
  const std::string real_uuid = origin ? dm_device_uuid(vg.id, origin->id, "real") : std::string();
  if (!c.test_mode()) {
    DeviceTarget top = device_target(c, snap_uuid);
    if (top.open) return failed(fmt::format("Logical volume {}/{} in use.", vg.name, lv_name));
  }
  std::erase_if(vg.lvs, [&](const LogicalVolume& x) { return x.name == lv_name || x.name == carrier_name; });
  if (c.test_mode()) return Outcome<void>{};
  if (origin_active) {
    // The origin's new table first (without this snapshot), then its devices go.
    if (auto r = c.activate(vg, *vg.find_lv(origin_name)); !r) return r;
  }
  remove_unused_device(c, snap_uuid);
  remove_unused_device(c, cow_uuid);
  if (!real_uuid.empty() && segtypes::snapshots_of_origin(vg, origin_name).empty()) remove_unused_device(c, real_uuid);
  return Outcome<void>{};
}

}  // namespace udm::lvm::api::detail

namespace udm::lvm::api::detail {

Outcome<extent_t> snapshot_resize(Cmd& c, const VolumeGroup& vg, const LogicalVolume& lv, extent_t cur, extent_t target) {
  if (segtypes::lv_is_origin(vg, lv)) {
    if (target < cur) return failed("Snapshot origin volumes cannot be reduced in size yet.");
    if (c.is_active(vg, lv))
      return failed("Snapshot origin volumes can be resized only while inactive: try lvchange -an.");
    return target;
  }
  auto ref = segtypes::snapshot_of_cow(vg, lv.name);
  if (!ref || target <= cur) return target;
  // A COW never needs more than the whole origin plus its exception tables.
  const LogicalVolume* origin = vg.find_lv(ref->origin);
  if (!origin) return target;
  const extent_t max = segtypes::cow_max_extents(origin->extent_count() * vg.extent_size, ref->chunk_size, vg.extent_size);
  if (max < target) {
    c.say(fmt::format("Reached maximum COW size {} ({} extents).", alloc::message_size(max * vg.extent_size), max));
    return std::max(max, cur);
  }
  return target;
}

}  // namespace udm::lvm::api::detail
