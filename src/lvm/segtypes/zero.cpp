// zero: reads return zeros, writes are dropped; dm's zero target. No areas.
#include "lvm/segtypes/builtin.hpp"
#include "lvm/segtypes/type_names.hpp"

namespace udm::lvm::segtypes {
namespace {

class Zero final : public SegmentType {
 public:
  std::string_view name() const override { return ZERO; }
  unsigned flags() const override { return SEG_VIRTUAL | SEG_CAN_ACTIVATE | SEG_CAN_CREATE; }
  // lvm 2.03 cannot name the layout of such LVs.
  std::string_view layout() const override { return "unknown"; }
  int layout_rank() const override { return 3; }

  Result<void> import_text(SegmentKeys& keys, Segment& seg) const override {
    (void)keys;
    (void)seg;
    return {};
  }
  void export_text(SegmentWriter& w, const Segment& seg) const override {
    (void)w;
    (void)seg;
  }
  Result<TargetLine> target_line(const TableContext& ctx, const Segment& seg) const override {
    (void)ctx;
    (void)seg;
    return TargetLine{std::string(ZERO), {}};
  }
  std::vector<Segment> virtual_segments(extent_t start, extent_t extents) const override {
    Segment s;
    s.start_extent = start;
    s.extent_count = extents;
    s.type = std::string(ZERO);
    return {s};
  }
};

}  // namespace

const SegmentType& zero_segtype() {
  static const Zero t;
  return t;
}

}  // namespace udm::lvm::segtypes
