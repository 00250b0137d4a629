// lvconvert of raid1 LVs, as lvm2's raid_manip does them on an active LV:
//   -m N                 adds _rmeta_N/_rimage_N pairs on PVs the LV does not
//                        use (the new images are rebuilt from the others) or
//                        drops the last ones; -m 0 leaves a linear LV on
//                        image 0's extents;
//   --type raid1 -m N    from linear: the LV's extents become _rimage_0, an
//                        _rmeta_0 is allocated beside them, new images follow;
//   --repair             replaces the images whose device failed (D in the
//                        status) or whose PV is missing with new pairs on
//                        free space of other PVs, rebuilt from the rest.
// Replaced sub-LVs' devices are renamed "<name>_extracted" so the new ones
// can take their names, then removed once the raid device is reloaded.
#include <algorithm>
#include <array>
#include <charconv>

#include "lvm/api/lvcreate_raid.hpp"
#include "lvm/api/raid_activate.hpp"
#include "lvm/api/wipe.hpp"
#include "lvm/segtypes/raid_keys.hpp"

namespace udm::lvm::api::detail {
namespace {

// The PVs a sub-LV's extents are on.
std::vector<std::string> pvs_of(const VolumeGroup& vg, const std::string& lv_name) {
  std::vector<std::string> out;
  if (const LogicalVolume* lv = vg.find_lv(lv_name))
    for (const auto& s : lv->segments)
      for (const auto& a : s.stripes)
        if (vg.find_pv(a.name) && std::find(out.begin(), out.end(), a.name) == out.end()) out.push_back(a.name);
  return out;
}

void set_rebuild(VolumeGroup& vg, const segtypes::RaidKeys& k, const std::vector<std::size_t>& slots, bool on) {
  for (auto s : slots)
    for (const std::string* n : {&k.images[s], &k.metas[s]})
      if (LogicalVolume* lv = n->empty() ? nullptr : vg.find_lv(*n)) {
        if (on) lv->status.add("REBUILD");
        else lv->status.remove("REBUILD");
      }
}

// Writes `vg` (the LV's new shape, new slots flagged REBUILD), reloads the
// active LV and removes the devices of `gone` (sub-LVs of `old` no longer
// used; `renamed` of them share a name with a new one), then writes the VG
// again without the REBUILD flags.
Outcome<void> commit_and_reload(Cmd& c, const VolumeGroup& old, VolumeGroup vg, const std::string& lvn,
                                const std::vector<std::string>& gone, const std::vector<std::string>& renamed,
                                const segtypes::RaidKeys* k, const std::vector<std::size_t>& rebuild,
                                const activate::ApplyOptions& opts = {}) {
  activate::Driver* d = c.driver(false);
  // The replaced images' devices step aside (_extracted) before the new
  // ones take their names; a failure before the commit puts them back, so
  // a failed command leaves the LV as it found it.
  std::vector<const LogicalVolume*> stepped_aside;
  const auto put_back = [&] {
    for (const LogicalVolume* s : stepped_aside) (void)d->rename(old, *s, s->name);
  };
  if (d && !c.test_mode())
    for (const auto& n : renamed)
      if (const LogicalVolume* s = old.find_lv(n)) {
        if (auto r = d->rename(old, *s, n + "_extracted"); !r) {
          put_back();
          return failed(r.error().message);
        }
        stepped_aside.push_back(s);
      }
  if (k) set_rebuild(vg, *k, rebuild, true);
  if (auto r = c.commit(vg, old); !r) {
    put_back();
    return r;
  }
  VolumeGroup written = vg;
  written.seqno = old.seqno + 1;
  if (auto r = c.activate(written, *written.find_lv(lvn), opts); !r) return r;
  if (auto r = remove_sub_lv_devices(c, old, gone, lvn); !r) return r;
  if (k && !rebuild.empty()) {
    set_rebuild(vg, *k, rebuild, false);
    if (auto r = c.commit(vg, written); !r) return r;
  }
  return {};
}

// The dm-raid superblock (at the start of each _rmeta_N) records the set's
// device count; a raid1 that gains or loses images keeps its legs' places,
// so the kept legs' superblocks get the new count (and no failed bits past
// it) while the set is suspended, as the kernel's raid1 takeover does.
constexpr std::uint32_t DMRAID_MAGIC = 0x64526D44;  // "DmRd"
constexpr std::uint64_t SB_NUM_DEVICES = 8, SB_FAILED = 24;

activate::ApplyOptions set_device_count(Cmd& c, const VolumeGroup& old, std::vector<std::string> metas,
                                        std::uint32_t count) {
  activate::ApplyOptions o;
  o.while_suspended = [&c, &old, metas = std::move(metas), count]() -> Result<void> {
    const auto paths = c.pv_paths(old.name);
    for (const auto& n : metas) {
      const LogicalVolume* m = old.find_lv(n);
      if (!m) continue;
      const ByteTarget t = lv_target(old, *m, paths);
      std::array<std::byte, 32> head{};
      if (t.size < head.size()) return fail(EINVAL, fmt::format("{} is too small for a dm-raid superblock", n));
      if (auto r = t.read(0, head); !r) return r;
      const auto u32 = [&](std::size_t at) {
        std::uint32_t v = 0;
        for (int i = 3; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint32_t>(head[at + static_cast<std::size_t>(i)]);
        return v;
      };
      if (u32(0) != DMRAID_MAGIC) continue;  // blank: the set writes a new one
      std::uint64_t failed = 0;
      for (int i = 7; i >= 0; --i) failed = (failed << 8) | std::to_integer<std::uint64_t>(head[SB_FAILED + static_cast<std::size_t>(i)]);
      if (count < 64) failed &= (std::uint64_t{1} << count) - 1;
      for (std::size_t i = 0; i < 4; ++i) head[SB_NUM_DEVICES + i] = std::byte(static_cast<std::uint8_t>(count >> (8 * i)));
      for (std::size_t i = 0; i < 8; ++i) head[SB_FAILED + i] = std::byte(static_cast<std::uint8_t>(failed >> (8 * i)));
      if (auto r = t.write(0, head); !r) return r;
    }
    return {};
  };
  return o;
}

Outcome<void> declined(const VolumeGroup& vg, const std::string& lvn) {
  return failed(fmt::format("Logical volume {} NOT converted.", display_lvname(vg, lvn)));
}

// -m N of a raid1 LV.
Outcome<void> change_images(Cmd& c, const VolumeGroup& old, const std::string& lvn, unsigned images) {
  VolumeGroup vg = old;
  const LogicalVolume* lv = vg.find_lv(lvn);
  auto k = segtypes::raid_keys(lv->segments[0]);
  if (!k) return failed(k.error().message);
  const unsigned have = static_cast<unsigned>(k->images.size());
  if (images == have) return failed(fmt::format("Logical volume {} already has {} images.", display_lvname(vg, lvn), have));
  if (images == 1) {
    if (yes_no(c, fmt::format("Are you sure you want to convert raid1 LV {} to type linear losing all resilience? "
                              "[y/n]: ",
                              display_lvname(vg, lvn))) == 'n')
      return declined(vg, lvn);
    LogicalVolume* top = vg.find_lv(lvn);
    const LogicalVolume* img0 = vg.find_lv(k->images[0]);
    if (!img0) return failed(fmt::format("{} has no image 0.", display_lvname(vg, lvn)));
    top->segments = img0->segments;
    top->status.remove("NOTSYNCED");
    std::vector<std::string> gone;
    for (std::size_t i = 0; i < k->images.size(); ++i) {
      gone.push_back(k->images[i]);
      if (!k->metas[i].empty()) gone.push_back(k->metas[i]);
    }
    std::erase_if(vg.lvs, [&](const LogicalVolume& x) { return std::find(gone.begin(), gone.end(), x.name) != gone.end(); });
    return commit_and_reload(c, old, std::move(vg), lvn, gone, {}, nullptr, {});
  }
  if (yes_no(c, fmt::format("Are you sure you want to convert raid1 LV {} to {} images {} resilience? [y/n]: ",
                            display_lvname(vg, lvn), images, images > have ? "enhancing" : "reducing")) == 'n')
    return declined(vg, lvn);
  if (images < have) {
    std::vector<std::string> gone;
    for (std::size_t i = images; i < have; ++i) {
      gone.push_back(k->images[i]);
      if (!k->metas[i].empty()) gone.push_back(k->metas[i]);
    }
    k->images.resize(images);
    k->metas.resize(images);
    k->device_count = images;
    segtypes::set_raid_keys(vg.find_lv(lvn)->segments[0], *k);
    std::erase_if(vg.lvs, [&](const LogicalVolume& x) { return std::find(gone.begin(), gone.end(), x.name) != gone.end(); });
    return commit_and_reload(c, old, std::move(vg), lvn, gone, {}, nullptr, {},
                             set_device_count(c, old, k->metas, images));
  }
  const std::vector<std::string> kept_metas = k->metas;
  std::vector<std::string> avoid;
  for (std::size_t i = 0; i < have; ++i)
    for (const auto& n : {k->images[i], k->metas[i]})
      for (const auto& p : pvs_of(vg, n)) avoid.push_back(p);
  const extent_t per_image = lv->segments[0].extent_count;
  auto pvn = pv_names_of_args(c, vg, std::vector<std::string>(c.cl().args.begin() + 1, c.cl().args.end()));
  if (!pvn) return std::unexpected(pvn.error());
  auto policy = policy_of(c, vg, lv);
  if (!policy) return std::unexpected(policy.error());
  std::vector<std::size_t> added;
  for (unsigned i = have; i < images; ++i) {
    if (auto r = allocate_raid_slot(c, vg, lvn, i, true, per_image, *pvn, avoid, *policy); !r)
      return failed(fmt::format("Insufficient suitable allocatable extents for logical volume {}: {} more required",
                                lvn, (per_image + 1) * (images - have)));
    k->images.push_back(fmt::format("{}_rimage_{}", lvn, i));
    k->metas.push_back(fmt::format("{}_rmeta_{}", lvn, i));
    added.push_back(i);
  }
  k->device_count = images;
  segtypes::set_raid_keys(vg.find_lv(lvn)->segments[0], *k);
  std::vector<std::string> metas;
  for (auto i : added) metas.push_back(k->metas[i]);
  if (!c.test_mode())
    if (auto r = clear_raid_sub_lvs(c, vg, metas, {}, false); !r) return r;
  return commit_and_reload(c, old, std::move(vg), lvn, {}, {}, &*k, added, set_device_count(c, old, kept_metas, images));
}

// --type raid1 [-m N] of a linear LV.
Outcome<void> from_linear(Cmd& c, const VolumeGroup& old, const std::string& lvn, unsigned images) {
  VolumeGroup vg = old;
  LogicalVolume* lv = vg.find_lv(lvn);
  if (yes_no(c, fmt::format("Are you sure you want to convert linear LV {} to raid1 type with {} images enhancing "
                            "resilience? [y/n]: ",
                            display_lvname(vg, lvn), images)) == 'n')
    return declined(vg, lvn);
  const extent_t extents = lv->extent_count();
  auto policy = policy_of(c, vg, lv);
  if (!policy) return std::unexpected(policy.error());
  LogicalVolume img0 = new_lv(fmt::format("{}_rimage_0", lvn));
  img0.status.remove("VISIBLE");
  img0.segments = lv->segments;
  lv->segments.clear();  // its extents are image 0's now
  vg.lvs.push_back(img0);
  std::vector<std::string> avoid = pvs_of(vg, img0.name);
  // _rmeta_0 beside image 0 when there is room, else anywhere.
  LogicalVolume meta0 = new_lv(fmt::format("{}_rmeta_0", lvn));
  meta0.status.remove("VISIBLE");
  auto s = alloc::allocate(vg, nullptr, {.extents = 1, .stripes = 1, .policy = *policy, .pv_names = avoid,
                                         .lv_name = meta0.name});
  if (!s) s = alloc::allocate(vg, nullptr, {.extents = 1, .stripes = 1, .policy = *policy, .lv_name = meta0.name});
  if (!s) return failed(fmt::format("Insufficient suitable allocatable extents for logical volume {}: 1 more required", lvn));
  meta0.segments = *s;
  vg.lvs.push_back(meta0);
  for (const auto& p : pvs_of(vg, meta0.name)) avoid.push_back(p);
  segtypes::RaidKeys k;
  k.type = "raid1";
  k.region_size = segtypes::default_raid_region_size(extents * vg.extent_size);
  k.images = {img0.name};
  k.metas = {meta0.name};
  std::vector<std::size_t> added;
  for (unsigned i = 1; i < images; ++i) {
    if (auto r = allocate_raid_slot(c, vg, lvn, i, true, extents, {}, avoid, *policy); !r)
      return failed(fmt::format("Insufficient suitable allocatable extents for logical volume {}: {} more required",
                                lvn, (extents + 1) * (images - 1)));
    k.images.push_back(fmt::format("{}_rimage_{}", lvn, i));
    k.metas.push_back(fmt::format("{}_rmeta_{}", lvn, i));
    added.push_back(i);
  }
  k.device_count = images;
  Segment seg;
  seg.extent_count = extents;
  segtypes::set_raid_keys(seg, k);
  vg.find_lv(lvn)->segments = {seg};
  std::vector<std::string> metas = k.metas;
  if (!c.test_mode())
    if (auto r = clear_raid_sub_lvs(c, vg, metas, {}, false); !r) return r;
  return commit_and_reload(c, old, std::move(vg), lvn, {}, {}, &k, added);
}

Outcome<void> repair(Cmd& c, const VolumeGroup& old, const std::string& lvn) {
  VolumeGroup vg = old;
  c.flag_missing_pvs(vg);
  const LogicalVolume* lv = vg.find_lv(lvn);
  auto k = segtypes::raid_keys(lv->segments[0]);
  if (!k) return failed(k.error().message);
  const auto paths = c.pv_paths(vg.name);
  activate::Driver* d = c.driver(false);
  std::optional<RaidStatus> st;
  if (d) {
    auto s = raid_status(*d, vg, *lv);
    if (!s) return failed(s.error().message);
    st = *s;
  }
  if (!st) return failed(fmt::format("{} must be active to perform this operation.", display_lvname(vg, lvn)));
  std::vector<std::size_t> bad;
  for (std::size_t i = 0; i < k->images.size(); ++i) {
    bool missing = false;
    for (const auto& n : {k->images[i], k->metas[i]})
      for (const auto& p : pvs_of(vg, n))
        if (!paths.contains(p)) missing = true;
    if (missing || (i < st->health.size() && (st->health[i] == 'D' || st->health[i] == '-'))) bad.push_back(i);
  }
  // lvm2 asks before it looks at the images, and a "no" is no error.
  if (yes_no(c, "Attempt to replace failed RAID images (requires full device resync)? [y/n]: ") == 'n') return {};
  if (bad.empty()) {
    c.say(fmt::format("{} does not contain devices specified to replace.", display_lvname(vg, lvn)));
    c.say(fmt::format("Faulty devices in {} successfully replaced.", display_lvname(vg, lvn)));
    return {};
  }
  // What the set can lose and still be rebuilt from the rest.
  const std::size_t can_lose = k->type == "raid1"                ? k->images.size() - 1
                               : k->type.starts_with("raid10") ? 1
                                                               : segtypes::raid_parity_devs(k->type);
  if (bad.size() > can_lose)
    return failed(fmt::format("Unable to replace more than {} PVs from ({}) {}.\n  Failed to replace faulty devices in {}.",
                              can_lose, k->type, display_lvname(vg, lvn), display_lvname(vg, lvn)));
  // New pairs avoid every PV the LV uses, failed ones included.
  std::vector<std::string> avoid;
  for (std::size_t i = 0; i < k->images.size(); ++i)
    for (const auto& n : {k->images[i], k->metas[i]})
      for (const auto& p : pvs_of(vg, n)) avoid.push_back(p);
  std::vector<std::string> gone;
  for (auto i : bad) {
    gone.push_back(k->images[i]);
    if (!k->metas[i].empty()) gone.push_back(k->metas[i]);
  }
  std::erase_if(vg.lvs, [&](const LogicalVolume& x) { return std::find(gone.begin(), gone.end(), x.name) != gone.end(); });
  const extent_t per_image = lv->segments[0].extent_count / std::max<std::uint64_t>(1, segtypes::raid_data_stripes(*k));
  auto policy = policy_of(c, vg, nullptr);
  if (!policy) return std::unexpected(policy.error());
  const bool with_meta = !k->metas[bad[0]].empty();
  // Not enough free extents at all on the PVs a new image may use: lvm2's
  // count of them, before it tries to place anything.
  const extent_t needed = (per_image + (with_meta ? 1 : 0)) * bad.size();
  extent_t available = 0;
  for (const auto& pv : vg.pvs)
    if (pv.status.has("ALLOCATABLE") && paths.contains(pv.name) &&
        std::find(avoid.begin(), avoid.end(), pv.name) == avoid.end())
      available += pv_free_extents(vg, pv);
  if (available < needed)
    return failed(fmt::format("Insufficient free space: {} extents needed, but only {} available\n  "
                              "Failed to replace faulty devices in {}.",
                              needed, available, display_lvname(vg, lvn)));
  for (auto i : bad)
    if (auto r = allocate_raid_slot(c, vg, lvn, i, with_meta, per_image, {}, avoid, *policy); !r)
      return failed(fmt::format("Insufficient suitable allocatable extents for logical volume {}: {} more required\n  "
                                "Failed to replace faulty devices in {}.",
                                lvn, (per_image + 1) * bad.size(), display_lvname(vg, lvn)));
  std::vector<std::string> metas;
  for (auto i : bad)
    if (!k->metas[i].empty()) metas.push_back(k->metas[i]);
  if (!c.test_mode())
    if (auto r = clear_raid_sub_lvs(c, vg, metas, {}, false); !r) return r;
  if (auto r = commit_and_reload(c, old, std::move(vg), lvn, gone, gone, &*k, bad); !r) return r;
  c.say(fmt::format("Faulty devices in {} successfully replaced.", display_lvname(old, lvn)));
  return {};
}

}  // namespace

std::optional<Outcome<void>> lvconvert_raid(Cmd& c) {
  const bool repair_it = c.cl().has("repair");
  const auto type = c.cl().get("type");
  const bool to_raid1 = type && segtypes::canonical_raid_type(*type) == "raid1";
  if (!repair_it && !c.cl().has("mirrors") && !to_raid1) return std::nullopt;
  if (type && !to_raid1) return std::nullopt;  // --type mirror and the like
  if (c.cl().args.empty()) return failed("Please specify a logical volume path.", EXIT_INVALID);
  unsigned images = 2;
  if (auto m = c.cl().get("mirrors")) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(m->data(), m->data() + m->size(), v);
    if (m->empty() || ec != std::errc() || end != m->data() + m->size() || v > 9)
      return failed(fmt::format("Invalid argument for --mirrors: {}", *m), EXIT_INVALID);
    images = v + 1;
  }
  if (auto r = c.open(true); !r) return r;
  auto [vgn, lvn] = split_lv_path(c.cl().args[0]);
  if (vgn.empty()) return failed(fmt::format("Cannot find VG name for LV {}.", lvn));
  auto old = c.vg(vgn);
  if (!old) return std::unexpected(old.error());
  if (repair_it) {
    // lvm2 reads the VG again for the repair, which names the missing PVs once more.
    const auto found = c.pv_paths(vgn);
    for (const auto& pv : old->pvs)
      if (!found.contains(pv.name)) c.warn(fmt::format("WARNING: Couldn't find device with uuid {}.", format_id(pv.id)));
  }
  const LogicalVolume* lv = old->find_lv(lvn);
  if (!lv) return failed(fmt::format("Failed to find logical volume \"{}/{}\"", vgn, lvn));
  const bool raid = segtypes::lv_is_raid(*lv);
  const bool linear = lv->segments.size() >= 1 &&
                      std::all_of(lv->segments.begin(), lv->segments.end(),
                                  [](const Segment& s) { return s.type == "striped" && s.stripes.size() == 1; });
  if (repair_it) {
    if (!raid || segtypes::is_raid0_type(lv->segments[0].type)) return std::optional<Outcome<void>>(not_permitted(vgn, *lv));
    return repair(c, *old, lvn);
  }
  if (!(raid && lv->segments[0].type == "raid1") && !linear) return std::optional<Outcome<void>>(not_permitted(vgn, *lv));
  if (!c.is_active(*old, *lv)) return failed(fmt::format("{}/{} must be active to perform this operation.", vgn, lvn));
  Outcome<void> r = raid ? change_images(c, *old, lvn, images)
                         : (images < 2 ? failed(fmt::format("Logical volume {}/{} is already linear.", vgn, lvn))
                                       : from_linear(c, *old, lvn, images));
  if (!r) return r;
  c.say(fmt::format("Logical volume {}/{} successfully converted.", vgn, lvn));
  return r;
}

}  // namespace udm::lvm::api::detail
