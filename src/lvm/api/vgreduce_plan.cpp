// vgreduce --removemissing's VG edits (see vgreduce_plan.hpp).
#include "lvm/api/vgreduce_plan.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "lvm/api/lvconvert_mirror_plan.hpp"
#include "lvm/segtypes/mirror.hpp"
#include "lvm/segtypes/raid_keys.hpp"
#include "lvm/segtypes/segment_type.hpp"
#include "lvm/segtypes/type_names.hpp"

namespace udm::lvm::api::detail {
namespace {

// Every string of a kept value (area lists, mirror_log, pool names, ...).
void strings_of(const ConfigValue& v, std::vector<std::string>& out) {
  if (v.is_string()) out.push_back(v.text);
  for (const auto& e : v.array) strings_of(e, out);
}
void strings_of(const ConfigNode& n, std::vector<std::string>& out) {
  if (!n.is_section) strings_of(n.value, out);
  for (const auto& c : n.children) strings_of(c, out);
}

// Whether LV `lv` has an area on a missing PV itself (not through a sub-LV).
bool on_missing_pv(const VolumeGroup& vg, const LogicalVolume& lv, const std::set<std::string>& missing) {
  for (const auto& s : lv.segments) {
    for (const auto& a : s.stripes)
      if (missing.contains(a.name) && vg.find_pv(a.name)) return true;
    for (const auto& u : segtypes::segment_type_of(s).pv_areas(vg, s))
      if (missing.contains(u.area.name)) return true;
  }
  return false;
}

// The LVs `lv`'s segments name: areas, logs, raid metadata, pools, COWs.
std::vector<std::string> dependencies(const VolumeGroup& vg, const LogicalVolume& lv) {
  std::vector<std::string> names;
  for (const auto& s : lv.segments) {
    for (const auto& a : s.stripes) names.push_back(a.name);
    for (const auto& u : s.unknown) strings_of(u, names);
    if (auto co = segtypes::segment_type_of(s).cow_and_origin(s)) {
      names.push_back(co->first);
      names.push_back(co->second);
    }
  }
  std::erase_if(names, [&](const std::string& n) { return n == lv.name || !vg.find_lv(n) || vg.find_pv(n); });
  return names;
}

bool is_partial(const std::vector<std::string>& partial, const std::string& lv) {
  return std::find(partial.begin(), partial.end(), lv) != partial.end();
}

// lvm2's replace_lv_with_error_segment.
void make_error_lv(LogicalVolume& lv) {
  const extent_t len = std::max<extent_t>(lv.extent_count(), 1);
  Segment s;
  s.start_extent = 0;
  s.extent_count = len;
  s.type = std::string(segtypes::ERROR);
  lv.segments = {s};
  for (const char* f : {"MIRROR", "MIRRORED", "PVMOVE", "LOCKED"}) lv.status.remove(f);
}

}  // namespace

std::vector<std::string> partial_lvs(const VolumeGroup& vg, const std::set<std::string>& missing) {
  std::vector<bool> partial(vg.lvs.size(), false);
  std::vector<std::vector<std::size_t>> deps(vg.lvs.size());
  std::map<std::string, std::size_t, std::less<>> at;
  for (std::size_t i = 0; i < vg.lvs.size(); ++i) at[vg.lvs[i].name] = i;
  for (std::size_t i = 0; i < vg.lvs.size(); ++i) {
    partial[i] = on_missing_pv(vg, vg.lvs[i], missing);
    for (const auto& d : dependencies(vg, vg.lvs[i])) deps[i].push_back(at[d]);
  }
  // Transitively: an LV over a partial LV is partial (a VG is small; a
  // fixed point in passes over it is enough).
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < vg.lvs.size(); ++i)
      if (!partial[i] && std::any_of(deps[i].begin(), deps[i].end(), [&](std::size_t d) { return partial[d]; }))
        partial[i] = changed = true;
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < vg.lvs.size(); ++i)
    if (partial[i]) out.push_back(vg.lvs[i].name);
  return out;
}

MissingStep next_missing_fix(const VolumeGroup& vg, const std::set<std::string>& missing, bool mirrors_only) {
  MissingStep step;
  const auto partial = partial_lvs(vg, missing);
  for (const auto& lv : vg.lvs) {
    if (!is_partial(partial, lv.name)) continue;
    if (!lv.segments.empty() && segtypes::is_raid_segment(lv.segments.front())) {
      step.fix = MissingFix::raid_errors;
    } else if (segtypes::lv_is_mirror(lv)) {
      step.fix = MissingFix::mirror_images;
    } else if (mirrors_only) {
      step.refused.push_back(lv.name);
      continue;
    } else if (!lv_is_visible(vg, lv)) {
      continue;
    } else {
      step.fix = MissingFix::remove_lv;
    }
    step.lv = lv.name;
    return step;
  }
  return step;
}

Result<void> raid_remove_missing(VolumeGroup& vg, const std::string& lvn, const std::set<std::string>& missing) {
  const LogicalVolume* lv = vg.find_lv(lvn);
  if (!lv || lv->segments.empty()) return fail(ENOENT, fmt::format("Failed to find logical volume \"{}/{}\"", vg.name, lvn));
  auto k = segtypes::raid_keys(lv->segments.front());
  if (!k) return fail(k.error());
  const auto partial = partial_lvs(vg, missing);
  if (!is_partial(partial, lvn)) return fail(EINVAL, fmt::format("Internal error: {}/{} is not a partial LV.", vg.name, lvn));
  bool changed = false;
  for (std::size_t s = 0; s < k->images.size(); ++s) {
    const std::string meta = s < k->metas.size() ? k->metas[s] : std::string();
    if (!is_partial(partial, k->images[s]) && (meta.empty() || !is_partial(partial, meta))) continue;
    for (const std::string& n : {k->images[s], meta}) {
      if (n.empty()) continue;
      LogicalVolume* sub = vg.find_lv(n);
      if (!sub) return fail(ENOENT, fmt::format("RAID LV {}/{} is missing its sub-LV {}.", vg.name, lvn, n));
      make_error_lv(*sub);
      changed = true;
    }
  }
  // lvm2 would start over on the same LV for ever; say what is wrong instead.
  if (!changed)
    return fail(EINVAL, fmt::format("Failed to remove the missing devices of {}/{}: no image or metadata of it is partial.",
                                    vg.name, lvn));
  return {};
}

Result<MirrorMissingFix> mirror_remove_missing(VolumeGroup& vg, const std::string& lvn,
                                               const std::set<std::string>& missing) {
  auto parts = mirror_parts(vg, lvn);
  if (!parts) return fail(parts.error());
  const auto partial = partial_lvs(vg, missing);
  std::vector<std::string> failed;
  for (const auto& i : parts->images)
    if (is_partial(partial, i)) failed.push_back(i);
  MirrorMissingFix out;
  if (failed.size() == parts->images.size()) {
    out.no_images_left = true;
    return out;
  }
  const bool log_failed = !parts->log.empty() && is_partial(partial, parts->log);
  const bool logs_left = !parts->log.empty() && !log_failed;
  if (failed.empty() && !log_failed)
    return fail(EINVAL, fmt::format("Failed to remove the missing devices of {}/{}: no image or log of it is partial.",
                                    vg.name, lvn));
  auto gone = remove_mirror_images(vg, lvn, failed, !logs_left);
  if (!gone) return fail(gone.error());
  out.gone = std::move(*gone);
  return out;
}

void renumber_pvs(VolumeGroup& vg) {
  std::map<std::string, std::string> to;
  for (std::size_t i = 0; i < vg.pvs.size(); ++i) {
    std::string n = "pv" + std::to_string(i);
    if (vg.pvs[i].name != n) to[vg.pvs[i].name] = n;
  }
  if (to.empty()) return;
  for (auto& pv : vg.pvs)
    if (auto it = to.find(pv.name); it != to.end()) pv.name = it->second;
  // Area names that are PV names (lvm2 looks a name up among the PVs first).
  auto rename = [&](std::string& s) {
    if (auto it = to.find(s); it != to.end()) s = it->second;
  };
  for (auto& lv : vg.lvs)
    for (auto& seg : lv.segments) {
      for (auto& a : seg.stripes) rename(a.name);
      for (auto& u : seg.unknown)
        if (!u.is_section && u.value.is_array() && segtypes::is_area_list_key(u.key))
          for (auto& e : u.value.array)
            if (e.is_string()) rename(e.text);
    }
}

}  // namespace udm::lvm::api::detail
