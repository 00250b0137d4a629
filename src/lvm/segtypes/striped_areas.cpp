#include "lvm/segtypes/striped_areas.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "lvm/segtypes/type_names.hpp"

namespace udm::lvm::segtypes {

std::string_view StripedAreas::metadata_name() const { return STRIPED; }

Result<void> StripedAreas::import_text(SegmentKeys& keys, Segment& seg) const {
  auto count = keys.count("stripe_count");
  if (!count) return fail(count.error());
  auto size = keys.opt_count("stripe_size");
  if (!size) return fail(size.error());
  seg.stripe_size = size->value_or(0);
  auto areas = keys.areas("stripes");
  if (!areas) return fail(areas.error());
  seg.stripes = std::move(*areas);
  if (seg.stripes.size() != *count)
    return fail(keys.error(fmt::format("stripe_count {} but {} stripes listed", *count, seg.stripes.size())));
  return {};
}

void StripedAreas::export_text(SegmentWriter& w, const Segment& seg) const {
  w.key("stripe_count", std::to_string(seg.stripes.size()), seg.stripes.size() == 1 ? LINEAR : "");
  if (seg.stripes.size() > 1)
    w.key("stripe_size", std::to_string(seg.stripe_size), w.size_comment(seg.stripe_size));
  w.blank();
  w.areas("stripes", seg.stripes);
}

SegmentReport StripedAreas::report(const Segment& seg) const {
  SegmentReport r;
  r.segtype = std::string(name());
  r.stripes = seg.stripes.size();
  r.stripe_size = seg.stripe_size;
  for (const auto& a : seg.stripes) r.areas.push_back({a, seg.area_extents()});
  return r;
}

std::vector<AreaUse> StripedAreas::pv_areas(const VolumeGroup& vg, const Segment& seg) const {
  std::vector<AreaUse> out;
  for (const auto& a : seg.stripes)
    if (vg.find_pv(a.name)) out.push_back({a, seg.area_extents()});
  return out;
}

AllocShape StripedAreas::alloc_shape(const Segment& seg) const {
  return {static_cast<unsigned>(std::max<std::size_t>(1, seg.stripes.size())), seg.stripe_size};
}

namespace {
bool is_power_of_two(std::uint64_t v) { return v && !(v & (v - 1)); }
}  // namespace

void StripedAreas::validate(const VolumeGroup& vg, const Segment& seg, const std::function<std::string()>& who,
                            std::vector<std::string>& out) const {
  if (seg.stripes.empty()) {
    out.push_back(who() + ": striped segment without stripes");
    return;
  }
  const std::size_t n = seg.stripes.size();
  if (seg.extent_count % n)
    out.push_back(who() + ": " + std::to_string(seg.extent_count) + " extents do not divide into " +
                  std::to_string(n) + " stripes");
  if (n > 1 && !is_power_of_two(seg.stripe_size))
    out.push_back(who() + ": stripe_size " + std::to_string(seg.stripe_size) + " is not a power of two");
  for (std::size_t a = 0; a < n; ++a) {
    const SegmentArea& area = seg.stripes[a];
    if (const PhysicalVolume* pv = vg.find_pv(area.name)) {
      if (area.start + seg.area_extents() > pv->pe_count)
        out.push_back(who() + " stripe " + std::to_string(a) + ": extents " + std::to_string(area.start) + ".." +
                      std::to_string(area.start + seg.area_extents() - 1) + " outside " + name_for_message(pv->name) +
                      " (" + std::to_string(pv->pe_count) + " extents)");
    } else if (const LogicalVolume* sub = vg.find_lv(area.name)) {
      if (area.start + seg.area_extents() > sub->extent_count())
        out.push_back(who() + " stripe " + std::to_string(a) + ": extents past the end of LV " +
                      name_for_message(sub->name));
    } else {
      out.push_back(who() + " stripe " + std::to_string(a) + ": no PV or LV named " + quote_for_message(area.name));
    }
  }
}

Result<std::string> StripedAreas::area_device(const TableContext& ctx, const SegmentArea& a) {
  const PhysicalVolume* pv = ctx.vg.find_pv(a.name);
  // An area on another LV (pvmove0 while a pvmove runs): that LV's device.
  if (const LogicalVolume* sub = pv ? nullptr : ctx.vg.find_lv(a.name); sub && ctx.planner) {
    auto dev = ctx.planner->lv_device(*sub);
    if (!dev) return fail(dev.error());
    return fmt::format("{} {}", *dev, a.start * ctx.vg.extent_size);
  }
  if (!pv)
    return fail(EINVAL, fmt::format("LV {}: segment area {} is not a PV of VG {}", ctx.lv.name, a.name, ctx.vg.name));
  auto p = ctx.pv_paths.find(a.name);
  if (p == ctx.pv_paths.end() || p->second.empty())
    return fail(ENODEV, fmt::format("Cannot activate {}/{}: PV {} ({}) is missing", ctx.vg.name, ctx.lv.name,
                                    format_id(pv->id), pv->device));
  return fmt::format("{} {}", p->second, pv->pe_start + a.start * ctx.vg.extent_size);
}

std::string StripedAreas::area_lines(const DisplayContext& ctx, const Segment& seg, const SegmentArea& a,
                                     std::string_view indent) {
  return fmt::format("{}Physical volume\t{}\n{}Physical extents\t{} to {}\n", indent, ctx.device(a), indent, a.start,
                     a.start + seg.area_extents() - 1);
}

}  // namespace udm::lvm::segtypes
