// snapshot (old style): the carrier LV's one segment. Its keys (chunk_size,
// origin, cow_store or merging_store) stay in the segment's kept items, in the
// order lvm2 writes them, so that what lvm2 wrote round-trips unchanged.
#include "lvm/segtypes/snapshot.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "lvm/segtypes/builtin.hpp"
#include "lvm/segtypes/kept.hpp"
#include "lvm/segtypes/type_names.hpp"

namespace udm::lvm::segtypes {
namespace {

const ConfigNode* kept_number(const Segment& seg, std::string_view key) {
  for (const auto& n : seg.unknown)
    if (n.key == key && !n.is_section && n.value.is_int()) return &n;
  return nullptr;
}

SnapshotRef ref_of(const LogicalVolume& carrier, const Segment& seg);

using Lines = std::optional<std::vector<TableLine>>;

class Snapshot final : public Kept {
 public:
  // lvm2's stacks (all in sectors, the snapshot devices as long as the origin):
  //   origin:        VG-ORIGIN-real  = the origin's own segments
  //                  VG-ORIGIN       = snapshot-origin VG-ORIGIN-real
  //   each snapshot: VG-SNAP-cow     = the COW LV's own segments
  //                  VG-SNAP         = snapshot VG-ORIGIN-real VG-SNAP-cow P <chunk>
  //   merging:       VG-ORIGIN       = snapshot-merge VG-ORIGIN-real VG-SNAP-cow P <chunk>
  //                  (the merging snapshot has no device of its own).
  // Planning the origin plans its snapshots too, as lvm2 activates them
  // together; the first snapshot segment naming the origin decides for it.
  Result<Lines> lay_out(const TableContext& ctx, const Segment& seg, const LogicalVolume& lv) const override {
    if (!ctx.planner) return Lines{};
    const SnapshotRef me = ref_of(lv, seg);
    if (lv.name == me.origin) {
      const auto all = snapshots_of_origin(ctx.vg, lv.name);
      if (all.empty() || all.front().seg != &seg) return Lines{};
      return origin_lines(ctx, lv, all);
    }
    if (lv.name == me.cow) {
      if (me.merging)
        return fail(EBUSY, fmt::format("Snapshot {}/{} is merging into {}.", ctx.vg.name, lv.name, me.origin));
      const LogicalVolume* origin = ctx.vg.find_lv(me.origin);
      if (!origin) return fail(ENOENT, fmt::format("Snapshot {}/{} has no origin {}.", ctx.vg.name, lv.name, me.origin));
      auto real = real_device(ctx, *origin);
      if (!real) return fail(real.error());
      auto cow = cow_device(ctx, lv);
      if (!cow) return fail(cow.error());
      const sector_t len = origin->extent_count() * ctx.vg.extent_size;
      return Lines{{{0, len, "snapshot", fmt::format("{} {} P {}", *real, *cow, me.chunk_size)}}};
    }
    return Lines{};
  }

  std::string_view name() const override { return SNAPSHOT; }
  unsigned flags() const override { return SEG_HIDES_LV; }

  // A merging snapshot's COW is hidden (lvm2's lv_is_visible): only a
  // cow_store makes the COW LV take the origin's visibility.
  std::optional<std::pair<std::string, std::string>> cow_and_origin(const Segment& seg) const override {
    const ConfigNode* cow = kept_string(seg, "cow_store");
    if (!cow) return std::nullopt;
    const ConfigNode* origin = kept_string(seg, "origin");
    return std::pair{cow->value.text, origin ? origin->value.text : std::string()};
  }

  static Result<std::string> real_device(const TableContext& ctx, const LogicalVolume& origin) {
    auto own = ctx.planner->own_table(origin);
    if (!own) return fail(own.error());
    return ctx.planner->layer_device(origin, "real", std::move(*own));
  }
  static Result<std::string> cow_device(const TableContext& ctx, const LogicalVolume& cow) {
    auto own = ctx.planner->own_table(cow);
    if (!own) return fail(own.error());
    return ctx.planner->layer_device(cow, "cow", std::move(*own));
  }

  static Result<Lines> origin_lines(const TableContext& ctx, const LogicalVolume& origin,
                                    const std::vector<SnapshotRef>& all) {
    auto real = real_device(ctx, origin);
    if (!real) return fail(real.error());
    const sector_t len = origin.extent_count() * ctx.vg.extent_size;
    for (const auto& r : all) {
      if (!r.merging) continue;
      const LogicalVolume* cow = ctx.vg.find_lv(r.cow);
      if (!cow) return fail(ENOENT, fmt::format("Snapshot COW {}/{} not found.", ctx.vg.name, r.cow));
      auto cowdev = cow_device(ctx, *cow);
      if (!cowdev) return fail(cowdev.error());
      return Lines{{{0, len, "snapshot-merge", fmt::format("{} {} P {}", *real, *cowdev, r.chunk_size)}}};
    }
    for (const auto& r : all) {
      const LogicalVolume* cow = ctx.vg.find_lv(r.cow);
      if (!cow) return fail(ENOENT, fmt::format("Snapshot COW {}/{} not found.", ctx.vg.name, r.cow));
      if (auto d = ctx.planner->lv_device(*cow); !d) return fail(d.error());
    }
    return Lines{{{0, len, "snapshot-origin", *real}}};
  }

  void validate(const VolumeGroup& vg, const Segment& seg, const std::function<std::string()>& who,
                std::vector<std::string>& out) const override {
    const ConfigNode* origin = kept_string(seg, "origin");
    const ConfigNode* cow = kept_string(seg, "cow_store");
    if (!cow) cow = kept_string(seg, "merging_store");
    const ConfigNode* chunk = kept_number(seg, "chunk_size");
    if (!origin) out.push_back(who() + ": snapshot without origin");
    else if (!vg.find_lv(origin->value.text))
      out.push_back(who() + ": snapshot origin " + name_for_message(origin->value.text) + " not found");
    if (!cow) out.push_back(who() + ": snapshot without cow_store");
    else if (!vg.find_lv(cow->value.text))
      out.push_back(who() + ": snapshot COW " + name_for_message(cow->value.text) + " not found");
    if (origin && cow && origin->value.text == cow->value.text)
      out.push_back(who() + ": snapshot origin and COW are the same LV");
    if (!chunk) out.push_back(who() + ": snapshot without chunk_size");
    else {
      const std::int64_t c = chunk->value.integer;
      if (c <= 0 || (c & (c - 1)) != 0) out.push_back(who() + fmt::format(": snapshot chunk_size {} is not a power of 2", c));
    }
  }
};

SnapshotRef ref_of(const LogicalVolume& carrier, const Segment& seg) {
  SnapshotRef r;
  r.carrier = &carrier;
  r.seg = &seg;
  if (const ConfigNode* o = kept_string(seg, "origin")) r.origin = o->value.text;
  if (const ConfigNode* c = kept_string(seg, "cow_store")) {
    r.cow = c->value.text;
  } else if (const ConfigNode* m = kept_string(seg, "merging_store")) {
    r.cow = m->value.text;
    r.merging = true;
  }
  if (const ConfigNode* n = kept_number(seg, "chunk_size")) r.chunk_size = static_cast<sector_t>(std::max<std::int64_t>(0, n->value.integer));
  return r;
}

ConfigNode string_node(std::string_view key, std::string_view value) {
  ConfigNode n;
  n.key = std::string(key);
  n.value = ConfigValue::of_string(std::string(value));
  return n;
}

}  // namespace

const SegmentType& snapshot_segtype() {
  static const Snapshot t;
  return t;
}

bool is_snapshot_segment(const Segment& seg) { return seg.type == SNAPSHOT; }

bool lv_is_snapshot_carrier(const LogicalVolume& lv) {
  for (const auto& s : lv.segments)
    if (is_snapshot_segment(s)) return true;
  return false;
}

std::vector<SnapshotRef> snapshots(const VolumeGroup& vg) {
  std::vector<SnapshotRef> out;
  if (const VgIndex* ix = vg_index(vg)) {  // only the LVs known to carry one
    for (std::size_t i : ix->snapshot_lvs)
      for (const auto& s : vg.lvs[i].segments)
        if (s.type == SNAPSHOT) out.push_back(ref_of(vg.lvs[i], s));
    return out;
  }
  for (const auto& lv : vg.lvs)
    for (const auto& s : lv.segments)
      if (s.type == SNAPSHOT) out.push_back(ref_of(lv, s));
  return out;
}

std::optional<SnapshotRef> snapshot_of_cow(const VolumeGroup& vg, std::string_view cow) {
  for (auto& r : snapshots(vg))
    if (r.cow == cow) return r;
  return std::nullopt;
}

std::vector<SnapshotRef> snapshots_of_origin(const VolumeGroup& vg, std::string_view origin) {
  std::vector<SnapshotRef> out;
  for (auto& r : snapshots(vg))
    if (r.origin == origin) out.push_back(r);
  return out;
}

std::optional<SnapshotRef> merging_snapshot_of_origin(const VolumeGroup& vg, std::string_view origin) {
  for (auto& r : snapshots_of_origin(vg, origin))
    if (r.merging) return r;
  return std::nullopt;
}

Segment make_snapshot_segment(extent_t extents, sector_t chunk_size, std::string_view origin, std::string_view cow) {
  Segment s;
  s.start_extent = 0;
  s.extent_count = extents;
  s.type = std::string(SNAPSHOT);
  ConfigNode chunk;
  chunk.key = "chunk_size";
  chunk.value = ConfigValue::of_int(static_cast<std::int64_t>(chunk_size));
  s.unknown.push_back(chunk);
  s.unknown.push_back(string_node("origin", origin));
  s.unknown.push_back(string_node("cow_store", cow));
  return s;
}

void set_snapshot_merging(Segment& seg, bool merging) {
  for (auto& n : seg.unknown)
    if (n.key == (merging ? "cow_store" : "merging_store")) n.key = merging ? "merging_store" : "cow_store";
}

void rename_snapshot_refs(VolumeGroup& vg, std::string_view from, std::string_view to) {
  for (auto& lv : vg.lvs)
    for (auto& seg : lv.segments) {
      if (seg.type != SNAPSHOT) continue;
      for (auto& n : seg.unknown)
        if ((n.key == "origin" || n.key == "cow_store" || n.key == "merging_store") && n.value.is_string() &&
            n.value.text == from)
          n.value.text = std::string(to);
    }
}

std::string next_snapshot_carrier_name(const VolumeGroup& vg) {
  for (unsigned n = 0;; ++n) {
    std::string name = fmt::format("snapshot{}", n);
    if (!vg.find_lv(name)) return name;
  }
}

sector_t cow_max_sectors(sector_t origin_sectors, sector_t chunk_size) {
  if (chunk_size == 0) return 0;
  const std::uint64_t origin_chunks = (origin_sectors + chunk_size - 1) / chunk_size;
  const std::uint64_t per_area = chunk_size * SECTOR_SIZE / 16;  // 16-byte exception records
  const std::uint64_t metadata_chunks = (origin_chunks + per_area) / per_area;
  return (1 + origin_chunks + metadata_chunks) * chunk_size;
}

extent_t cow_max_extents(sector_t origin_sectors, sector_t chunk_size, sector_t extent_size) {
  const sector_t s = cow_max_sectors(origin_sectors, chunk_size);
  return (s + extent_size - 1) / extent_size;
}

}  // namespace udm::lvm::segtypes

namespace udm::lvm::segtypes {
namespace {

bool parse_u64(std::string_view t, std::uint64_t& out) {
  if (t.empty() || t.size() > 20) return false;
  std::uint64_t v = 0;
  for (char ch : t) {
    if (ch < '0' || ch > '9') return false;
    const std::uint64_t d = static_cast<std::uint64_t>(ch - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

// dm_make_percent of libdevmapper: never 0 or 100 unless exactly so.
std::int64_t make_percent(std::uint64_t num, std::uint64_t den) {
  constexpr std::int64_t P100 = 100'000'000;
  if (den == 0 || num == den) return P100;
  if (num == 0) return 0;
  auto p = static_cast<std::int64_t>(static_cast<double>(P100) * (static_cast<double>(num) / static_cast<double>(den)));
  if (p >= P100) return P100 - 1;
  if (p <= 0) return 1;
  return p;
}

}  // namespace

Result<SnapshotStatus> parse_snapshot_status(std::string_view params) {
  SnapshotStatus s;
  while (!params.empty() && params.back() == ' ') params.remove_suffix(1);
  if (params == "Invalid") { s.invalid = true; return s; }
  if (params == "Merge failed") { s.merge_failed = true; return s; }
  if (params == "Overflow") { s.overflow = true; return s; }
  if (params == "Unknown") { s.unknown = true; return s; }
  const auto slash = params.find('/');
  const auto space = params.find(' ');
  if (slash == std::string_view::npos) return fail(EINVAL, "snapshot status " + quote_for_message(params) + " has no '/'");
  const std::string_view used = params.substr(0, slash);
  const std::string_view total = space == std::string_view::npos || space < slash
                                     ? params.substr(slash + 1)
                                     : params.substr(slash + 1, space - slash - 1);
  if (!parse_u64(used, s.used_sectors) || !parse_u64(total, s.total_sectors))
    return fail(EINVAL, "snapshot status " + quote_for_message(params) + " is not <allocated>/<total> [<metadata>]");
  if (space != std::string_view::npos && space > slash) {
    if (!parse_u64(params.substr(space + 1), s.metadata_sectors))
      return fail(EINVAL, "snapshot status " + quote_for_message(params) + " has a bad metadata count");
    s.has_metadata_sectors = true;
  }
  return s;
}

std::optional<std::int64_t> snapshot_percent(const SnapshotStatus& s) {
  if (s.merge_failed || s.unknown) return std::nullopt;
  if (s.invalid || s.overflow) return 100'000'000;
  if (s.has_metadata_sectors && s.used_sectors == s.metadata_sectors) return 0;
  return make_percent(s.used_sectors, s.total_sectors);
}

}  // namespace udm::lvm::segtypes
