#include "lvm/segtypes/no_area.hpp"

namespace udm::lvm::segtypes {

Result<void> NoAreaVirtual::import_text(SegmentKeys& keys, Segment& seg) const {
  (void)keys;
  (void)seg;
  return {};
}

void NoAreaVirtual::export_text(SegmentWriter& w, const Segment& seg) const {
  (void)w;
  (void)seg;
}

Result<TargetLine> NoAreaVirtual::target_line(const TableContext& ctx, const Segment& seg) const {
  (void)ctx;
  (void)seg;
  return TargetLine{std::string(type_), {}};
}

std::vector<Segment> NoAreaVirtual::virtual_segments(extent_t start, extent_t extents) const {
  Segment s;
  s.start_extent = start;
  s.extent_count = extents;
  s.type = std::string(type_);
  return {s};
}

}  // namespace udm::lvm::segtypes
