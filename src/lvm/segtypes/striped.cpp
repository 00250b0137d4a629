// striped: n areas of equal length, chunks of stripe_size sectors in turn;
// dm's striped target.
#include <fmt/format.h>

#include "lvm/segtypes/builtin.hpp"
#include "lvm/segtypes/striped_areas.hpp"
#include "lvm/segtypes/type_names.hpp"

namespace udm::lvm::segtypes {
namespace {

class Striped final : public StripedAreas {
 public:
  std::string_view name() const override { return STRIPED; }
  unsigned flags() const override { return SEG_AREAS_STRIPED | SEG_CAN_ACTIVATE | SEG_CAN_CREATE; }
  bool claims(const Segment& seg) const override { return seg.stripes.size() != 1; }
  int layout_rank() const override { return 2; }

  Result<TargetLine> target_line(const TableContext& ctx, const Segment& seg) const override {
    if (seg.stripes.empty())
      return fail(EINVAL, fmt::format("LV {}: striped segment without stripes", ctx.lv.name));
    std::string devs;
    for (const auto& a : seg.stripes) {
      auto dev = area_device(ctx, a);
      if (!dev) return fail(dev.error());
      if (!devs.empty()) devs += ' ';
      devs += *dev;
    }
    return TargetLine{std::string(STRIPED), fmt::format("{} {} {}", seg.stripes.size(), seg.stripe_size, devs)};
  }

  std::string display_lines(const DisplayContext& ctx, const Segment& seg) const override {
    std::string out = fmt::format("    Stripes\t\t{}\n", seg.stripes.size());
    out += fmt::format("    Stripe size\t\t{}\n", ctx.size(seg.stripe_size));
    for (std::size_t k = 0; k < seg.stripes.size(); ++k) {
      out += fmt::format("    Stripe {}:\n", k);
      out += area_lines(ctx, seg, seg.stripes[k], "      ");
    }
    return out;
  }
};

}  // namespace

const SegmentType& striped_segtype() {
  static const Striped t;
  return t;
}

}  // namespace udm::lvm::segtypes
