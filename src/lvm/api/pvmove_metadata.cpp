// pvmove's metadata steps (pvmove_metadata.hpp): what lvm2's pvmove
// writes, checked against its own output in tests/unit/lvm_mirror.
#include "lvm/api/pvmove_metadata.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "lvm/alloc/alloc.hpp"
#include "lvm/api/cmd.hpp"
#include "lvm/segtypes/mirror.hpp"

namespace udm::lvm::api::detail {
namespace {

constexpr std::string_view PVMOVE_PREFIX = "pvmove";

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
    if (cuts.empty() || seg.stripes.empty()) {
      out.push_back(seg);
      continue;
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

Result<VolumeGroup> pvmove_set_up(const VolumeGroup& old, const std::string& source,
                                  const std::vector<std::string>& dests, const std::string& only_lv,
                                  AllocationPolicy policy) {
  VolumeGroup vg = old;
  LogicalVolume mv = new_lv(std::string(PVMOVE_PREFIX) + "0");
  for (unsigned n = 1; vg.find_lv(mv.name); ++n) mv.name = fmt::format("{}{}", PVMOVE_PREFIX, n);
  mv.status = FlagSet(FlagSet::Kind::lv_status, {"READ", "WRITE", "PVMOVE", "LOCKED"});
  mv.allocation_policy = AllocationPolicy::contiguous;
  std::vector<SegmentArea> sources;  // per pvmove0 segment
  for (auto& lv : vg.lvs) {
    if (!only_lv.empty() && lv.name != only_lv) continue;
    if (segtypes::lv_is_pvmove(lv)) continue;
    bool moved = false;
    for (auto& seg : lv.segments) {
      if (!seg.is_striped()) continue;
      for (auto& a : seg.stripes) {
        if (a.name != source) continue;
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
  auto pieces = alloc::allocate(vg, nullptr, {.extents = total, .stripes = 1, .stripe_size = 0, .policy = policy,
                                              .pv_names = dests, .lv_name = mv.name});
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
  m.segments = std::move(segs);
  std::stable_partition(vg.lvs.begin(), vg.lvs.end(), [](const LogicalVolume& x) { return x.visible(); });
  return vg;
}

}  // namespace udm::lvm::api::detail
