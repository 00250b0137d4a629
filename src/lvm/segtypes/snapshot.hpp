// Old-style (COW) snapshots as LVM2 keeps them in metadata: a carrier LV
// "snapshotN" (status VISIBLE, yet hidden by lvm) holds one `snapshot`
// segment as long as the origin, naming the origin, the COW LV
// (`cow_store`, or `merging_store` while a merge is pending or running) and
// the chunk size. The COW LV itself loses VISIBLE; lvm shows it under its own
// name as the snapshot. These helpers answer the questions the commands,
// reports and activation ask about that relation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lvm/metadata/model.hpp"

namespace udm::lvm::segtypes {

struct SnapshotRef {
  const LogicalVolume* carrier = nullptr;  // "snapshotN"
  const Segment* seg = nullptr;
  std::string origin;  // LV names
  std::string cow;
  sector_t chunk_size = 0;
  bool merging = false;  // merging_store instead of cow_store
};

// Every old-style snapshot of the VG, in LV order.
std::vector<SnapshotRef> snapshots(const VolumeGroup& vg);
std::optional<SnapshotRef> snapshot_of_cow(const VolumeGroup& vg, std::string_view cow);
std::vector<SnapshotRef> snapshots_of_origin(const VolumeGroup& vg, std::string_view origin);
std::optional<SnapshotRef> merging_snapshot_of_origin(const VolumeGroup& vg, std::string_view origin);
inline bool lv_is_cow(const VolumeGroup& vg, const LogicalVolume& lv) { return snapshot_of_cow(vg, lv.name).has_value(); }
inline bool lv_is_origin(const VolumeGroup& vg, const LogicalVolume& lv) {
  return !snapshots_of_origin(vg, lv.name).empty();
}
// The carrier of a snapshot segment (an LV with a `snapshot` segment).
bool lv_is_snapshot_carrier(const LogicalVolume& lv);
bool is_snapshot_segment(const Segment& seg);

// The segment of a new carrier: `extents` = the origin's extent count.
Segment make_snapshot_segment(extent_t extents, sector_t chunk_size, std::string_view origin, std::string_view cow);
// Turns cow_store into merging_store (or back).
void set_snapshot_merging(Segment& seg, bool merging);
// lvrename: snapshot segments naming `from` (as origin or COW) name `to`.
void rename_snapshot_refs(VolumeGroup& vg, std::string_view from, std::string_view to);
// The first free "snapshotN" name.
std::string next_snapshot_carrier_name(const VolumeGroup& vg);

// The largest COW a snapshot of an origin of `origin_sectors` can use with
// `chunk_size` sectors per chunk: header chunk, one chunk per origin chunk,
// and the exception areas (one more when the count divides evenly, as the
// terminating entry needs room). In sectors.
sector_t cow_max_sectors(sector_t origin_sectors, sector_t chunk_size);
// The same rounded up to whole extents.
extent_t cow_max_extents(sector_t origin_sectors, sector_t chunk_size, sector_t extent_size);
// lvm2 wants room for 3 chunks at least.
inline constexpr unsigned SNAPSHOT_MIN_CHUNKS = 3;
// The default chunk size of lvcreate -s: 4 KiB.
inline constexpr sector_t DEFAULT_SNAPSHOT_CHUNK = 8;

}  // namespace udm::lvm::segtypes

namespace udm::lvm::segtypes {

// A snapshot or snapshot-merge target's status params as the driver prints
// them: "<allocated>/<total> <metadata>" (sectors), or a word.
struct SnapshotStatus {
  bool invalid = false;       // "Invalid"
  bool merge_failed = false;  // "Merge failed"
  bool overflow = false;      // "Overflow"
  bool unknown = false;       // "Unknown"
  std::uint64_t used_sectors = 0;
  std::uint64_t total_sectors = 0;
  std::uint64_t metadata_sectors = 0;
  bool has_metadata_sectors = false;
};
// nullopt when the text is none of those (the message names it).
Result<SnapshotStatus> parse_snapshot_status(std::string_view params);
// What lvs shows as Data%/Snap% (lvm2): invalid 100%, nothing but metadata
// 0%, else used/total; in millionths of a percent, nullopt = blank.
std::optional<std::int64_t> snapshot_percent(const SnapshotStatus& s);

}  // namespace udm::lvm::segtypes
