// The handler of a virtual type with no areas and no keys (zero, error):
// the type word alone says what dm target the LV maps to.
#pragma once

#include <string_view>

#include "lvm/segtypes/segment_type.hpp"

namespace udm::lvm::segtypes {

class NoAreaVirtual : public SegmentType {
 public:
  // `type` must outlive the handler (a type_names.hpp constant).
  explicit NoAreaVirtual(std::string_view type) : type_(type) {}

  std::string_view name() const override { return type_; }
  unsigned flags() const override { return SEG_VIRTUAL | SEG_CAN_ACTIVATE | SEG_CAN_CREATE; }
  // lvm 2.03 cannot name the layout of such LVs.
  std::string_view layout() const override { return "unknown"; }
  int layout_rank() const override { return 3; }

  Result<void> import_text(SegmentKeys& keys, Segment& seg) const override;
  void export_text(SegmentWriter& w, const Segment& seg) const override;
  Result<TargetLine> target_line(const TableContext& ctx, const Segment& seg) const override;
  std::vector<Segment> virtual_segments(extent_t start, extent_t extents) const override;

 private:
  std::string_view type_;
};

}  // namespace udm::lvm::segtypes
