// What a handler does when its type has nothing to say: no table line, no
// areas, the type word as its report name.
#include <fmt/format.h>

#include "lvm/segtypes/segment_type.hpp"

namespace udm::lvm::segtypes {

Result<TargetLine> SegmentType::target_line(const TableContext& ctx, const Segment& seg) const {
  return fail(EOPNOTSUPP, fmt::format("Cannot activate {}/{}: segment type {} is not supported", ctx.vg.name,
                                      ctx.lv.name, seg.type));
}

SegmentReport SegmentType::report(const Segment& seg) const {
  SegmentReport r;
  r.segtype = seg.type;
  r.stripe_size = seg.stripe_size;
  return r;
}

std::string SegmentType::pv_display_lines(const VolumeGroup& vg, const LogicalVolume& lv, const Segment& seg) const {
  return fmt::format("    Logical volume\t/dev/{}/{}\n    Logical extents\t{} to {}\n", vg.name, lv.name,
                     seg.start_extent, seg.start_extent + seg.extent_count - 1);
}

std::string SegmentType::display_lines(const DisplayContext& ctx, const Segment& seg) const {
  (void)ctx;
  (void)seg;
  return {};
}

std::vector<AreaUse> SegmentType::pv_areas(const VolumeGroup& vg, const Segment& seg) const {
  (void)vg;
  (void)seg;
  return {};
}

void SegmentType::validate(const VolumeGroup& vg, const Segment& seg, const std::function<std::string()>& who,
                           std::vector<std::string>& out) const {
  (void)vg;
  (void)seg;
  (void)who;
  (void)out;
}

std::string lv_layout(const LogicalVolume& lv) {
  if (lv.segments.empty()) return "";
  const Segment* best = &lv.segments.front();
  const SegmentType* best_type = &segment_type_of(*best);
  for (const auto& s : lv.segments) {
    const SegmentType& t = segment_type_of(s);
    if (t.layout_rank() > best_type->layout_rank()) {
      best = &s;
      best_type = &t;
    }
  }
  const std::string_view l = best_type->layout();
  return l.empty() ? best->type : std::string(l);
}

bool lv_has_virtual_segment(const LogicalVolume& lv) {
  for (const auto& s : lv.segments)
    if (segment_type_of(s).has(SEG_VIRTUAL)) return true;
  return false;
}

}  // namespace udm::lvm::segtypes
