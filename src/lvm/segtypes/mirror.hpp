// The keys of lvm2's `mirror` segments, typed, and what activation and
// pvmove need to know about mirror LVs. The model keeps the keys in
// Segment::unknown in file order (so text lvm2 wrote goes back byte for
// byte); mirror_keys() reads them and set_mirror_keys() writes them back in
// the order lvm2's exporter uses (mirror_count, extents_moved, mirror_log,
// region_size, mirrors).
//
// Two forms:
//   a mirror LV:  mirrors = ["lv_mimage_0", 0, "lv_mimage_1", 0], hidden
//                 `_mimage_N` sub-LVs, optional `mirror_log = "lv_mlog"`
//                 (disk log; absent = core log);
//   pvmove:       the hidden `pvmove0` LV (status PVMOVE, LOCKED) whose
//                 segments mirror PV areas, source first then destination,
//                 with `extents_moved` (= extent_count once copied).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::lvm::segtypes {

struct MirrorKeys {
  std::uint64_t mirror_count = 2;
  std::optional<extent_t> extents_moved;  // present on pvmove segments
  std::optional<std::string> mirror_log;  // disk log LV
  std::optional<sector_t> region_size;    // sectors
  std::vector<SegmentArea> mirrors;
};

// lvm.conf activation/mirror_region_size default: 2 MiB.
inline constexpr sector_t DEFAULT_MIRROR_REGION = 4096;

bool is_mirror_segment(const Segment& seg);
// Errors name the key ("mirror segment: mirrors missing").
Result<MirrorKeys> mirror_keys(const Segment& seg);
// Sets seg.type and rewrites the segment's keys as lvm2 orders them.
void set_mirror_keys(Segment& seg, const MirrorKeys& k);

// While set, mirror LV tables (not pvmove's) say `nosync`: the first
// activation of a mirror made with --nosync (lvm2's mirror_in_sync()).
void set_mirror_create_in_sync(bool in_sync);

// pvmove's temporary LV (status PVMOVE).
bool lv_is_pvmove(const LogicalVolume& lv);
// A mirror LV (not pvmove): its first segment is a mirror.
bool lv_is_mirror(const LogicalVolume& lv);
// The mirror LV whose image or log `lv` is (null if none); `is_log` says which.
const LogicalVolume* mirror_of_sub_lv(const VolumeGroup& vg, const LogicalVolume& lv, bool* is_log = nullptr);

// For pvmove's mirror segments, as lvm2 loads them: the segments before the
// first one not yet copied map the destination (linear), that one is a
// mirror, the ones after it map the source (linear). Index into lv.segments
// of the running one, or lv.segments.size() when all are copied.
std::size_t pvmove_running_segment(const LogicalVolume& lv);

// The region size of a pvmove mirror as lvm2 adjusts it: the configured one,
// lowered to the largest power of two of extents dividing the segment.
sector_t pvmove_region_size(sector_t extent_size, extent_t extents, sector_t configured = DEFAULT_MIRROR_REGION);

// The status line of the mirror target: in-sync and total regions.
struct MirrorStatus {
  std::uint64_t in_sync = 0;
  std::uint64_t regions = 0;
  std::string health;  // one letter per leg: A ok, D/S/R/F failed
};
Result<MirrorStatus> parse_mirror_status(std::string_view params);

}  // namespace udm::lvm::segtypes
