#include "lvm/alloc/alloc.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "lvm/segtypes/segment_type.hpp"

namespace udm::lvm::alloc {
namespace {

bool named(const std::vector<std::string>& names, std::string_view n) {
  if (names.empty()) return true;
  return std::find(names.begin(), names.end(), n) != names.end();
}

std::optional<std::size_t> pv_index(const VolumeGroup& vg, std::string_view name) {
  for (std::size_t i = 0; i < vg.pvs.size(); ++i)
    if (vg.pvs[i].name == name) return i;
  return std::nullopt;
}

// The free areas still available while one allocation runs.
class Pool {
 public:
  explicit Pool(std::vector<FreeArea> areas) : areas_(std::move(areas)) {}

  // Free area that starts exactly at `start` on PV `pv`.
  FreeArea* starting_at(std::size_t pv, extent_t start) {
    for (auto& a : areas_)
      if (a.pv_index == pv && a.start == start && a.count > 0) return &a;
    return nullptr;
  }
  void take(FreeArea& a, extent_t n) {
    a.start += n;
    a.count -= n;
  }
  std::vector<FreeArea*> on(const std::vector<std::size_t>* pvs) {
    std::vector<FreeArea*> out;
    for (auto& a : areas_)
      if (a.count > 0 && (!pvs || std::find(pvs->begin(), pvs->end(), a.pv_index) != pvs->end())) out.push_back(&a);
    return out;
  }
  extent_t total() const {
    extent_t t = 0;
    for (const auto& a : areas_) t += a.count;
    return t;
  }

 private:
  std::vector<FreeArea> areas_;
};

// Chooses `n` areas (distinct PVs unless `same_pv_ok`) to hold `want` extents
// each; returns them and how many extents each gets (0 = nothing fits).
std::pair<std::vector<FreeArea*>, extent_t> choose(std::vector<FreeArea*> cands, unsigned n, extent_t want,
                                                    bool same_pv_ok, bool whole_only) {
  // Per PV keep one candidate: the first area that holds `want`, else the largest.
  std::vector<FreeArea*> per;
  if (same_pv_ok) {
    per = cands;
  } else {
    std::map<std::size_t, FreeArea*> best;
    std::vector<std::size_t> order;
    for (FreeArea* a : cands) {
      auto it = best.find(a->pv_index);
      if (it == best.end()) {
        best[a->pv_index] = a;
        order.push_back(a->pv_index);
        continue;
      }
      FreeArea* b = it->second;
      bool a_fits = a->count >= want, b_fits = b->count >= want;
      if ((a_fits && !b_fits) || (!a_fits && !b_fits && a->count > b->count)) it->second = a;
    }
    for (auto pv : order) per.push_back(best[pv]);
  }
  std::vector<FreeArea*> fitting;
  for (FreeArea* a : per)
    if (a->count >= want) fitting.push_back(a);
  if (fitting.size() >= n) {
    fitting.resize(n);
    return {fitting, want};
  }
  if (whole_only || per.size() < n) return {{}, 0};
  std::stable_sort(per.begin(), per.end(), [](FreeArea* a, FreeArea* b) { return a->count > b->count; });
  per.resize(n);
  extent_t k = want;
  for (FreeArea* a : per) k = std::min(k, a->count);
  return {per, k};
}

}  // namespace

std::vector<FreeArea> free_areas(const VolumeGroup& vg, const std::vector<std::string>& pv_names) {
  std::vector<FreeArea> out;
  auto used = pv_extent_map(vg);
  for (std::size_t i = 0; i < vg.pvs.size(); ++i) {
    const PhysicalVolume& pv = vg.pvs[i];
    if (!pv.status.has("ALLOCATABLE") || !named(pv_names, pv.name)) continue;
    std::vector<std::pair<extent_t, extent_t>> runs;
    for (const auto& u : used)
      if (u.pv_name == pv.name) runs.emplace_back(u.pe_start, u.pe_count);
    std::sort(runs.begin(), runs.end());
    extent_t at = 0;
    for (auto [s, c] : runs) {
      if (s > at) out.push_back({i, at, s - at});
      at = std::max(at, s + c);
    }
    if (at < pv.pe_count) out.push_back({i, at, pv.pe_count - at});
  }
  return out;
}

Result<std::vector<Segment>> allocate(const VolumeGroup& vg, const LogicalVolume* lv, const Request& req) {
  const unsigned n = std::max(1u, req.stripes);
  if (req.extents == 0) return fail(EINVAL, "Nothing to allocate: 0 extents requested");
  if (req.extents % n != 0)
    return fail(EINVAL, fmt::format("{} extents are not a multiple of {} stripes", req.extents, n));
  if (n > 1 && req.stripe_size == 0) return fail(EINVAL, "A striped allocation needs a stripe size");
  for (const auto& name : req.pv_names)
    if (!pv_index(vg, name)) return fail(ENOENT, fmt::format("PV {} is not in volume group {}", name, vg.name));

  Pool pool(free_areas(vg, req.pv_names));
  const extent_t available = pool.total();
  const std::string lv_name = lv ? lv->name : req.lv_name;
  extent_t le = lv ? lv->extent_count() : 0;
  extent_t per_left = req.extents / n;
  std::vector<Segment> out;

  auto emit = [&](const std::vector<std::pair<std::size_t, extent_t>>& starts, extent_t k) {
    Segment s;
    s.start_extent = le;
    s.extent_count = k * n;
    s.type = std::string(segtypes::striped_type().metadata_name());
    s.stripe_size = n > 1 ? req.stripe_size : 0;
    for (auto [pv, start] : starts) s.stripes.push_back({vg.pvs[pv].name, start});
    out.push_back(std::move(s));
    le += k * n;
    per_left -= k;
  };

  // The LV's last segment, when a new one could continue it.
  const Segment* last = nullptr;
  std::vector<std::size_t> last_pvs;
  if (lv && !lv->segments.empty() && lv->segments.back().is_striped()) {
    last = &lv->segments.back();
    for (const auto& a : last->stripes) {
      auto i = pv_index(vg, a.name);
      if (!i) {
        last = nullptr;
        last_pvs.clear();
        break;
      }
      last_pvs.push_back(*i);
    }
    if (last && last->stripes.size() != n) last = nullptr;
  }

  // Pass 0: right after the last extent of each stripe.
  if (last) {
    std::vector<FreeArea*> next;
    extent_t k = per_left;
    for (std::size_t j = 0; j < n; ++j) {
      FreeArea* a = pool.starting_at(last_pvs[j], last->stripes[j].start + last->area_extents());
      if (!a) {
        next.clear();
        break;
      }
      next.push_back(a);
      k = std::min(k, a->count);
    }
    if (!next.empty() && k > 0) {
      std::vector<std::pair<std::size_t, extent_t>> starts;
      for (FreeArea* a : next) starts.emplace_back(a->pv_index, a->start);
      for (FreeArea* a : next) pool.take(*a, k);
      emit(starts, k);
    }
  }
  if (per_left == 0) return out;

  const bool contiguous = req.policy == AllocationPolicy::contiguous;
  if (contiguous && last)
    return fail(ENOSPC, fmt::format("Insufficient suitable contiguous allocatable extents for logical volume {}: "
                                    "{} more required", lv_name, per_left * n));

  // Pass 1 (normal, cling): the PVs the LV ends on; pass 2 (not cling): all.
  const bool same_pv_ok = req.policy == AllocationPolicy::anywhere;
  for (int pass = 1; pass <= 2 && per_left > 0; ++pass) {
    if (pass == 1 && last_pvs.empty()) continue;
    if (pass == 2 && req.policy == AllocationPolicy::cling && !last_pvs.empty()) break;
    while (per_left > 0) {
      auto cands = pool.on(pass == 1 ? &last_pvs : nullptr);
      auto [chosen, k] = choose(cands, n, per_left, same_pv_ok, contiguous);
      if (chosen.empty() || k == 0) break;
      std::vector<std::pair<std::size_t, extent_t>> starts;
      for (FreeArea* a : chosen) starts.emplace_back(a->pv_index, a->start);
      for (FreeArea* a : chosen) pool.take(*a, k);
      emit(starts, k);
    }
  }
  if (per_left > 0) {
    if (contiguous)
      return fail(ENOSPC, fmt::format("Insufficient suitable contiguous allocatable extents for logical volume {}: "
                                      "{} more required", lv_name, per_left * n));
    if (n > 1 && available >= req.extents)
      return fail(ENOSPC, fmt::format("Insufficient suitable allocatable extents for logical volume {}: "
                                      "{} more required", lv_name, per_left * n));
    return fail(ENOSPC, fmt::format("Insufficient free space: {} extents needed, but only {} available",
                                    req.extents, available));
  }
  return out;
}

void merge_segments(LogicalVolume& lv) {
  auto& segs = lv.segments;
  for (std::size_t i = 1; i < segs.size();) {
    Segment& a = segs[i - 1];
    const Segment& b = segs[i];
    bool joinable = a.is_striped() && b.is_striped() && a.stripes.size() == b.stripes.size() &&
                    a.stripe_size == b.stripe_size && a.tags == b.tags && a.unknown.empty() && b.unknown.empty() &&
                    a.start_extent + a.extent_count == b.start_extent && !a.stripes.empty();
    if (joinable) {
      extent_t per = a.area_extents();
      for (std::size_t j = 0; j < a.stripes.size(); ++j)
        if (a.stripes[j].name != b.stripes[j].name || a.stripes[j].start + per != b.stripes[j].start) joinable = false;
    }
    if (!joinable) {
      ++i;
      continue;
    }
    a.extent_count += b.extent_count;
    segs.erase(segs.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

Result<void> extend_lv(VolumeGroup& vg, std::string_view lv_name, const Request& req) {
  LogicalVolume* lv = vg.find_lv(lv_name);
  if (!lv) return fail(ENOENT, fmt::format("Logical volume {} not found in volume group {}", lv_name, vg.name));
  auto segs = allocate(vg, lv, req);
  if (!segs) return fail(segs.error());
  for (auto& s : *segs) lv->segments.push_back(std::move(s));
  merge_segments(*lv);
  return {};
}

Result<void> reduce_lv(VolumeGroup& vg, std::string_view lv_name, extent_t new_extents) {
  LogicalVolume* lv = vg.find_lv(lv_name);
  if (!lv) return fail(ENOENT, fmt::format("Logical volume {} not found in volume group {}", lv_name, vg.name));
  if (new_extents == 0) return fail(EINVAL, "Size may not be zero");
  if (new_extents > lv->extent_count())
    return fail(EINVAL, fmt::format("New size ({} extents) is larger than the current size", new_extents));
  std::vector<Segment> kept;
  for (auto& s : lv->segments) {
    if (s.start_extent >= new_extents) break;
    if (s.start_extent + s.extent_count > new_extents) {
      extent_t cut = new_extents - s.start_extent;
      unsigned stripes = s.stripes.empty() ? 1 : static_cast<unsigned>(s.stripes.size());
      if (s.is_striped() && cut % stripes != 0)
        return fail(EINVAL, fmt::format("New size is not a multiple of {} stripes", stripes));
      s.extent_count = cut;
    }
    kept.push_back(std::move(s));
  }
  lv->segments = std::move(kept);
  return {};
}

}  // namespace udm::lvm::alloc
