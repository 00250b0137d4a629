// Lookups and the PV extent map over the VG model.
#include <algorithm>
#include <ctime>
#include <string_view>
#include <unordered_map>

#include "lvm/metadata/model.hpp"
#include "lvm/segtypes/segment_type.hpp"
#include "lvm/segtypes/snapshot.hpp"
#include "lvm/segtypes/segment_keys.hpp"
#include "lvm/segtypes/thin_keys.hpp"

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
  if (const VgIndex* ix = vg_index(*this)) {
    auto it = ix->by_name.find(lv_name);
    return it == ix->by_name.end() ? nullptr : &lvs[it->second];
  }
  for (const auto& lv : lvs)
    if (lv.name == lv_name) return &lv;
  return nullptr;
}
LogicalVolume* VolumeGroup::find_lv(std::string_view lv_name) {
  if (const VgIndex* ix = vg_index(*this)) {
    auto it = ix->by_name.find(lv_name);
    return it == ix->by_name.end() ? nullptr : &lvs[it->second];
  }
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

bool Segment::is_striped() const { return segtypes::segment_type_of(*this).has(segtypes::SEG_AREAS_STRIPED); }

namespace {
bool hides_lv(const LogicalVolume& lv) {
  return std::any_of(lv.segments.begin(), lv.segments.end(),
                     [](const Segment& s) { return segtypes::segment_type_of(s).has(segtypes::SEG_HIDES_LV); });
}
}  // namespace

bool lv_is_visible(const VolumeGroup& vg, const LogicalVolume& lv) {
  if (const VgIndex* ix = vg_index(vg))
    if (std::size_t at = ix->position(lv); at != std::string_view::npos) return ix->visible[at];
  if (hides_lv(lv)) return false;
  for (const auto& other : vg.lvs)
    for (const auto& seg : other.segments) {
      auto co = segtypes::segment_type_of(seg).cow_and_origin(seg);
      if (co && co->first == lv.name) {
        const LogicalVolume* o = vg.find_lv(co->second);
        return o && o->status.has("VISIBLE");
      }
    }
  return lv.status.has("VISIBLE");
}

std::vector<bool> lv_visibility(const VolumeGroup& vg) {
  if (const VgIndex* ix = vg_index(vg)) return ix->visible;
  // The origin named by the first snapshot segment naming each COW LV, as
  // lv_is_visible finds it.
  std::unordered_map<std::string, std::string> origin_of_cow;
  for (const auto& lv : vg.lvs)
    for (const auto& seg : lv.segments)
      if (auto co = segtypes::segment_type_of(seg).cow_and_origin(seg)) origin_of_cow.emplace(co->first, co->second);
  std::unordered_map<std::string_view, const LogicalVolume*> by_name;  // only needed with snapshots
  if (!origin_of_cow.empty()) {
    by_name.reserve(vg.lvs.size());
    for (const auto& lv : vg.lvs) by_name.emplace(lv.name, &lv);
  }
  std::vector<bool> out;
  out.reserve(vg.lvs.size());
  for (const auto& lv : vg.lvs) {
    bool visible = lv.status.has("VISIBLE");
    if (hides_lv(lv)) {
      visible = false;
    } else if (!origin_of_cow.empty()) {
      if (auto it = origin_of_cow.find(lv.name); it != origin_of_cow.end()) {
        auto o = by_name.find(it->second);
        visible = o != by_name.end() && o->second->status.has("VISIBLE");
      }
    }
    out.push_back(visible);
  }
  return out;
}

// ---------------------------------------------------------------- index

namespace {
// The scopes alive on this thread, innermost last (a command reads few VGs).
thread_local std::vector<const VgIndex*> active_indexes;
}  // namespace

VgIndex::VgIndex(const VolumeGroup& v) : vg(&v), visible(lv_visibility(v)) {
  by_name.reserve(v.lvs.size());
  for (std::size_t i = 0; i < v.lvs.size(); ++i) {
    const LogicalVolume& lv = v.lvs[i];
    by_name.emplace(lv.name, i);
    if (segtypes::lv_is_thin_pool(lv)) thin_pools.push_back(i);
    if (segtypes::lv_is_thin_volume(lv))
      if (const ConfigNode* e = segtypes::find_key(lv.segments[0], "external_origin"); e && e->value.is_string())
        external_thins.push_back(i);
    if (segtypes::lv_is_snapshot_carrier(lv)) snapshot_lvs.push_back(i);  // merging ones too
  }
}

std::size_t VgIndex::position(const LogicalVolume& lv) const {
  if (vg->lvs.empty() || &lv < vg->lvs.data() || &lv >= vg->lvs.data() + vg->lvs.size()) return std::string_view::npos;
  return static_cast<std::size_t>(&lv - vg->lvs.data());
}

VgIndexScope::VgIndexScope(const VolumeGroup& vg) : index_(vg) { active_indexes.push_back(&index_); }
VgIndexScope::~VgIndexScope() { std::erase(active_indexes, &index_); }

const VgIndex* vg_index(const VolumeGroup& vg) {
  for (auto it = active_indexes.rbegin(); it != active_indexes.rend(); ++it)
    if ((*it)->vg == &vg) return *it;
  return nullptr;
}

std::vector<PvExtentUse> pv_extent_map(const VolumeGroup& vg) {
  std::vector<PvExtentUse> uses;
  uses.reserve(vg.lvs.size());
  for (const auto& lv : vg.lvs) {
    for (std::size_t si = 0; si < lv.segments.size(); ++si) {
      const Segment& seg = lv.segments[si];
      auto areas = segtypes::segment_type_of(seg).pv_areas(vg, seg);
      for (std::size_t ai = 0; ai < areas.size(); ++ai)
        uses.push_back({std::move(areas[ai].area.name), areas[ai].area.start, areas[ai].extents, lv.name, si, ai});
    }
  }
  // Sorted by (PV name, first PE). A VG has few PVs and many runs: rank the
  // names once and sort integer keys, not strings.
  std::vector<std::string_view> names;
  for (const auto& u : uses)
    if (names.empty() || names.back() != u.pv_name)
      if (std::find(names.begin(), names.end(), u.pv_name) == names.end()) names.push_back(u.pv_name);
  std::sort(names.begin(), names.end());
  struct Key {
    std::size_t rank;
    extent_t pe_start;
    std::size_t index;
  };
  std::vector<Key> keys;
  keys.reserve(uses.size());
  std::size_t last = 0;
  for (std::size_t i = 0; i < uses.size(); ++i) {
    if (names[last] != uses[i].pv_name)
      last = static_cast<std::size_t>(std::lower_bound(names.begin(), names.end(), uses[i].pv_name) - names.begin());
    keys.push_back({last, uses[i].pe_start, i});
  }
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    return a.rank != b.rank ? a.rank < b.rank : a.pe_start < b.pe_start;
  });
  std::vector<PvExtentUse> out;
  out.reserve(uses.size());
  for (const Key& k : keys) out.push_back(std::move(uses[k.index]));
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
