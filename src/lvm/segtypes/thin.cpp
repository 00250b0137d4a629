// thin: a thin LV (virtual size) on a thin pool: `thin_pool`, its
// `device_id` in the pool and the pool transaction it was made in; a thin
// snapshot also names its `origin` (thin_keys.hpp). Its device is VG-LV with
// `thin <VG-POOL-tpool> <device id>` (src/lvm/api/thin_activate.cpp).
#include <fmt/format.h>

#include "lvm/segtypes/builtin.hpp"
#include "lvm/segtypes/thin_keys.hpp"

namespace udm::lvm::segtypes {
namespace {

class Thin final : public KeysInFileOrder {
 public:
  std::string_view name() const override { return THIN; }
  unsigned flags() const override { return SEG_VIRTUAL | SEG_CAN_ACTIVATE; }
  std::string_view layout() const override { return "thin,sparse"; }
  int layout_rank() const override { return 4; }


  Result<TargetLine> target_line(const TableContext& ctx, const Segment& seg) const override {
    auto k = thin_keys(seg);
    if (!k) return fail(k.error());
    if (k->external_origin)
      return fail(EOPNOTSUPP, fmt::format("Cannot activate {}/{}: thin volumes with an external origin are not "
                                          "supported by ulvm.", ctx.vg.name, ctx.lv.name));
    const LogicalVolume* pool = ctx.vg.find_lv(k->thin_pool);
    if (!pool) return fail(ENOENT, fmt::format("Thin pool {} of {}/{} not found.", k->thin_pool, ctx.vg.name, ctx.lv.name));
    auto tok = plan_thin_pool_layer(ctx, *pool);
    if (!tok) return fail(tok.error());
    return TargetLine{std::string(THIN), fmt::format("{} {}", *tok, k->device_id)};
  }

  SegmentReport report(const Segment& seg) const override {
    SegmentReport r;
    r.segtype = std::string(THIN);
    (void)seg;
    return r;
  }

  std::string display_lines(const DisplayContext& ctx, const Segment& seg) const override {
    (void)ctx;
    auto k = thin_keys(seg);
    if (!k) return {};
    return fmt::format("    Device ID\t\t{}\n   \n", k->device_id);
  }

  void validate(const VolumeGroup& vg, const Segment& seg, const std::function<std::string()>& who,
                std::vector<std::string>& out) const override {
    auto k = thin_keys(seg);
    if (!k) {
      out.push_back(fmt::format("{}: {}", who(), k.error().message));
      return;
    }
    const LogicalVolume* pool = vg.find_lv(k->thin_pool);
    if (!pool || !lv_is_thin_pool(*pool))
      out.push_back(fmt::format("{}: thin pool {} not found", who(), name_for_message(k->thin_pool)));
    if (k->device_id > THIN_MAX_DEVICE_ID)
      out.push_back(fmt::format("{}: device_id {} is above {}", who(), k->device_id, THIN_MAX_DEVICE_ID));
    for (const auto* o : {&k->origin, &k->external_origin, &k->merge})
      if (*o && !vg.find_lv(**o)) out.push_back(fmt::format("{}: LV {} not found", who(), name_for_message(**o)));
  }
};

}  // namespace

const SegmentType& thin_segtype() {
  static const Thin t;
  return t;
}

}  // namespace udm::lvm::segtypes
