// Structural validation of a VG: what real lvm2 refuses on read, plus what it
// silently accepts but must never be written (extents past the device).
#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_set>

#include "lvm/metadata/model.hpp"
#include "lvm/segtypes/segment_type.hpp"

namespace udm::lvm {

bool is_known_segment_type(std::string_view type) { return segtypes::is_known_type(type); }

namespace {

void check_flags(std::vector<std::string>& out, const std::string& who, const char* key, const FlagSet& f) {
  for (const auto& w : f.words())
    if (!is_known_flag(f.kind(), w)) out.push_back(who + ": unknown " + key + " flag " + (name_for_message(w) == w ? "'" + w + "'" : quote_for_message(w)));
}
// The status flags of an LV, naming it only when one is unknown.
template <class MakeWho>
void check_flags(std::vector<std::string>& out, const FlagSet& f, MakeWho make_who) {
  for (const auto& w : f.words())
    if (!is_known_flag(f.kind(), w)) {
      check_flags(out, make_who(), "status", f);
      return;
    }
}

void check_pvs(const VolumeGroup& vg, std::vector<std::string>& out) {
  std::set<std::string> names, ids;
  for (const auto& pv : vg.pvs) {
    const std::string who = "PV " + name_for_message(pv.name) + (pv.device.empty() ? "" : " (" + name_for_message(pv.device) + ")");
    if (!names.insert(pv.name).second) out.push_back(who + ": name used twice");
    if (!is_valid_raw_id(pv.id)) out.push_back(who + ": invalid id " + quote_for_message(pv.id));
    else if (!ids.insert(pv.id).second) out.push_back(who + ": id " + format_id(pv.id) + " used by two PVs");
    check_flags(out, who, "status", pv.status);
    if (vg.extent_size && pv.dev_size) {
      const unsigned __int128 end = static_cast<unsigned __int128>(pv.pe_count) * vg.extent_size + pv.pe_start;
      if (end > pv.dev_size)
        out.push_back(who + ": pe_start " + std::to_string(pv.pe_start) + " + " + std::to_string(pv.pe_count) +
                      " extents ends past dev_size " + std::to_string(pv.dev_size) + " sectors");
    }
  }
}

void check_segment(const VolumeGroup& vg, const LogicalVolume& lv, std::size_t index, extent_t expected_le,
                   std::vector<std::string>& out) {
  const Segment& seg = lv.segments[index];
  // Built only for a problem: most VGs have none, and this runs per segment.
  struct Who {
    const LogicalVolume& lv;
    std::size_t index;
    operator std::string() const { return "LV " + name_for_message(lv.name) + " segment " + std::to_string(index + 1); }
    std::string operator+(const std::string& s) const { return std::string(*this) + s; }
    std::string operator+(const char* s) const { return std::string(*this) + s; }
  } who{lv, index};
  if (seg.start_extent != expected_le)
    out.push_back(who + ": starts at LE " + std::to_string(seg.start_extent) + ", expected " +
                  std::to_string(expected_le));
  if (seg.extent_count == 0) out.push_back(who + ": extent_count is 0");
  if (!is_known_segment_type(seg.type)) out.push_back(who + ": unknown segment type " + quote_for_message(seg.type));
  segtypes::segment_type_of(seg).validate(vg, seg, [&] { return std::string(who); }, out);
}

void check_lvs(const VolumeGroup& vg, std::vector<std::string>& out) {
  std::unordered_set<std::string_view> names, ids;
  names.reserve(vg.lvs.size());
  ids.reserve(vg.lvs.size());
  for (const auto& lv : vg.lvs) {
    struct Who {  // built only for a problem
      const LogicalVolume& lv;
      operator std::string() const { return "LV " + name_for_message(lv.name); }
      std::string operator+(const std::string& s) const { return std::string(*this) + s; }
      std::string operator+(const char* s) const { return std::string(*this) + s; }
    } who{lv};
    if (auto r = check_lv_name(lv.name); !r) out.push_back(r.error().message);
    if (!names.insert(lv.name).second) out.push_back(who + ": name used twice");
    if (!is_valid_raw_id(lv.id)) out.push_back(who + ": invalid id " + quote_for_message(lv.id));
    else if (!ids.insert(lv.id).second) out.push_back(who + ": id " + format_id(lv.id) + " used twice");
    check_flags(out, lv.status, [&] { return std::string(who); });
    if (lv.segments.empty()) out.push_back(who + ": no segments");
    extent_t le = 0;
    for (std::size_t i = 0; i < lv.segments.size(); ++i) {
      check_segment(vg, lv, i, le, out);
      le = lv.segments[i].start_extent + lv.segments[i].extent_count;
    }
  }
}

void check_overlaps(const VolumeGroup& vg, std::vector<std::string>& out) {
  auto map = pv_extent_map(vg);
  for (std::size_t i = 1; i < map.size(); ++i) {
    const auto& a = map[i - 1];
    const auto& b = map[i];
    if (a.pv_name == b.pv_name && a.pe_start + a.pe_count > b.pe_start)
      out.push_back("PV " + name_for_message(b.pv_name) + ": extent " + std::to_string(b.pe_start) + " used by both LV " + name_for_message(a.lv_name) +
                    " segment " + std::to_string(a.segment_index + 1) + " and LV " + name_for_message(b.lv_name) + " segment " +
                    std::to_string(b.segment_index + 1));
  }
}

}  // namespace

std::vector<std::string> validation_problems(const VolumeGroup& vg) {
  std::vector<std::string> out;
  const std::string who = "VG " + name_for_message(vg.name);
  if (auto r = check_vg_name(vg.name); !r) out.push_back(r.error().message);
  if (!is_valid_raw_id(vg.id)) out.push_back(who + ": invalid id " + quote_for_message(vg.id));
  if (vg.format != "lvm2") out.push_back(who + ": format " + quote_for_message(vg.format) + " is not \"lvm2\"");
  if (vg.extent_size == 0) out.push_back(who + ": extent_size is 0");
  check_flags(out, who, "status", vg.status);
  if (vg.max_pv && vg.pvs.size() > vg.max_pv)
    out.push_back(who + ": " + std::to_string(vg.pvs.size()) + " PVs exceed max_pv " + std::to_string(vg.max_pv));
  if (vg.max_lv) {
    const auto visible = std::count_if(vg.lvs.begin(), vg.lvs.end(), [](const LogicalVolume& l) { return l.visible(); });
    if (static_cast<std::uint64_t>(visible) > vg.max_lv)
      out.push_back(who + ": " + std::to_string(visible) + " visible LVs exceed max_lv " + std::to_string(vg.max_lv));
  }
  check_pvs(vg, out);
  check_lvs(vg, out);
  check_overlaps(vg, out);
  return out;
}

Result<void> validate(const VolumeGroup& vg) {
  auto problems = validation_problems(vg);
  if (problems.empty()) return {};
  std::string msg;
  for (const auto& p : problems) msg += (msg.empty() ? "" : "; ") + p;
  return fail(EINVAL, msg);
}

}  // namespace udm::lvm
