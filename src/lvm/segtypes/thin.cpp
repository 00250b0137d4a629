// thin: a thin LV (virtual size) on a thin pool: `thin_pool`, its
// `device_id` in the pool and the pool transaction it was made in; a thin
// snapshot also names its `origin` (thin_keys.hpp). Its device is VG-LV with
// `thin <VG-POOL-tpool> <device id> [<VG-EXT-real>]` (src/lvm/api/thin_activate.cpp);
// an external origin EXT (any read-only LV) then runs as VG-EXT = linear over
// VG-EXT-real, as lvm2 lays it out.
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
    const LogicalVolume* pool = ctx.vg.find_lv(k->thin_pool);
    if (!pool) return fail(ENOENT, fmt::format("Thin pool {} of {}/{} not found.", k->thin_pool, ctx.vg.name, ctx.lv.name));
    auto tok = plan_thin_pool_layer(ctx, *pool);
    if (!tok) return fail(tok.error());
    if (!k->external_origin) return TargetLine{std::string(THIN), fmt::format("{} {}", *tok, k->device_id)};
    // Unprovisioned blocks read from the external origin's -real layer, as
    // lvm2 stacks it (read-only: nothing may write under the thin).
    const LogicalVolume* ext = ctx.vg.find_lv(*k->external_origin);
    if (!ext)
      return fail(ENOENT, fmt::format("External origin {} of {}/{} not found.", *k->external_origin, ctx.vg.name,
                                      ctx.lv.name));
    auto real = real_layer(ctx, *ext);
    if (!real) return fail(real.error());
    return TargetLine{std::string(THIN), fmt::format("{} {} {}", *tok, k->device_id, *real)};
  }

  // The external origin's own device is a linear over its -real layer (lvm2's
  // layer target), so the LV and every thin over it share one read-only map.
  Result<std::optional<std::vector<TableLine>>> lay_out(const TableContext& ctx, const Segment& seg,
                                                       const LogicalVolume& lv) const override {
    using Lines = std::optional<std::vector<TableLine>>;
    if (!ctx.planner) return Lines{};
    auto k = thin_keys(seg);
    if (!k || !k->external_origin || *k->external_origin != lv.name) return Lines{};
    auto real = real_layer(ctx, lv);
    if (!real) return fail(real.error());
    const sector_t len = lv.extent_count() * ctx.vg.extent_size;
    return Lines{{TableLine{0, len, "linear", fmt::format("{} 0", *real)}}};
  }

  static Result<std::string> real_layer(const TableContext& ctx, const LogicalVolume& ext) {
    auto own = ctx.planner->own_table(ext);
    if (!own) return fail(own.error());
    return ctx.planner->layer_device(ext, "real", std::move(*own), true);
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
