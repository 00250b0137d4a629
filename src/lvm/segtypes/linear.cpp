// linear: a "striped" segment with one area in metadata; dm's linear target.
#include <fmt/format.h>

#include "lvm/segtypes/builtin.hpp"
#include "lvm/segtypes/striped_areas.hpp"
#include "lvm/segtypes/type_names.hpp"

namespace udm::lvm::segtypes {
namespace {

class Linear final : public StripedAreas {
 public:
  std::string_view name() const override { return LINEAR; }
  unsigned flags() const override { return SEG_AREAS_STRIPED | SEG_CAN_ACTIVATE | SEG_CAN_CREATE; }
  bool claims(const Segment& seg) const override { return seg.stripes.size() == 1; }
  int layout_rank() const override { return 1; }

  Result<TargetLine> target_line(const TableContext& ctx, const Segment& seg) const override {
    auto dev = area_device(ctx, seg.stripes.at(0));
    if (!dev) return fail(dev.error());
    return TargetLine{std::string(LINEAR), std::move(*dev)};
  }

  std::string display_lines(const DisplayContext& ctx, const Segment& seg) const override {
    return area_lines(ctx, seg, seg.stripes.at(0), "    ");
  }

  Result<void> check_create(const CreateRequest& req) const override {
    if (req.stripes > 1) return fail(EINVAL, "--stripes not allowed with --type linear");
    return {};
  }
};

}  // namespace

const SegmentType& linear_segtype() {
  static const Linear t;
  return t;
}

}  // namespace udm::lvm::segtypes
