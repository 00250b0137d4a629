// pvmove's metadata steps (pvmove_metadata.hpp): what lvm2's pvmove
// writes, checked against its own output in tests/unit/lvm_mirror.
#include "lvm/api/pvmove_metadata.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "lvm/alloc/alloc.hpp"
#include "lvm/api/cmd.hpp"
#include "lvm/segtypes/mirror.hpp"

namespace udm::lvm::api::detail {
namespace {

constexpr std::string_view PVMOVE_PREFIX = "pvmove";

// Appends `seg` to `out` cut at `cuts` (offsets inside its areas, in any
// order, repeats allowed): each piece maps the same offsets of every area.
void append_cut(const Segment& seg, std::vector<extent_t> cuts, std::vector<Segment>& out) {
  const extent_t area_len = seg.area_extents();
  if (cuts.empty() || seg.stripes.empty()) {
    out.push_back(seg);
    return;
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  cuts.push_back(area_len);
  const extent_t n = seg.stripes.size();
  extent_t from = 0;
  for (extent_t to : cuts) {
    Segment piece = seg;
    piece.start_extent = seg.start_extent + from * n;
    piece.extent_count = (to - from) * n;
    for (auto& a : piece.stripes) a.start += from;
    out.push_back(std::move(piece));
    from = to;
  }
}

// Splits `lv`'s segments so that no area naming `layer` crosses one of the
// layer's segment boundaries (lvm2 splits the parent the same way before
// taking the layer out).
void split_at_layer_boundaries(LogicalVolume& lv, const LogicalVolume& layer) {
  std::vector<extent_t> bounds;
  for (const auto& s : layer.segments) bounds.push_back(s.start_extent);
  std::vector<Segment> out;
  for (const auto& seg : lv.segments) {
    const extent_t area_len = seg.area_extents();
    std::vector<extent_t> cuts;  // offsets inside the areas
    for (const auto& a : seg.stripes) {
      if (a.name != layer.name) continue;
      for (extent_t b : bounds)
        if (b > a.start && b < a.start + area_len) cuts.push_back(b - a.start);
    }
    append_cut(seg, std::move(cuts), out);
  }
  lv.segments = std::move(out);
}

}  // namespace

const LogicalVolume* pvmove_lv(const VolumeGroup& vg) {
  for (const auto& lv : vg.lvs)
    if (segtypes::lv_is_pvmove(lv)) return &lv;
  return nullptr;
}

std::string pvmove_source(const LogicalVolume& mv) {
  for (const auto& s : mv.segments)
    if (auto k = segtypes::mirror_keys(s); k && !k->mirrors.empty()) return k->mirrors[0].name;
  return {};
}

std::vector<std::string> lvs_using(const VolumeGroup& vg, std::string_view layer) {
  std::vector<std::string> out;
  for (const auto& lv : vg.lvs)
    for (const auto& s : lv.segments)
      if (std::any_of(s.stripes.begin(), s.stripes.end(), [&](const SegmentArea& a) { return a.name == layer; })) {
        out.push_back(lv.name);
        break;
      }
  return out;
}

VolumeGroup pvmove_linear_view(const VolumeGroup& vg, const std::string& mv_name) {
  VolumeGroup out = vg;
  pvmove_flatten_atomic(out, mv_name);
  LogicalVolume* mv = out.find_lv(mv_name);
  for (auto& s : mv->segments) {
    auto k = segtypes::mirror_keys(s);
    if (!k || k->mirrors.empty()) continue;
    const bool copied = k->mirrors.size() > 1 && k->extents_moved.value_or(0) >= s.extent_count;
    Segment lin;
    lin.start_extent = s.start_extent;
    lin.extent_count = s.extent_count;
    lin.stripes = {k->mirrors[copied ? 1 : 0]};
    s = std::move(lin);
  }
  return out;
}

void pvmove_remove(VolumeGroup& vg, const std::string& mv_name) {
  pvmove_flatten_atomic(vg, mv_name);
  const LogicalVolume mv = *vg.find_lv(mv_name);
  for (const auto& name : lvs_using(vg, mv_name)) {
    LogicalVolume& lv = *vg.find_lv(name);
    split_at_layer_boundaries(lv, mv);
    for (auto& seg : lv.segments)
      for (auto& a : seg.stripes) {
        if (a.name != mv_name) continue;
        for (const auto& ms : mv.segments) {
          if (a.start < ms.start_extent || a.start >= ms.start_extent + ms.extent_count) continue;
          auto k = segtypes::mirror_keys(ms);
          SegmentArea to = ms.stripes.empty() ? SegmentArea{} : ms.stripes[0];
          if (k && !k->mirrors.empty()) {
            const bool copied = k->mirrors.size() > 1 && k->extents_moved.value_or(0) >= ms.extent_count;
            to = k->mirrors[copied ? 1 : 0];
          }
          a = {to.name, to.start + (a.start - ms.start_extent)};
          break;
        }
      }
    alloc::merge_segments(lv);
    lv.status.remove("LOCKED");
  }
  std::erase_if(vg.lvs, [&](const LogicalVolume& x) { return x.name == mv_name; });
}

Result<std::pair<std::string, std::vector<PeRange>>> parse_pv_ranges(std::string_view arg) {
  const auto colon = arg.find(':');
  std::pair<std::string, std::vector<PeRange>> out{std::string(arg.substr(0, colon)), {}};
  if (colon == std::string_view::npos) return out;
  std::string_view rest = arg.substr(colon + 1);
  auto number = [](std::string_view t, extent_t& v) {
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return !t.empty() && ec == std::errc() && end == t.data() + t.size();
  };
  while (true) {
    const auto next = rest.find(':');
    const std::string_view part = rest.substr(0, next);
    PeRange r;
    const auto dash = part.find('-'), plus = part.find('+');
    bool ok;
    if (dash != std::string_view::npos) {
      ok = number(part.substr(0, dash), r.first) && number(part.substr(dash + 1), r.last);
      if (ok && r.last < r.first)
        return fail(EINVAL, fmt::format("PE range error: start extent {} to end extent {}.", r.first, r.last));
    } else if (plus != std::string_view::npos) {
      extent_t n = 0;
      ok = number(part.substr(0, plus), r.first) && number(part.substr(plus + 1), n);
      r.last = r.first + std::max<extent_t>(n, 1) - 1;
    } else {
      ok = number(part, r.first);
      r.last = r.first;
    }
    if (!ok) return fail(EINVAL, fmt::format("Physical extent parsing error at {}.", part));
    out.second.push_back(r);
    if (next == std::string_view::npos) break;
    rest = rest.substr(next + 1);
  }
  return out;
}

namespace {

bool in_ranges(const std::vector<PeRange>& ranges, extent_t pe) {
  if (ranges.empty()) return true;
  return std::any_of(ranges.begin(), ranges.end(), [&](const PeRange& r) { return pe >= r.first && pe <= r.last; });
}

// Splits the LV's striped segments where an area on `pv` crosses the edge of
// one of `ranges`, so each piece is wholly in or out.
void split_at_ranges(LogicalVolume& lv, const std::string& pv, const std::vector<PeRange>& ranges) {
  if (ranges.empty()) return;
  std::vector<Segment> out;
  for (const auto& seg : lv.segments) {
    const extent_t len = seg.area_extents();
    std::vector<extent_t> cuts;
    if (seg.is_striped())
      for (const auto& a : seg.stripes) {
        if (a.name != pv) continue;
        for (const auto& r : ranges)
          for (extent_t edge : {r.first, r.last + 1})
            if (edge > a.start && edge < a.start + len) cuts.push_back(edge - a.start);
      }
    append_cut(seg, std::move(cuts), out);
  }
  lv.segments = std::move(out);
}

// Whether the LV has extents on `pv`, itself or through a pvmove LV it maps.
bool lv_on_pv(const VolumeGroup& vg, const LogicalVolume& lv, const std::string& pv) {
  for (const auto& seg : lv.segments) {
    for (const auto& a : seg.stripes) {
      if (a.name == pv) return true;
      if (const LogicalVolume* sub = vg.find_lv(a.name); sub && segtypes::lv_is_pvmove(*sub))
        for (const auto& ms : sub->segments)
          if (auto k = segtypes::mirror_keys(ms))
            for (const auto& m : k->mirrors)
              if (m.name == pv) return true;
    }
  }
  return false;
}

// The VG with every extent of the ranged destinations outside their ranges
// taken by a placeholder LV, so the allocator can only use the ranges.
VolumeGroup with_only_ranges(const VolumeGroup& vg, const PvmoveRequest& req) {
  VolumeGroup out = vg;
  LogicalVolume hold = new_lv("pvmove_ranges_placeholder");
  extent_t le = 0;
  for (std::size_t i = 0; i < req.dests.size() && i < req.dest_ranges.size(); ++i) {
    if (req.dest_ranges[i].empty()) continue;
    for (const auto& f : alloc::free_areas(vg, {req.dests[i]}))
      for (extent_t pe = f.start; pe < f.start + f.count; ++pe) {
        if (in_ranges(req.dest_ranges[i], pe)) continue;
        Segment s;
        s.start_extent = le++;
        s.extent_count = 1;
        s.stripes = {{req.dests[i], pe}};
        hold.segments.push_back(std::move(s));
      }
  }
  if (!hold.segments.empty()) out.lvs.push_back(std::move(hold));
  return out;
}

}  // namespace

Result<VolumeGroup> pvmove_set_up(const VolumeGroup& old, const std::string& source,
                                  const std::vector<std::string>& dests, const std::string& only_lv,
                                  AllocationPolicy policy) {
  PvmoveRequest req;
  req.source = source;
  req.dests = dests;
  req.only_lv = only_lv;
  req.policy = policy;
  return pvmove_set_up(old, req);
}

Result<VolumeGroup> pvmove_set_up(const VolumeGroup& old, const PvmoveRequest& req,
                                  std::vector<std::string>* skipped_locked) {
  VolumeGroup vg = old;
  const std::string& source = req.source;
  LogicalVolume mv = new_lv(std::string(PVMOVE_PREFIX) + "0");
  for (unsigned n = 1; vg.find_lv(mv.name); ++n) mv.name = fmt::format("{}{}", PVMOVE_PREFIX, n);
  mv.status = FlagSet(FlagSet::Kind::lv_status, {"READ", "WRITE", "PVMOVE", "LOCKED"});
  mv.allocation_policy = AllocationPolicy::contiguous;
  std::vector<SegmentArea> sources;  // per pvmove0 segment
  for (auto& lv : vg.lvs) {
    if (!req.only_lv.empty() && lv.name != req.only_lv) continue;
    if (segtypes::lv_is_pvmove(lv)) continue;
    if (lv.status.has("LOCKED")) {
      if (skipped_locked && lv_on_pv(vg, lv, source)) skipped_locked->push_back(lv.name);
      continue;
    }
    split_at_ranges(lv, source, req.source_ranges);
    bool moved = false;
    for (auto& seg : lv.segments) {
      if (!seg.is_striped()) continue;
      for (auto& a : seg.stripes) {
        if (a.name != source || !in_ranges(req.source_ranges, a.start)) continue;
        Segment s;
        s.start_extent = mv.extent_count();
        s.extent_count = seg.area_extents();
        sources.push_back(a);
        a = {mv.name, s.start_extent};
        s.stripes = {sources.back()};
        mv.segments.push_back(std::move(s));
        moved = true;
      }
    }
    if (moved) lv.status.add("LOCKED");
  }
  if (mv.segments.empty()) {
    return fail(ENODATA, fmt::format("No data to move for {}.", vg.name));
  }
  const extent_t total = mv.extent_count();
  vg.lvs.push_back(mv);
  // Destination extents: one allocation for the whole of pvmove0.
  auto pieces = alloc::allocate(with_only_ranges(vg, req), nullptr,
                                {.extents = total, .stripes = 1, .stripe_size = 0, .policy = req.policy,
                                 .pv_names = req.dests, .lv_name = mv.name});
  if (!pieces) return fail(ENOSPC, pieces.error().message);
  // Each pvmove0 segment becomes a mirror of its source and destination,
  // split where the destination allocation is.
  struct Run { SegmentArea area; extent_t count; };
  std::vector<Run> runs;
  for (const auto& p : *pieces) runs.push_back({p.stripes.at(0), p.extent_count});
  LogicalVolume& m = *vg.find_lv(mv.name);
  std::vector<Segment> segs;
  std::size_t ri = 0;
  extent_t run_used = 0;
  for (std::size_t i = 0; i < m.segments.size(); ++i) {
    const Segment& s = m.segments[i];
    extent_t done = 0;
    while (done < s.extent_count) {
      const extent_t take = std::min(s.extent_count - done, runs[ri].count - run_used);
      Segment out;
      out.start_extent = s.start_extent + done;
      out.extent_count = take;
      segtypes::MirrorKeys k;
      k.extents_moved = 0;
      k.region_size = segtypes::DEFAULT_MIRROR_REGION;
      k.mirrors = {{sources[i].name, sources[i].start + done},
                   {runs[ri].area.name, runs[ri].area.start + run_used}};
      segtypes::set_mirror_keys(out, k);
      segs.push_back(std::move(out));
      done += take;
      run_used += take;
      if (run_used == runs[ri].count) {
        ++ri;
        run_used = 0;
      }
    }
  }
  if (!req.atomic) {
    m.segments = std::move(segs);
  } else {
    // --atomic: the pieces become the segments of two image LVs and
    // pvmove0 one mirror of them.
    LogicalVolume img[2] = {new_lv(m.name + "_mimage_0"), new_lv(m.name + "_mimage_1")};
    for (auto& i : img) i.status.remove("VISIBLE");
    for (const auto& s : segs) {
      auto k = *segtypes::mirror_keys(s);
      for (int i = 0; i < 2; ++i) {
        Segment lin;
        lin.start_extent = s.start_extent;
        lin.extent_count = s.extent_count;
        lin.stripes = {k.mirrors[static_cast<std::size_t>(i)]};
        img[i].segments.push_back(std::move(lin));
      }
    }
    Segment top;
    top.extent_count = total;
    segtypes::MirrorKeys k;
    k.extents_moved = 0;
    k.region_size = segtypes::DEFAULT_MIRROR_REGION;
    k.mirrors = {{img[0].name, 0}, {img[1].name, 0}};
    segtypes::set_mirror_keys(top, k);
    m.segments = {std::move(top)};
    vg.lvs.push_back(std::move(img[0]));
    vg.lvs.push_back(std::move(img[1]));
  }
  std::stable_partition(vg.lvs.begin(), vg.lvs.end(), [](const LogicalVolume& x) { return x.visible(); });
  return vg;
}

std::vector<std::string> pvmove_image_lvs(const VolumeGroup& vg, const std::string& mv_name) {
  std::vector<std::string> out;
  const LogicalVolume* mv = vg.find_lv(mv_name);
  if (!mv) return out;
  for (const auto& s : mv->segments)
    if (auto k = segtypes::mirror_keys(s))
      for (const auto& a : k->mirrors)
        if (vg.find_lv(a.name)) out.push_back(a.name);
  return out;
}

void pvmove_flatten_atomic(VolumeGroup& vg, const std::string& mv_name) {
  const auto images = pvmove_image_lvs(vg, mv_name);
  LogicalVolume* mv = vg.find_lv(mv_name);
  if (!mv || images.size() != 2 || mv->segments.size() != 1) return;
  const LogicalVolume* src = vg.find_lv(images[0]);
  const LogicalVolume* dst = vg.find_lv(images[1]);
  auto top = segtypes::mirror_keys(mv->segments[0]);
  if (!src || !dst || !top || src->segments.size() != dst->segments.size()) return;
  const bool moved = top->extents_moved.value_or(0) >= mv->segments[0].extent_count;
  std::vector<Segment> segs;
  for (std::size_t i = 0; i < src->segments.size(); ++i) {
    const Segment& a = src->segments[i];
    const Segment& b = dst->segments[i];
    if (a.stripes.size() != 1 || b.stripes.size() != 1 || a.extent_count != b.extent_count) return;
    Segment out;
    out.start_extent = a.start_extent;
    out.extent_count = a.extent_count;
    segtypes::MirrorKeys k;
    k.extents_moved = moved ? a.extent_count : 0;
    k.region_size = top->region_size;
    k.mirrors = {a.stripes[0], b.stripes[0]};
    segtypes::set_mirror_keys(out, k);
    segs.push_back(std::move(out));
  }
  mv->segments = std::move(segs);
  std::erase_if(vg.lvs, [&](const LogicalVolume& x) { return x.name == images[0] || x.name == images[1]; });
}

}  // namespace udm::lvm::api::detail
