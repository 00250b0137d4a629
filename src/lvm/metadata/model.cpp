// Lookups and the PV extent map over the VG model.
#include <algorithm>
#include <ctime>
#include <string_view>
#include <unordered_map>

#include "lvm/metadata/model.hpp"

namespace udm::lvm {

extent_t LogicalVolume::extent_count() const {
  extent_t n = 0;
  for (const auto& s : segments) n += s.extent_count;
  return n;
}

const PhysicalVolume* VolumeGroup::find_pv(std::string_view pv_name) const {
  for (const auto& pv : pvs)
    if (pv.name == pv_name) return &pv;
  return nullptr;
}
PhysicalVolume* VolumeGroup::find_pv(std::string_view pv_name) {
  for (auto& pv : pvs)
    if (pv.name == pv_name) return &pv;
  return nullptr;
}
const PhysicalVolume* VolumeGroup::find_pv_by_id(std::string_view raw_id) const {
  for (const auto& pv : pvs)
    if (pv.id == raw_id) return &pv;
  return nullptr;
}
const LogicalVolume* VolumeGroup::find_lv(std::string_view lv_name) const {
  for (const auto& lv : lvs)
    if (lv.name == lv_name) return &lv;
  return nullptr;
}
LogicalVolume* VolumeGroup::find_lv(std::string_view lv_name) {
  for (auto& lv : lvs)
    if (lv.name == lv_name) return &lv;
  return nullptr;
}

std::string VolumeGroup::next_pv_name() const {
  for (std::size_t n = pvs.size();; ++n) {
    std::string name = "pv" + std::to_string(n);
    if (!find_pv(name)) return name;
  }
}

namespace {
const ConfigNode* find_key(const Segment& seg, std::string_view key) {
  for (const auto& n : seg.unknown)
    if (n.key == key && !n.is_section && n.value.is_string()) return &n;
  return nullptr;
}
}  // namespace

bool lv_is_visible(const VolumeGroup& vg, const LogicalVolume& lv) {
  for (const auto& seg : lv.segments)
    if (seg.type == "snapshot") return false;
  for (const auto& other : vg.lvs)
    for (const auto& seg : other.segments) {
      if (seg.type != "snapshot") continue;
      const ConfigNode* cow = find_key(seg, "cow_store");
      if (!cow) cow = find_key(seg, "merging_store");
      const ConfigNode* origin = find_key(seg, "origin");
      if (cow && cow->value.text == lv.name) {
        const LogicalVolume* o = origin ? vg.find_lv(origin->value.text) : nullptr;
        return o && o->status.has("VISIBLE");
      }
    }
  return lv.status.has("VISIBLE");
}

std::vector<bool> lv_visibility(const VolumeGroup& vg) {
  // The first snapshot segment naming each COW LV, as lv_is_visible finds it.
  std::unordered_map<std::string_view, const Segment*> snapshot_of_cow;
  std::unordered_map<std::string_view, const LogicalVolume*> by_name;
  for (const auto& lv : vg.lvs) {
    by_name.emplace(lv.name, &lv);
    for (const auto& seg : lv.segments) {
      if (seg.type != "snapshot") continue;
      const ConfigNode* cow = find_key(seg, "cow_store");
      if (!cow) cow = find_key(seg, "merging_store");
      if (cow) snapshot_of_cow.emplace(cow->value.text, &seg);
    }
  }
  std::vector<bool> out;
  out.reserve(vg.lvs.size());
  for (const auto& lv : vg.lvs) {
    bool visible = lv.status.has("VISIBLE");
    if (std::any_of(lv.segments.begin(), lv.segments.end(), [](const Segment& s) { return s.type == "snapshot"; })) {
      visible = false;
    } else if (auto it = snapshot_of_cow.find(lv.name); it != snapshot_of_cow.end()) {
      const ConfigNode* origin = find_key(*it->second, "origin");
      auto o = origin ? by_name.find(origin->value.text) : by_name.end();
      visible = o != by_name.end() && o->second->status.has("VISIBLE");
    }
    out.push_back(visible);
  }
  return out;
}

namespace {
// PV areas of a mirror segment written by pvmove: mirrors = ["pv0", 0, "pv2", 2].
std::vector<SegmentArea> mirror_pv_areas(const VolumeGroup& vg, const Segment& seg) {
  std::vector<SegmentArea> out;
  for (const auto& node : seg.unknown) {
    if (node.key != "mirrors" || !node.value.is_array()) continue;
    const auto& a = node.value.array;
    for (std::size_t i = 0; i + 1 < a.size(); i += 2)
      if (a[i].is_string() && a[i + 1].is_int() && vg.find_pv(a[i].text))
        out.push_back({a[i].text, static_cast<extent_t>(a[i + 1].integer)});
  }
  return out;
}
}  // namespace

std::vector<PvExtentUse> pv_extent_map(const VolumeGroup& vg) {
  std::vector<PvExtentUse> out;
  for (const auto& lv : vg.lvs) {
    for (std::size_t si = 0; si < lv.segments.size(); ++si) {
      const Segment& seg = lv.segments[si];
      if (seg.is_striped()) {
        for (std::size_t ai = 0; ai < seg.stripes.size(); ++ai) {
          const auto& area = seg.stripes[ai];
          if (!vg.find_pv(area.name)) continue;
          out.push_back({area.name, area.start, seg.area_extents(), lv.name, si, ai});
        }
      } else if (seg.type == "mirror") {
        auto areas = mirror_pv_areas(vg, seg);
        for (std::size_t ai = 0; ai < areas.size(); ++ai)
          out.push_back({areas[ai].name, areas[ai].start, seg.extent_count, lv.name, si, ai});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const PvExtentUse& a, const PvExtentUse& b) {
    return a.pv_name != b.pv_name ? a.pv_name < b.pv_name : a.pe_start < b.pe_start;
  });
  return out;
}

extent_t pv_free_extents(const VolumeGroup& vg, const PhysicalVolume& pv) {
  extent_t used = 0;
  for (const auto& u : pv_extent_map(vg))
    if (u.pv_name == pv.name) used += u.pe_count;
  return used >= pv.pe_count ? 0 : pv.pe_count - used;
}

std::string lvm_time_text(std::int64_t unix_seconds) {
  std::time_t tt = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %z", &tm);
  return buf;
}

}  // namespace udm::lvm
