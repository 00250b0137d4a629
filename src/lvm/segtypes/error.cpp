// error: every I/O fails; dm's error target. No areas.
#include "lvm/segtypes/builtin.hpp"
#include "lvm/segtypes/type_names.hpp"

namespace udm::lvm::segtypes {
namespace {

class Error final : public SegmentType {
 public:
  std::string_view name() const override { return ERROR; }
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
    return TargetLine{std::string(ERROR), {}};
  }
  std::vector<Segment> virtual_segments(extent_t start, extent_t extents) const override {
    Segment s;
    s.start_extent = start;
    s.extent_count = extents;
    s.type = std::string(ERROR);
    return {s};
  }
};

}  // namespace

const SegmentType& error_segtype() {
  static const Error t;
  return t;
}

}  // namespace udm::lvm::segtypes
