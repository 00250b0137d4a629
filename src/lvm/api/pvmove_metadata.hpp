// pvmove's metadata steps, pure functions over the model (no I/O), as lvm2
// writes them: setting up the temporary mirror LV `pvmove0`, the view of the
// VG with pvmove0 all linear (for bringing devices onto it), and taking the
// pvmove out again at the end or on --abort. pvmove.cpp runs them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::lvm::api::detail {

// The VG's pvmove LV (status PVMOVE), or null.
const LogicalVolume* pvmove_lv(const VolumeGroup& vg);
// The source PV of a pvmove LV: the first area of its first mirror segment.
std::string pvmove_source(const LogicalVolume& mv);
// LVs whose segments have an area on `layer`, in VG order.
std::vector<std::string> lvs_using(const VolumeGroup& vg, std::string_view layer);

// The VG with pvmove0 (`source` PV's extents, only `only_lv`'s when given,
// moving onto `dests`): the LVs' areas on `source` name pvmove0 and the LVs
// get LOCKED; pvmove0's segments mirror each source area onto a destination
// allocated in one go with `policy` (split where the destination is).
// Errors: "No data to move for VG." (ENODATA); the allocator's message
// (ENOSPC), which lvm2 follows with "Unable to allocate mirror extents ...".
Result<VolumeGroup> pvmove_set_up(const VolumeGroup& vg, const std::string& source,
                                  const std::vector<std::string>& dests, const std::string& only_lv,
                                  AllocationPolicy policy);

// A `PV:PE-PE` range of extents (inclusive) named on pvmove's command line.
struct PeRange {
  extent_t first = 0;
  extent_t last = 0;
};
// "PV:1-3:7:9+2" → the path and its ranges (none: the whole PV). Errors name
// the bad part as lvm2 does ("Physical extent parsing error at 1-x.").
Result<std::pair<std::string, std::vector<PeRange>>> parse_pv_ranges(std::string_view arg);

struct PvmoveRequest {
  std::string source;                 // "pv0"
  std::vector<PeRange> source_ranges{};  // empty: every extent of the source
  std::vector<std::string> dests{};   // "pv1", ...
  std::vector<std::vector<PeRange>> dest_ranges{};  // per dests[i]; empty: all
  std::string only_lv{};
  AllocationPolicy policy = AllocationPolicy::normal;
  // lvm2's --atomic: one mirror segment over `<mv>_mimage_0` (the source
  // pieces) and `<mv>_mimage_1` (the destination), copied all at once.
  bool atomic = false;
};

// The set-up for `req`; LVs locked by another pvmove that have extents on
// the source are left out and named in `skipped_locked` (lvm2 says
// "Skipping locked LV vg/lv.").
Result<VolumeGroup> pvmove_set_up(const VolumeGroup& vg, const PvmoveRequest& req,
                                  std::vector<std::string>* skipped_locked = nullptr);

// An --atomic pvmove LV in the per-segment form (each source piece a mirror
// segment with its destination piece, all copied or none), its
// `_mimage_N` LVs gone; other pvmove LVs are left as they are.
void pvmove_flatten_atomic(VolumeGroup& vg, const std::string& mv_name);
// The `_mimage_N` LVs of an --atomic pvmove LV (empty for others).
std::vector<std::string> pvmove_image_lvs(const VolumeGroup& vg, const std::string& mv_name);

// The VG with each of pvmove0's mirror segments linear where its data is
// now (the destination once copied, else the source).
VolumeGroup pvmove_linear_view(const VolumeGroup& vg, const std::string& mv_name);

// The VG without the pvmove: each LV area on pvmove0 becomes the PV area its
// data is on (split at pvmove0's segment boundaries, merged where the pieces
// continue each other), LOCKED dropped, pvmove0 gone.
void pvmove_remove(VolumeGroup& vg, const std::string& mv_name);

}  // namespace udm::lvm::api::detail
