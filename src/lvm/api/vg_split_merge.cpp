// vgsplit SRC DST PV... (to a new or an existing VG) and vgmerge DST SRC, as
// lvm2 2.03.16 does them for linear and striped LVs: an LV moves whole with
// its PVs, PVs get the next free pvN names in the VG they join.
#include "lvm/api/change_commands.hpp"

#include <set>

namespace udm::lvm::api::detail {
namespace {

// Moves the PVs named in `moving` (pv names of `from`) and the LVs wholly on
// them from `from` to `to`. Errors in lvm2's words.
Outcome<void> move_pvs(VolumeGroup& from, VolumeGroup& to, const std::set<std::string>& moving) {
  std::map<std::string, std::string> renamed;  // pv name in `from` -> in `to`
  for (const auto& name : moving) {
    PhysicalVolume pv = *from.find_pv(name);
    pv.name = to.next_pv_name();
    renamed[name] = pv.name;
    to.pvs.push_back(std::move(pv));
  }
  std::erase_if(from.pvs, [&](const PhysicalVolume& p) { return moving.contains(p.name); });
  std::vector<LogicalVolume> staying;
  for (auto& lv : from.lvs) {
    std::size_t on = 0, off = 0;
    for (const auto& seg : lv.segments)
      for (const auto& a : seg.stripes) ++(moving.contains(a.name) ? on : off);
    if (on && off)
      return failed(fmt::format("Can't split Logical Volume {} between two Volume Groups", lv.name));
    if (!on) {
      staying.push_back(std::move(lv));
      continue;
    }
    for (const auto& seg : lv.segments)
      if (!seg.is_striped())
        return failed(fmt::format("Logical volume {}/{} of type {} is not moved by ulvm's vgsplit.", from.name, lv.name,
                                  seg.type));
    if (to.find_lv(lv.name))
      return failed(fmt::format("Duplicate logical volume name \"{}\" in \"{}\" and \"{}\"", lv.name, to.name,
                                from.name));
    for (auto& seg : lv.segments)
      for (auto& a : seg.stripes) a.name = renamed[a.name];
    to.lvs.push_back(std::move(lv));
  }
  from.lvs = std::move(staying);
  std::stable_partition(to.lvs.begin(), to.lvs.end(), [](const LogicalVolume& x) { return x.visible(); });
  return {};
}

Outcome<void> refuse_active(Cmd& c, const VolumeGroup& vg) {
  for (const auto& lv : vg.lvs)
    if (c.is_active(vg, lv)) return failed(fmt::format("Logical volumes in \"{}\" must be inactive", vg.name));
  return {};
}

}  // namespace

Outcome<void> lock_new_vg(Cmd& c, const std::string& name) {
  return c.lock(locking::plan_locks(c.cl().command, c.cl().args, false), {name});
}

Outcome<void> cmd_vgsplit(Cmd& c) {
  const auto& a = c.cl().args;
  if (a.size() < 2) return failed("Existing VG, new VG and either physical volumes or logical volume required.", EXIT_INVALID);
  if (a.size() < 3 && !c.cl().has("name"))
    return failed("Existing VG, new VG and either physical volumes or logical volume required.", EXIT_INVALID);
  if (auto r = check_vg_name(a[1]); !r) return failed(r.error().message, EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  auto old_src = c.vg(a[0]);
  if (!old_src) return std::unexpected(old_src.error());
  if (old_src->status.has("EXPORTED")) return failed(fmt::format("Volume group {} is exported", a[0]));
  VolumeGroup src = *old_src;
  std::optional<VolumeGroup> old_dst;
  VolumeGroup dst;
  if (const format::VgState* f = c.store().find_vg(a[1])) {
    old_dst = f->text.vg;
    dst = *old_dst;
    if (dst.extent_size != src.extent_size)
      return failed(fmt::format("Extent sizes differ: {} ({}) and {} ({})", dst.extent_size, dst.name,
                                src.extent_size, src.name));
  } else {
    if (auto r = lock_new_vg(c, a[1]); !r) return r;
    dst = src;
    dst.name = a[1];
    dst.id = generate_id();
    dst.pvs.clear();
    dst.lvs.clear();
    dst.tags.clear();
    dst.historical_lvs.reset();
  }
  if (auto r = refuse_active(c, src); !r) return r;
  std::set<std::string> moving;
  if (auto n = c.cl().get("name")) {
    const LogicalVolume* lv = src.find_lv(*n);
    if (!lv) return failed(fmt::format("Logical volume \"{}\" not found in volume group \"{}\"", *n, src.name));
    for (const auto& seg : lv->segments)
      for (const auto& ar : seg.stripes) moving.insert(ar.name);
  }
  for (std::size_t i = 2; i < a.size(); ++i) {
    const std::string name = c.pv_name_of_path(src, a[i]);
    if (name.empty()) return failed(fmt::format("Physical volume {} not in volume group {}", a[i], src.name));
    moving.insert(name);
  }
  if (auto r = move_pvs(src, dst, moving); !r) return r;
  c.store().allow_replacing_vg(src.id);
  // The joining VG first: its PVs then carry the new owner, and the rest of
  // the old VG is written without them.
  if (auto r = c.commit(dst, old_dst ? std::optional<VolumeGroup>(*old_dst) : std::nullopt); !r) return r;
  if (src.pvs.empty()) {
    c.archive(*old_src);
  } else if (auto r = c.commit(src, *old_src); !r) {
    return r;
  }
  c.say(fmt::format("{} volume group \"{}\" successfully split from \"{}\"", old_dst ? "Existing" : "New", dst.name,
                    src.name));
  return {};
}

Outcome<void> cmd_vgmerge(Cmd& c) {
  const auto& a = c.cl().args;
  if (a.size() < 2) return failed("Please enter 2 or more volume groups to merge", EXIT_INVALID);
  if (auto r = c.open(true); !r) return r;
  auto old_dst = c.vg(a[0]);
  if (!old_dst) return std::unexpected(old_dst.error());
  VolumeGroup dst = *old_dst;
  for (std::size_t i = 1; i < a.size(); ++i) {
    auto old_src = c.vg(a[i]);
    if (!old_src) return std::unexpected(old_src.error());
    VolumeGroup src = *old_src;
    if (dst.extent_size != src.extent_size)
      return failed(fmt::format("Extent sizes differ: {} ({}) and {} ({})", dst.extent_size, dst.name,
                                src.extent_size, src.name));
    if (auto r = refuse_active(c, src); !r) return r;
    const VolumeGroup before = dst;
    std::set<std::string> all;
    for (const auto& pv : src.pvs) all.insert(pv.name);
    if (auto r = move_pvs(src, dst, all); !r) return r;
    c.store().allow_replacing_vg(src.id);
    for (const auto& t : src.tags)
      if (std::find(dst.tags.begin(), dst.tags.end(), t) == dst.tags.end()) dst.tags.push_back(t);
    if (auto r = c.commit(dst, before); !r) return r;
    c.archive(*old_src);
    c.say(fmt::format("Volume group \"{}\" successfully merged into \"{}\"", src.name, dst.name));
    dst.seqno = before.seqno + 1;
  }
  return {};
}

}  // namespace udm::lvm::api::detail
