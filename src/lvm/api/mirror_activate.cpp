// Cpy%Sync of mirror and pvmove LVs from the mirror target's status, as
// lvm2's copy_percent computes it: each mirror segment counts the extents
// its status says are in sync (area_len * in_sync / regions, rounded down),
// a pvmove segment that runs linear counts what its metadata says
// (extents_moved), any other segment counts whole.
#include "lvm/api/mirror_activate.hpp"

#include "lvm/api/progress.hpp"
#include "lvm/segtypes/mirror.hpp"

namespace udm::lvm::api::detail {

std::optional<std::vector<extent_t>> mirror_extents_copied(activate::Driver& d, const VolumeGroup& vg,
                                                           const LogicalVolume& lv) {
  auto st = d.status(dm_device_uuid(vg.id, lv.id));
  if (!st || st->size() != lv.segments.size()) return std::nullopt;
  std::vector<extent_t> out;
  for (std::size_t i = 0; i < lv.segments.size(); ++i) {
    const Segment& seg = lv.segments[i];
    const auto& line = (*st)[i];
    if (!segtypes::is_mirror_segment(seg)) {
      out.push_back(seg.extent_count);
      continue;
    }
    auto k = segtypes::mirror_keys(seg);
    if (line.type == "mirror") {
      auto s = segtypes::parse_mirror_status(line.params);
      if (!s) return std::nullopt;
      out.push_back(seg.extent_count * s->in_sync / s->regions);
    } else {
      out.push_back(k ? k->extents_moved.value_or(0) : 0);
    }
  }
  return out;
}

std::int64_t mirror_copy_percent(const LogicalVolume& lv, const std::vector<extent_t>& copied) {
  std::uint64_t num = 0, den = 0;
  for (std::size_t i = 0; i < lv.segments.size(); ++i) {
    const Segment& seg = lv.segments[i];
    den += seg.extent_count;
    auto k = segtypes::is_mirror_segment(seg) ? segtypes::mirror_keys(seg) : Result<segtypes::MirrorKeys>(fail(EINVAL, ""));
    if (k && k->mirrors.size() > 1) num += i < copied.size() ? std::min(copied[i], seg.extent_count) : 0;
    else num += seg.extent_count;
  }
  return make_percent(num, den);
}

void mirror_report_states(activate::Driver& d, const VolumeGroup& vg, std::vector<report::LvState>& states) {
  for (std::size_t i = 0; i < vg.lvs.size() && i < states.size(); ++i) {
    const LogicalVolume& lv = vg.lvs[i];
    if (states[i].active != report::Tri::yes) continue;
    if (!segtypes::lv_is_mirror(lv) && !segtypes::lv_is_pvmove(lv)) continue;
    auto copied = mirror_extents_copied(d, vg, lv);
    if (!copied) continue;
    states[i].copy_percent = display_percent(mirror_copy_percent(lv, *copied));
  }
}

}  // namespace udm::lvm::api::detail
