// The keys of raid segments (raid0/raid0_meta, raid1, raid4/5/6, raid10),
// typed. As thin's, they stay in Segment::unknown in the order lvm2 writes
// them (raid.c's exporter), so text read from lvm2 goes back byte for byte;
// raid_keys() reads that list and set_raid_keys() writes one as lvm2 would.
// The sub-LVs of a raid LV are `<lv>_rimage_N` (data) and `<lv>_rmeta_N`
// (the dm-raid superblock and write-intent bitmap, one extent), each a
// linear LV of its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::lvm::segtypes {

struct TableContext;

struct RaidKeys {
  std::string type;                  // the metadata word: "raid1", "raid5_ls", ...
  std::uint64_t device_count = 0;    // images (stripe_count for raid0)
  std::optional<std::uint64_t> data_copies;  // raid10
  sector_t region_size = 0;          // 0: none written (raid0)
  sector_t stripe_size = 0;
  std::optional<std::uint64_t> writebehind, min_recovery_rate, max_recovery_rate, data_offset;
  std::vector<std::string> images;   // _rimage_N, in slot order
  std::vector<std::string> metas;    // _rmeta_N per slot, "" for none (raid0)
};

// Every raid type word lvm2 knows, and the word lvcreate --type takes for it
// ("raid5" means raid5_ls, "raid6" raid6_zr).
bool is_raid_type(std::string_view word);
bool is_raid0_type(std::string_view word);
std::string canonical_raid_type(std::string_view word);
// Parity devices of the type (raid4/5: 1, raid6: 2, else 0).
unsigned raid_parity_devs(std::string_view word);
// Data stripes: what LV extents are split over (raid1: 1 image's worth).
std::uint64_t raid_data_stripes(const RaidKeys& k);

// Errors name the key ("raid1 segment: raids missing").
Result<RaidKeys> raid_keys(const Segment& seg);
// Sets seg.type and rewrites the segment's keys as lvm2 orders them.
void set_raid_keys(Segment& seg, const RaidKeys& k);

bool is_raid_segment(const Segment& seg);
bool lv_is_raid(const LogicalVolume& lv);
// The raid LV whose sub-LV `lv` is, with its slot, or null.
const LogicalVolume* raid_of_sub_lv(const VolumeGroup& vg, const LogicalVolume& lv, bool* is_meta = nullptr,
                                    std::size_t* slot = nullptr);

// "region_size 1024": the dm-raid table parameters of a raid LV's segment
// (`<type> <#params> <chunk> ... <#devs> <meta> <data> ...`), the sub-LVs
// planned as devices below it. Sub-LVs with REBUILD in their status get
// `rebuild <slot>`; `nosync` when the LV is made with --nosync
// (set_raid_create_in_sync, lvm2's mirror_in_sync()).
Result<std::string> raid_target_params(const TableContext& ctx, const Segment& seg);
void set_raid_create_in_sync(bool in_sync);

// The default region size for a new raid LV of `lv_sectors` (lvm2's 2 MiB,
// lowered to the largest power of two not over the LV size).
sector_t default_raid_region_size(sector_t lv_sectors);

}  // namespace udm::lvm::segtypes
