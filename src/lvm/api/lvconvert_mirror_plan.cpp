// The VG edits behind lvconvert of mirror LVs (see the header).
#include "lvm/api/lvconvert_mirror_plan.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "lvm/alloc/alloc.hpp"
#include "lvm/api/cmd.hpp"
#include "lvm/segtypes/mirror.hpp"

namespace udm::lvm::api::detail {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// The PVs an LV's extents are on.
std::vector<std::string> pvs_of(const VolumeGroup& vg, const std::string& lv_name) {
  std::vector<std::string> out;
  if (const LogicalVolume* lv = vg.find_lv(lv_name))
    for (const auto& s : lv->segments)
      for (const auto& a : s.stripes)
        if (vg.find_pv(a.name) && !contains(out, a.name)) out.push_back(a.name);
  return out;
}

// One past the highest N of the LVs named `<lv>_mimage_N` (lvm2's generate_lv_name).
unsigned next_image_number(const VolumeGroup& vg, const std::string& lvn) {
  const std::string prefix = lvn + "_mimage_";
  unsigned next = 0;
  for (const auto& x : vg.lvs) {
    if (!x.name.starts_with(prefix)) continue;
    unsigned n = 0;
    const char* b = x.name.data() + prefix.size();
    const char* e = x.name.data() + x.name.size();
    auto [p, ec] = std::from_chars(b, e, n);
    if (ec == std::errc() && p == e && b != e) next = std::max(next, n + 1);
  }
  return next;
}

void erase_lvs(VolumeGroup& vg, const std::vector<std::string>& names) {
  std::erase_if(vg.lvs, [&](const LogicalVolume& x) { return contains(names, x.name); });
}

}  // namespace

std::vector<MirrorShape> mirror_repair_attempts(MirrorShape want) {
  std::vector<MirrorShape> out;
  for (;;) {
    out.push_back(want);
    if (want.images > 2) --want.images;
    else if (want.logs > 0) --want.logs;
    else break;
  }
  return out;
}

Result<MirrorParts> mirror_parts(const VolumeGroup& vg, const std::string& lvn) {
  const LogicalVolume* lv = vg.find_lv(lvn);
  if (!lv || !segtypes::lv_is_mirror(*lv)) return fail(EINVAL, fmt::format("{}/{} is not a mirror", vg.name, lvn));
  if (lv->segments.size() != 1)
    return fail(EINVAL, fmt::format("Logical volume {}/{} has multiple mirror segments.", vg.name, lvn));
  auto k = segtypes::mirror_keys(lv->segments[0]);
  if (!k) return fail(k.error());
  MirrorParts p;
  for (const auto& a : k->mirrors) p.images.push_back(a.name);
  p.log = k->mirror_log.value_or("");
  p.region_size = k->region_size.value_or(segtypes::DEFAULT_MIRROR_REGION);
  return p;
}

Result<std::vector<std::string>> remove_mirror_images(VolumeGroup& vg, const std::string& lvn,
                                                      const std::vector<std::string>& drop, bool drop_log) {
  auto parts = mirror_parts(vg, lvn);
  if (!parts) return fail(parts.error());
  std::vector<std::string> keep, gone;
  for (const auto& i : parts->images) (contains(drop, i) ? gone : keep).push_back(i);
  if (keep.empty()) return fail(EINVAL, fmt::format("No usable images left in {}/{}.", vg.name, lvn));
  LogicalVolume* lv = vg.find_lv(lvn);
  if (keep.size() == 1) {
    // A linear LV on the last image's extents; the log goes with the mirror.
    const LogicalVolume* img = vg.find_lv(keep[0]);
    if (!img) return fail(EINVAL, fmt::format("{}/{} has no image {}", vg.name, lvn, keep[0]));
    lv->segments = img->segments;
    lv->status.remove("NOTSYNCED");
    lv->status.remove("CONVERTING");
    gone.push_back(keep[0]);
    drop_log = true;
  } else {
    auto k = segtypes::mirror_keys(lv->segments[0]);
    if (!k) return fail(k.error());
    std::erase_if(k->mirrors, [&](const SegmentArea& a) { return contains(gone, a.name); });
    k->mirror_count = k->mirrors.size();
    if (drop_log) k->mirror_log.reset();
    segtypes::set_mirror_keys(lv->segments[0], *k);
  }
  if (drop_log && !parts->log.empty()) {
    gone.push_back(parts->log);
    // A mirrored log's own images go with it.
    for (const auto& x : vg.lvs)
      if (x.name.starts_with(parts->log + "_mimage_")) gone.push_back(x.name);
  }
  erase_lvs(vg, gone);
  return gone;
}

Result<AddedMirror> add_mirror_images(VolumeGroup& vg, const std::string& lvn, MirrorShape want, sector_t region_size,
                                      AllocationPolicy policy, const std::vector<std::string>& usable) {
  LogicalVolume* lv = vg.find_lv(lvn);
  if (!lv) return fail(ENOENT, fmt::format("Failed to find logical volume \"{}/{}\"", vg.name, lvn));
  AddedMirror out;
  MirrorParts parts;
  extent_t extents = 0;
  if (segtypes::lv_is_mirror(*lv)) {
    auto p = mirror_parts(vg, lvn);
    if (!p) return fail(p.error());
    parts = *p;
    extents = lv->segments[0].extent_count;
  } else {
    extents = lv->extent_count();
    out.from_linear = true;
  }
  const unsigned have = out.from_linear ? 1u : static_cast<unsigned>(parts.images.size());
  if (want.images < have) return fail(EINVAL, "add_mirror_images: fewer images than the LV has");
  // The PVs the images are on: a new image may use none of them.
  std::vector<std::string> image_pvs;
  if (out.from_linear) image_pvs = pvs_of(vg, lvn);
  for (const auto& i : parts.images)
    for (const auto& p : pvs_of(vg, i)) image_pvs.push_back(p);
  VolumeGroup work = vg;
  std::vector<LogicalVolume> new_images;
  unsigned number = out.from_linear ? 1 : next_image_number(vg, lvn);
  for (unsigned n = have; n < want.images; ++n, ++number) {
    std::vector<std::string> pvs;
    for (const auto& p : usable)
      if (!contains(image_pvs, p)) pvs.push_back(p);
    LogicalVolume img = new_lv(fmt::format("{}_mimage_{}", lvn, number));
    img.status.remove("VISIBLE");
    Result<std::vector<Segment>> s = fail(ENOSPC, "");
    if (!pvs.empty()) s = alloc::allocate(work, nullptr, {.extents = extents, .stripes = 1, .policy = policy, .pv_names = pvs,
                                                          .lv_name = img.name});
    if (!s)
      return fail(ENOSPC, fmt::format("Insufficient suitable allocatable extents for logical volume : {} more required\n"
                                      "  Unable to allocate extents for mirror(s).",
                                      extents * (want.images - n)));
    img.segments = *s;
    work.lvs.push_back(img);
    for (const auto& p : pvs_of(work, img.name)) image_pvs.push_back(p);
    new_images.push_back(std::move(img));
  }
  LogicalVolume log;
  const bool add_log = want.logs > 0 && parts.log.empty();
  if (add_log) {
    // The PV of the smallest free space no image uses (the last one on a
    // tie), else the same among every usable PV.
    auto pick = [&](bool separate) -> std::string {
      std::string best;
      extent_t best_free = 0;
      for (const auto& pv : work.pvs) {
        if (!contains(usable, pv.name) || (separate && contains(image_pvs, pv.name))) continue;
        if (!pv.status.has("ALLOCATABLE")) continue;
        const extent_t f = pv_free_extents(work, pv);
        if (f == 0) continue;
        if (best.empty() || f <= best_free) {
          best = pv.name;
          best_free = f;
        }
      }
      return best;
    };
    std::string on = pick(true);
    if (on.empty()) on = pick(false);
    log = new_lv(lvn + "_mlog");
    log.status.remove("VISIBLE");
    Result<std::vector<Segment>> s = fail(ENOSPC, "");
    if (!on.empty()) s = alloc::allocate(work, nullptr, {.extents = 1, .stripes = 1, .policy = AllocationPolicy::anywhere,
                                                         .pv_names = {on}, .lv_name = log.name});
    if (!s)
      return fail(ENOSPC, "Insufficient suitable allocatable extents for logical volume : 1 more required\n"
                          "  Unable to allocate extents for mirror(s).");
    log.segments = *s;
    work.lvs.push_back(log);
  }
  // The new shape: lvm2 lists the new log, then the images (image 0, the
  // LV's old extents, first when it was linear).
  std::vector<std::string> added;
  for (const auto& i : new_images) added.push_back(i.name);
  if (add_log) added.push_back(log.name);
  erase_lvs(work, added);
  vg = std::move(work);
  segtypes::MirrorKeys k;
  if (out.from_linear) {
    LogicalVolume img0 = new_lv(lvn + "_mimage_0");
    img0.status.remove("VISIBLE");
    img0.segments = vg.find_lv(lvn)->segments;
    extent_t le = 0;
    for (auto& s : img0.segments) {
      s.start_extent = le;
      le += s.extent_count;
    }
    k.region_size = region_size;
    k.mirrors.push_back({img0.name, 0});
    if (add_log) vg.lvs.push_back(log);
    vg.lvs.push_back(std::move(img0));
  } else {
    auto old = segtypes::mirror_keys(vg.find_lv(lvn)->segments[0]);
    if (!old) return fail(old.error());
    k = *old;
    if (add_log) vg.lvs.push_back(log);
  }
  for (auto& i : new_images) {
    k.mirrors.push_back({i.name, 0});
    out.images.push_back(i.name);
    vg.lvs.push_back(std::move(i));
  }
  if (add_log) {
    k.mirror_log = log.name;
    out.log = log.name;
  }
  k.mirror_count = k.mirrors.size();
  Segment seg;
  seg.extent_count = extents;
  segtypes::set_mirror_keys(seg, k);
  vg.find_lv(lvn)->segments = {seg};
  return out;
}

}  // namespace udm::lvm::api::detail
