// What linear and striped share: one run of extent_count / stripes extents
// per area, the stripe_count / stripe_size / stripes keys, PV areas.
#pragma once

#include "lvm/segtypes/segment_type.hpp"

namespace udm::lvm::segtypes {

class StripedAreas : public SegmentType {
 public:
  std::string_view metadata_name() const override;
  Result<void> import_text(SegmentKeys& keys, Segment& seg) const override;
  void export_text(SegmentWriter& w, const Segment& seg) const override;
  SegmentReport report(const Segment& seg) const override;
  std::vector<AreaUse> pv_areas(const VolumeGroup& vg, const Segment& seg) const override;
  void validate(const VolumeGroup& vg, const Segment& seg, const std::function<std::string()>& who,
                std::vector<std::string>& out) const override;
  AllocShape alloc_shape(const Segment& seg) const override;

 protected:
  // "<device path> <sector of the area's first PE>"; an error names a missing PV.
  static Result<std::string> area_device(const TableContext& ctx, const SegmentArea& area);
  // "Physical volume\t...\n<indent>Physical extents\t... to ...\n" for one area.
  static std::string area_lines(const DisplayContext& ctx, const Segment& seg, const SegmentArea& a,
                                std::string_view indent);
};

}  // namespace udm::lvm::segtypes
