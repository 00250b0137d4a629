// lvchange --syncaction check|repair VG/LV (a message to the raid device,
// refused unless it is idle, as lvm2's lv_raid_message) and lvchange
// --rebuild PV VG/LV (the images on PV get REBUILD, the LV is reloaded with
// `rebuild <slot>`, the flags are cleared again).
#include <algorithm>

#include "lvm/api/lv_iterator.hpp"
#include "lvm/api/lvcreate_raid.hpp"
#include "lvm/api/raid_activate.hpp"
#include "lvm/segtypes/raid_keys.hpp"

namespace udm::lvm::api::detail {
namespace {

Outcome<void> syncaction(Cmd& c, const std::string& action) {
  if (action != "check" && action != "repair")
    return failed(fmt::format("Invalid argument for --syncaction: {}", action), EXIT_INVALID);
  return for_each_lv(c, false, [&](VolumeGroup& vg, LogicalVolume& lv, const VolumeGroup&) -> Outcome<void> {
    const std::string& vgn = vg.name;
    const std::string& lvn = lv.name;
    if (!segtypes::lv_is_raid(lv) || segtypes::is_raid0_type(lv.segments[0].type)) return not_permitted(vgn, lv);
    activate::Driver* d = c.driver(false);
    auto st = d ? raid_status(*d, vg, lv) : Result<std::optional<RaidStatus>>(std::optional<RaidStatus>{});
    if (!st) return failed(st.error().message);
    if (!*st) return failed(fmt::format("{}/{} must be active to perform this operation.", vgn, lvn));
    if ((*st)->action != "idle")
      return failed(fmt::format("{}/{} state is currently \"{}\".  Unable to switch to \"{}\".", vgn, lvn,
                                (*st)->action, action));
    if (c.test_mode()) return {};
    if (auto r = d->message(dm_device_uuid(vg.id, lv.id), action); !r) return failed(r.error().message);
    return {};
  });
}

Outcome<void> rebuild(Cmd& c) {
  if (c.cl().args.empty()) return failed("Please give logical volume path(s).", EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  auto [vgn, lvn] = split_lv_path(c.cl().args[0]);
  auto old = c.vg(vgn);
  if (!old) return std::unexpected(old.error());
  VolumeGroup vg = *old;
  const LogicalVolume* lv = vg.find_lv(lvn);
  if (!lv) return failed(fmt::format("Failed to find logical volume \"{}/{}\"", vgn, lvn));
  if (!segtypes::lv_is_raid(*lv) || segtypes::is_raid0_type(lv->segments[0].type)) return not_permitted(vgn, *lv);
  auto pvn = pv_names_of_args(c, vg, c.cl().all("rebuild"));
  if (!pvn) return std::unexpected(pvn.error());
  auto k = segtypes::raid_keys(lv->segments[0]);
  if (!k) return failed(k.error().message);
  if (!c.is_active(vg, *lv)) return failed(fmt::format("{}/{} must be active to perform this operation.", vgn, lvn));
  // The slots whose image or metadata lies on one of the PVs.
  std::vector<std::size_t> slots;
  const auto on_pvs = [&](const std::string& name) {
    const LogicalVolume* s = vg.find_lv(name);
    if (!s) return false;
    for (const auto& seg : s->segments)
      for (const auto& area : seg.stripes)
        if (std::find(pvn->begin(), pvn->end(), area.name) != pvn->end()) return true;
    return false;
  };
  for (std::size_t i = 0; i < k->images.size(); ++i)
    if (on_pvs(k->images[i]) || (!k->metas[i].empty() && on_pvs(k->metas[i]))) slots.push_back(i);
  if (slots.empty())
    return failed(fmt::format("Unable to rebuild {}/{}: no images on the given PVs.", vgn, lvn));
  if (slots.size() >= k->images.size() - segtypes::raid_parity_devs(k->type) && k->type != "raid1")
    return failed(fmt::format("Unable to rebuild {}/{}: too many images would be rebuilt.", vgn, lvn));
  if (k->type == "raid1" && slots.size() >= k->images.size())
    return failed(fmt::format("Unable to rebuild {}/{}: all images would be rebuilt.", vgn, lvn));
  for (auto s : slots) {
    vg.find_lv(k->images[s])->status.add("REBUILD");
    if (!k->metas[s].empty()) vg.find_lv(k->metas[s])->status.add("REBUILD");
  }
  if (auto r = c.commit(vg, *old); !r) return r;
  VolumeGroup flagged = vg;
  flagged.seqno = old->seqno + 1;
  if (auto r = c.activate(flagged, *flagged.find_lv(lvn)); !r) return r;
  for (auto s : slots) {
    vg.find_lv(k->images[s])->status.remove("REBUILD");
    if (!k->metas[s].empty()) vg.find_lv(k->metas[s])->status.remove("REBUILD");
  }
  if (auto r = c.commit(vg, flagged); !r) return r;
  c.say(fmt::format("Logical volume {}/{} changed.", vgn, lvn));
  return {};
}

// --minrecoveryrate/--maxrecoveryrate: the keys change and an active LV is
// reloaded with the new limits.
Outcome<void> recovery_rate(Cmd& c) {
  return for_each_lv(c, true, [&](VolumeGroup& vg, LogicalVolume& lv, const VolumeGroup& old) -> Outcome<void> {
    const std::string vgn = vg.name, lvn = lv.name;
    if (!segtypes::lv_is_raid(lv) || segtypes::is_raid0_type(lv.segments[0].type)) return not_permitted(vgn, lv);
    auto k = segtypes::raid_keys(lv.segments[0]);
    if (!k) return failed(k.error().message);
    if (auto r = recovery_rate_args(c, *k); !r) return std::unexpected(r.error());
    segtypes::set_raid_keys(lv.segments[0], *k);
    const bool active = c.is_active(old, *old.find_lv(lvn));
    if (auto r = c.commit(vg, old); !r) return r;
    VolumeGroup written = vg;
    written.seqno = old.seqno + 1;
    if (active)
      if (auto r = c.activate(written, *written.find_lv(lvn)); !r) return r;
    c.say(fmt::format("Logical volume {}/{} changed.", vgn, lvn));
    return {};
  });
}

}  // namespace

std::optional<Outcome<void>> lvchange_raid(Cmd& c) {
  if (c.cl().has("maxrecoveryrate") || c.cl().has("minrecoveryrate")) return recovery_rate(c);
  if (auto a = c.cl().get("syncaction")) return syncaction(c, *a);
  if (c.cl().has("rebuild")) return rebuild(c);
  return std::nullopt;
}

}  // namespace udm::lvm::api::detail
