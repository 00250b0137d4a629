// The handler of raid segments, shared by the raid families (raid.cpp:
// raid1/4/5/6/10, raid0.cpp: raid0 and raid0_meta): one object per type
// word. Keys live in Segment::unknown (raid_keys.hpp), the table line is
// dm-raid over the _rmeta_N/_rimage_N sub-LVs, each planned as its own
// device ("VG-LV_rimage_0", uuid LVM-<vg id><sub-LV id>).
#pragma once

#include <string>

#include "lvm/segtypes/raid_keys.hpp"
#include "lvm/segtypes/segment_type.hpp"

namespace udm::lvm::segtypes {

class Raid final : public SegmentType {
 public:
  // `layout`: lvm2's lv_layout words ("raid,raid5,raid5_ls").
  Raid(std::string_view word, std::string_view layout) : word_(word), layout_(layout) {}
  std::string_view name() const override { return word_; }
  unsigned flags() const override { return SEG_CAN_ACTIVATE; }
  std::string_view layout() const override { return layout_; }
  int layout_rank() const override { return 3; }

  Result<void> import_text(SegmentKeys& keys, Segment& seg) const override;
  void export_text(SegmentWriter& w, const Segment& seg) const override;
  Result<TargetLine> target_line(const TableContext& ctx, const Segment& seg) const override;
  SegmentReport report(const Segment& seg) const override;
  std::string display_lines(const DisplayContext& ctx, const Segment& seg) const override;
  void validate(const VolumeGroup& vg, const Segment& seg, const std::function<std::string()>& who,
                std::vector<std::string>& out) const override;

 private:
  std::string word_;
  std::string layout_;
};

}  // namespace udm::lvm::segtypes
