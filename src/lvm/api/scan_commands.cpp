// lvscan, vgscan, pvscan, segtypes, formats, tags: the listing commands that
// need no activation, printed as lvm2 2.03 prints them.
#include "lvm/api/cmd.hpp"
#include <set>

#include "lvm/segtypes/segment_type.hpp"

namespace udm::lvm::api::detail {
namespace {

// lvm2's display_size, as its display commands show sizes ("8.00 MiB").
std::string shown(sector_t sectors) { return report::long_size(sectors); }

// The name lvm2 gives the orphan VG; pvscan pads VG names to at least its width.
constexpr std::string_view ORPHAN_VG = "#orphans_lvm2";

}  // namespace

Outcome<void> cmd_lvscan(Cmd& c) {
  if (auto r = c.open(false); !r) return r;
  const bool all = c.cl().has("all");
  for (const auto& [name, f] : c.store().vgs()) {
    const VolumeGroup& vg = f.text.vg;
    std::set<std::string> cows, origins;
    for (const auto& lv : vg.lvs)
      for (const auto& seg : lv.segments)
        if (auto co = segtypes::segment_type_of(seg).cow_and_origin(seg)) {
          cows.insert(co->first);
          origins.insert(co->second);
        }
    for (const auto& lv : vg.lvs) {
      if (!all && !lv_is_visible(vg, lv)) continue;
      const bool active = c.is_active(vg, lv);
      std::string_view snap = "        ";
      if (origins.contains(lv.name)) snap = "Original";
      else if (cows.contains(lv.name)) snap = "Snapshot";
      const std::string_view policy =
          lv.allocation_policy ? allocation_policy_name(*lv.allocation_policy) : std::string_view("inherit");
      c.say(fmt::format("{}{} '/dev/{}/{}' [{}] {}", active ? "ACTIVE   " : "inactive ", snap, vg.name, lv.name,
                        shown(lv.extent_count() * vg.extent_size), policy));
    }
  }
  return {};
}

Outcome<void> cmd_vgscan(Cmd& c) {
  if (auto r = c.open(false); !r) return r;
  for (const auto& [name, f] : c.store().vgs())
    c.say(fmt::format("Found volume group \"{}\" using metadata type lvm2", name));
  return {};
}

Outcome<void> cmd_pvscan(Cmd& c) {
  if (auto r = c.open(false); !r) return r;
  const auto& pvs = c.store().pvs();
  // Widths: the longest device and VG name (the orphan VG's included), + 2.
  std::size_t pv_len = 0, vg_len = ORPHAN_VG.size();
  for (const auto& p : pvs)
    if (p.is_pv) pv_len = std::max(pv_len, p.path.size());
  for (const auto& [name, f] : c.store().vgs()) vg_len = std::max(vg_len, name.size());
  pv_len += 2;
  vg_len += 2;
  if (c.cl().has("cache")) {
    // Nothing to record (udm keeps no online files): lvm2's lines, in device order.
    for (const auto& p : pvs)
      if (p.is_pv) c.say(fmt::format("pvscan[{}] PV {} {}.", getpid(), p.path, p.vg_id ? "online" : "not used"));
    return {};
  }
  std::size_t n_all = 0, n_used = 0, n_free = 0;
  sector_t s_all = 0, s_used = 0, s_free = 0;
  std::vector<bool> in_vg(pvs.size(), false);
  for (const auto& [name, f] : c.store().vgs()) {
    const VolumeGroup& vg = f.text.vg;
    for (std::size_t i = 0; i < vg.pvs.size(); ++i) {
      if (f.pv_index[i] == format::NO_PV) continue;
      const PhysicalVolume& pv = vg.pvs[i];
      const std::string& path = pvs[f.pv_index[i]].path;
      in_vg[f.pv_index[i]] = true;
      const sector_t size = pv.pe_count * vg.extent_size;
      ++n_all, ++n_used, s_all += size, s_used += size;
      c.say(fmt::format("PV {:<{}} VG {:<{}} lvm2 [{} / {} free]", path, pv_len, name, vg_len, shown(size),
                        shown(pv_free_extents(vg, pv) * vg.extent_size)));
    }
  }
  for (std::size_t i = 0; i < pvs.size(); ++i) {
    if (!pvs[i].is_pv || in_vg[i] || pvs[i].vg_id) continue;
    const sector_t size = pvs[i].label.device_size / 512;
    ++n_all, ++n_free, s_all += size, s_free += size;
    c.say(fmt::format("PV {:<{}} {:<{}} lvm2 [{}]", pvs[i].path, pv_len, "", vg_len + 3, shown(size)));
  }
  if (n_all == 0) {
    c.say("No matching physical volumes found");
    return {};
  }
  c.say(fmt::format("Total: {} [{}] / in use: {} [{}] / in no VG: {} [{}]", n_all, shown(s_all), n_used,
                    shown(s_used), n_free, shown(s_free)));
  return {};
}

Outcome<void> cmd_segtypes(Cmd& c) {
  // lvm2 2.03.16's list, in its order (what this lvm2 build registers).
  for (std::string_view t :
       {"linear",     "striped",    "zero",       "error",      "snapshot",   "mirror",     "raid0",
        "raid0_meta", "raid1",      "raid10",     "raid10_near", "raid4",     "raid5",      "raid5_n",
        "raid5_la",   "raid5_ls",   "raid5_ra",   "raid5_rs",   "raid6",      "raid6_n_6",  "raid6_nc",
        "raid6_nr",   "raid6_zr",   "raid6_ls_6", "raid6_rs_6", "raid6_la_6", "raid6_ra_6", "thin-pool",
        "thin",       "cache-pool", "cache",      "vdo",        "vdo-pool",   "writecache", "integrity"})
    c.say(std::string(t));
  return {};
}

Outcome<void> cmd_formats(Cmd& c) {
  c.say("lvm2");
  return {};
}

// lvmdiskscan: every device the filters pass, PVs marked, then lvm2's
// counts. udm's devices are loop devices or files, never whole disks with
// partitions, so lvm2 counts the ones that are not PVs as partitions.
Outcome<void> cmd_lvmdiskscan(Cmd& c) {
  if (auto r = c.open(false); !r) return r;
  const bool only_lvm = c.cl().has("lvmpartition");
  if (only_lvm) c.warn("WARNING: only considering LVM devices");
  std::size_t width = 0;
  for (const auto& p : c.store().pvs())
    if (!only_lvm || p.is_pv) width = std::max(width, p.path.size());
  std::size_t partitions = 0, pvs = 0;
  for (const auto& p : c.store().pvs()) {
    if (only_lvm && !p.is_pv) continue;
    const sector_t size = p.dev ? p.dev->size() / 512 : 0;
    c.say(fmt::format("{:<{}} [{:>15}] {}", p.path, width, shown(size), p.is_pv ? "LVM physical volume" : ""));
    ++(p.is_pv ? pvs : partitions);
  }
  const auto plural = [](std::size_t n) { return n == 1 ? "" : "s"; };
  if (!only_lvm) {
    c.say("0 disks");
    c.say(fmt::format("{} partition{}", partitions, plural(partitions)));
  }
  c.say("0 LVM physical volume whole disks");
  c.say(fmt::format("{} LVM physical volume{}", pvs, plural(pvs)));
  return {};
}

// Host tags (lvm.conf tags/hosttags); ulvm defines none yet.
Outcome<void> cmd_tags(Cmd&) { return {}; }

}  // namespace udm::lvm::api::detail
