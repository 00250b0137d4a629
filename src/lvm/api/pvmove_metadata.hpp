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

// The VG with each of pvmove0's mirror segments linear where its data is
// now (the destination once copied, else the source).
VolumeGroup pvmove_linear_view(const VolumeGroup& vg, const std::string& mv_name);

// The VG without the pvmove: each LV area on pvmove0 becomes the PV area its
// data is on (split at pvmove0's segment boundaries, merged where the pieces
// continue each other), LOCKED dropped, pvmove0 gone.
void pvmove_remove(VolumeGroup& vg, const std::string& mv_name);

}  // namespace udm::lvm::api::detail
