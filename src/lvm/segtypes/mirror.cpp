// mirror: lvm2's old mirror (dm-raid1 "mirror" target) and pvmove's
// temporary mirror. Keys stay in Segment::unknown in file order (mirror.hpp).
//
// Table lines as lvm2 loads them:
//   mirror LV:  mirror core 1 <region> <n> <img dev> 0 ... 1 handle_errors
//               mirror disk 2 <log dev> <region> <n> <img dev> 0 ... 1 handle_errors
//   pvmove:     one segment at a time runs as `mirror core 1 <region> 2
//               <src> <off> <dst> <off>`; copied segments are linear on the
//               destination, the ones not started yet linear on the source.
#include "lvm/segtypes/mirror.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>

#include <fmt/format.h>

#include "lvm/segtypes/builtin.hpp"
#include "lvm/segtypes/segment_keys.hpp"
#include "lvm/segtypes/segment_type.hpp"
#include "lvm/segtypes/type_names.hpp"

namespace udm::lvm::segtypes {

namespace {

std::atomic<bool> mirror_create_in_sync{false};

constexpr std::string_view OWN_KEYS[] = {"mirror_count", "extents_moved", "mirror_log", "region_size", "mirrors"};

}  // namespace

bool is_mirror_segment(const Segment& seg) { return seg.type == MIRROR; }

Result<MirrorKeys> mirror_keys(const Segment& seg) {
  MirrorKeys k;
  auto count = opt_num(seg, "mirror_count");
  if (!count) return fail(count.error());
  if (!*count) return fail(EINVAL, "mirror segment: mirror_count missing");
  k.mirror_count = **count;
  auto moved = opt_num(seg, "extents_moved");
  if (!moved) return fail(moved.error());
  if (*moved) k.extents_moved = **moved;
  auto region = opt_num(seg, "region_size");
  if (!region) return fail(region.error());
  if (*region) k.region_size = **region;
  if (const ConfigNode* l = find_key(seg, "mirror_log")) {
    if (l->is_section || !l->value.is_string()) return fail(EINVAL, "mirror segment: mirror_log must be a string");
    k.mirror_log = l->value.text;
  }
  const ConfigNode* m = find_key(seg, "mirrors");
  if (!m) return fail(EINVAL, "mirror segment: mirrors missing");
  if (m->is_section || !m->value.is_array() || m->value.array.size() % 2)
    return fail(EINVAL, "mirror segment: mirrors must be a list of (\"name\", extent) pairs");
  const auto& a = m->value.array;
  for (std::size_t i = 0; i < a.size(); i += 2) {
    if (!a[i].is_string() || !a[i + 1].is_int() || a[i + 1].integer < 0)
      return fail(EINVAL, fmt::format("mirror segment: mirrors item {} is not a (\"name\", extent) pair", i / 2));
    k.mirrors.push_back({a[i].text, static_cast<extent_t>(a[i + 1].integer)});
  }
  if (k.mirrors.size() != k.mirror_count)
    return fail(EINVAL, fmt::format("mirror segment: mirror_count {} but {} mirrors listed", k.mirror_count,
                                    k.mirrors.size()));
  if (k.mirror_log && !k.region_size) return fail(EINVAL, "mirror segment: mirror log without region_size");
  return k;
}

void set_mirror_keys(Segment& seg, const MirrorKeys& k) {
  std::vector<ConfigNode> out;
  out.push_back(num_node("mirror_count", k.mirrors.size()));
  if (k.extents_moved) out.push_back(num_node("extents_moved", *k.extents_moved));
  if (k.mirror_log) {
    ConfigNode n;
    n.key = "mirror_log";
    n.value = ConfigValue::of_string(*k.mirror_log);
    out.push_back(std::move(n));
  }
  if (k.region_size) out.push_back(num_node("region_size", *k.region_size));
  ConfigNode m;
  m.key = "mirrors";
  std::vector<ConfigValue> items;
  for (const auto& a : k.mirrors) {
    items.push_back(ConfigValue::of_string(a.name));
    items.push_back(ConfigValue::of_int(static_cast<std::int64_t>(a.start)));
  }
  m.value = ConfigValue::of_array(std::move(items));
  out.push_back(std::move(m));
  for (const auto& n : seg.unknown)
    if (std::find(std::begin(OWN_KEYS), std::end(OWN_KEYS), n.key) == std::end(OWN_KEYS)) out.push_back(n);
  seg.type = std::string(MIRROR);
  seg.stripes.clear();
  seg.stripe_size = 0;
  seg.unknown = std::move(out);
}

bool lv_is_pvmove(const LogicalVolume& lv) { return lv.status.has("PVMOVE"); }

bool lv_is_mirror(const LogicalVolume& lv) {
  return !lv_is_pvmove(lv) && !lv.segments.empty() && is_mirror_segment(lv.segments.front());
}

const LogicalVolume* mirror_of_sub_lv(const VolumeGroup& vg, const LogicalVolume& lv, bool* is_log) {
  for (const auto& other : vg.lvs) {
    if (!lv_is_mirror(other)) continue;
    for (const auto& seg : other.segments) {
      auto k = mirror_keys(seg);
      if (!k) continue;
      if (k->mirror_log == lv.name) {
        if (is_log) *is_log = true;
        return &other;
      }
      for (const auto& a : k->mirrors)
        if (a.name == lv.name) {
          if (is_log) *is_log = false;
          return &other;
        }
    }
  }
  return nullptr;
}

std::size_t pvmove_running_segment(const LogicalVolume& lv) {
  for (std::size_t i = 0; i < lv.segments.size(); ++i) {
    const Segment& s = lv.segments[i];
    if (!is_mirror_segment(s)) continue;
    auto k = mirror_keys(s);
    if (!k || k->mirrors.size() < 2) continue;
    if (k->extents_moved.value_or(0) < s.extent_count) return i;
  }
  return lv.segments.size();
}

void set_mirror_create_in_sync(bool in_sync) { mirror_create_in_sync.store(in_sync); }

sector_t pvmove_region_size(sector_t extent_size, extent_t extents, sector_t configured) {
  if (extents == 0) return configured;
  // The largest power of two dividing the extent count, in sectors.
  const sector_t max = (extents & (~extents + 1)) * extent_size;
  return std::min(configured, max);
}

Result<MirrorStatus> parse_mirror_status(std::string_view params) {
  // <#mirrors> <dev>... <in_sync>/<regions> 1 <health> <log status>
  std::vector<std::string_view> w;
  for (std::size_t i = 0; i < params.size();) {
    while (i < params.size() && params[i] == ' ') ++i;
    std::size_t j = i;
    while (j < params.size() && params[j] != ' ') ++j;
    if (j > i) w.push_back(params.substr(i, j - i));
    i = j;
  }
  auto bad = [&] { return fail(EINVAL, fmt::format("Failure parsing mirror status: {}", params)); };
  unsigned n = 0;
  if (w.empty() || std::from_chars(w[0].data(), w[0].data() + w[0].size(), n).ec != std::errc() || w.size() < n + 4)
    return bad();
  std::string_view frac = w[n + 1];
  const auto slash = frac.find('/');
  if (slash == std::string_view::npos) return bad();
  MirrorStatus s;
  if (std::from_chars(frac.data(), frac.data() + slash, s.in_sync).ec != std::errc() ||
      std::from_chars(frac.data() + slash + 1, frac.data() + frac.size(), s.regions).ec != std::errc() ||
      s.regions == 0 || s.in_sync > s.regions)
    return bad();
  s.health = std::string(w[n + 3]);
  return s;
}

namespace {

class Mirror final : public SegmentType {
 public:
  std::string_view name() const override { return MIRROR; }
  unsigned flags() const override { return SEG_CAN_ACTIVATE; }
  std::string_view layout() const override { return MIRROR; }
  int layout_rank() const override { return 3; }

  bool is_extent_count_key(std::string_view key) const override { return key == "extents_moved"; }

  // Keys stay in `unknown` (file order); mirror_keys() reads them.
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
    auto k = mirror_keys(seg);
    if (!k) return fail(EINVAL, fmt::format("LV {}/{}: {}", ctx.vg.name, ctx.lv.name, k.error().message));
    if (k->mirrors.empty()) return fail(EINVAL, fmt::format("LV {}/{}: mirror segment without areas", ctx.vg.name, ctx.lv.name));
    const bool pvmove = k->extents_moved.has_value() || lv_is_pvmove(ctx.lv);
    if (pvmove || k->mirrors.size() == 1) {
      std::size_t use = 0;
      bool run = false;
      if (k->mirrors.size() > 1) {
        if (k->extents_moved.value_or(0) >= seg.extent_count) {
          use = 1;  // copied: the destination
        } else {
          const std::size_t r = pvmove_running_segment(ctx.lv);
          run = r < ctx.lv.segments.size() && ctx.lv.segments[r].start_extent == seg.start_extent;
        }
      }
      if (!run) {
        auto dev = area_device(ctx, k->mirrors[use]);
        if (!dev) return fail(dev.error());
        return TargetLine{std::string(LINEAR), std::move(*dev)};
      }
      std::string devs;
      for (const auto& a : k->mirrors) {
        auto dev = area_device(ctx, a);
        if (!dev) return fail(dev.error());
        devs += " " + *dev;
      }
      const sector_t region = pvmove_region_size(ctx.vg.extent_size, seg.extent_count);
      return TargetLine{std::string(MIRROR), fmt::format("core 1 {} {}{}", region, k->mirrors.size(), devs)};
    }
    if (!k->region_size || *k->region_size == 0)
      return fail(EINVAL, fmt::format("LV {}/{}: Missing region size for mirror segment.", ctx.vg.name, ctx.lv.name));
    // "core 2 <region> nosync" / "disk 3 <log> <region> nosync" as libdm
    // writes a log with DM_NOSYNC.
    const bool nosync = mirror_create_in_sync.load();
    std::string log;
    if (k->mirror_log) {
      const LogicalVolume* l = ctx.vg.find_lv(*k->mirror_log);
      if (!l) return fail(EINVAL, fmt::format("LV {}/{}: mirror log {} not found", ctx.vg.name, ctx.lv.name, *k->mirror_log));
      if (!ctx.planner) return fail(EINVAL, fmt::format("LV {}/{}: mirror log needs its device", ctx.vg.name, ctx.lv.name));
      auto dev = ctx.planner->lv_device(*l);
      if (!dev) return fail(dev.error());
      log = fmt::format("disk {} {} {}{}", nosync ? 3 : 2, *dev, *k->region_size, nosync ? " nosync" : "");
    } else {
      log = fmt::format("core {} {}{}", nosync ? 2 : 1, *k->region_size, nosync ? " nosync" : "");
    }
    std::string devs;
    for (const auto& a : k->mirrors) {
      auto dev = area_device(ctx, a);
      if (!dev) return fail(dev.error());
      devs += " " + *dev;
    }
    return TargetLine{std::string(MIRROR), fmt::format("{} {}{} 1 handle_errors", log, k->mirrors.size(), devs)};
  }

  SegmentReport report(const Segment& seg) const override {
    SegmentReport r;
    r.segtype = std::string(MIRROR);
    if (auto k = mirror_keys(seg)) {
      r.stripes = k->mirrors.size();
      r.region_size = k->region_size.value_or(0);
      for (const auto& a : k->mirrors) r.areas.push_back({a, seg.extent_count});
    }
    return r;
  }

  // Read from the `mirrors` list alone, so a segment whose other keys are
  // damaged still keeps its extents from being handed out again.
  std::vector<AreaUse> pv_areas(const VolumeGroup& vg, const Segment& seg) const override {
    std::vector<AreaUse> out;
    const ConfigNode* m = find_key(seg, "mirrors");
    if (!m || m->is_section || !m->value.is_array()) return out;
    const auto& a = m->value.array;
    for (std::size_t i = 0; i + 1 < a.size(); i += 2)
      if (a[i].is_string() && a[i + 1].is_int() && a[i + 1].integer >= 0 && vg.find_pv(a[i].text))
        out.push_back({{a[i].text, static_cast<extent_t>(a[i + 1].integer)}, seg.extent_count});
    return out;
  }

  void validate(const VolumeGroup& vg, const Segment& seg, const std::function<std::string()>& who,
                std::vector<std::string>& out) const override {
    auto k = mirror_keys(seg);
    if (!k) {
      out.push_back(who() + ": " + k.error().message);
      return;
    }
    for (std::size_t i = 0; i < k->mirrors.size(); ++i) {
      const SegmentArea& a = k->mirrors[i];
      if (const PhysicalVolume* pv = vg.find_pv(a.name)) {
        if (a.start + seg.extent_count > pv->pe_count)
          out.push_back(fmt::format("{} mirror {}: extents {}..{} outside {} ({} extents)", who(), i, a.start,
                                    a.start + seg.extent_count - 1, name_for_message(pv->name), pv->pe_count));
      } else if (const LogicalVolume* sub = vg.find_lv(a.name)) {
        if (a.start + seg.extent_count > sub->extent_count())
          out.push_back(fmt::format("{} mirror {}: extents past the end of LV {}", who(), i, name_for_message(sub->name)));
      } else {
        out.push_back(fmt::format("{} mirror {}: no PV or LV named {}", who(), i, quote_for_message(a.name)));
      }
    }
    if (k->mirror_log && !vg.find_lv(*k->mirror_log))
      out.push_back(fmt::format("{}: mirror log LV {} not found", who(), quote_for_message(*k->mirror_log)));
    if (k->extents_moved && *k->extents_moved > seg.extent_count)
      out.push_back(fmt::format("{}: extents_moved {} past the segment's {} extents", who(), *k->extents_moved,
                                seg.extent_count));
  }

  std::string display_lines(const DisplayContext& ctx, const Segment& seg) const override {
    auto k = mirror_keys(seg);
    if (!k) return {};
    // lvm2's _mirrored_display; Monitoring stays blank (no dmeventd).
    std::string out = fmt::format("    Monitoring\t\t\n    Mirrors\t\t{}\n    Mirror size\t\t{}\n", k->mirrors.size(),
                                  seg.extent_count);
    if (k->mirror_log) out += fmt::format("    Mirror log volume\t{}\n", *k->mirror_log);
    if (k->region_size) out += fmt::format("    Mirror region size\t{}\n", ctx.size(*k->region_size));
    for (std::size_t i = 0; i < k->mirrors.size(); ++i) {
      out += i == 0 ? "    Mirror original:\n" : (i == 1 ? "    Mirror destinations:\n" : "");
      const SegmentArea& a = k->mirrors[i];
      if (ctx.vg && ctx.vg->find_lv(a.name)) {
        out += fmt::format("      Logical volume\t{}\n      Logical extents\t{} to {}\n", a.name, a.start,
                           a.start + seg.extent_count - 1);
      } else {
        out += fmt::format("      Physical volume\t{}\n      Physical extents\t{} to {}\n", ctx.device(a), a.start,
                           a.start + seg.extent_count - 1);
      }
    }
    return out;
  }

 private:
  // "<device> <offset>": a PV's path and the area's first sector, or another
  // LV's device (a _mimage_N) and the area's sector inside it.
  static Result<std::string> area_device(const TableContext& ctx, const SegmentArea& a) {
    if (const PhysicalVolume* pv = ctx.vg.find_pv(a.name)) {
      auto p = ctx.pv_paths.find(a.name);
      if (p == ctx.pv_paths.end() || p->second.empty())
        return fail(ENODEV, fmt::format("Cannot activate {}/{}: PV {} ({}) is missing", ctx.vg.name, ctx.lv.name,
                                        format_id(pv->id), pv->device));
      return fmt::format("{} {}", p->second, pv->pe_start + a.start * ctx.vg.extent_size);
    }
    const LogicalVolume* sub = ctx.vg.find_lv(a.name);
    if (!sub)
      return fail(EINVAL, fmt::format("LV {}: mirror area {} is not a PV or LV of VG {}", ctx.lv.name, a.name, ctx.vg.name));
    if (!ctx.planner)
      return fail(EINVAL, fmt::format("LV {}: mirror image {} needs its device", ctx.lv.name, a.name));
    auto dev = ctx.planner->lv_device(*sub);
    if (!dev) return fail(dev.error());
    return fmt::format("{} {}", *dev, a.start * ctx.vg.extent_size);
  }
};

}  // namespace

const SegmentType& mirror_segtype() {
  static const Mirror t;
  return t;
}

}  // namespace udm::lvm::segtypes
