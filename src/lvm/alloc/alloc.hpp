// Extent allocation over the LVM model: pure functions, no I/O.
//
// Policies (lvm(8) --alloc):
//   contiguous  each new area is one run of free PEs; an extension must start
//               right after the LV's last extent on the same PV(s).
//   cling       an extension uses only the PVs of the LV's last segment.
//   normal      first continue right after the LV's last extent when free,
//               then the PVs the LV already ends on, then the other PVs in VG
//               order; stripes never share a PV.
//   anywhere    like normal, but stripes may use different free runs of one PV.
// Within a pass a free area that holds the whole remainder is preferred (the
// first such in PV/PE order); otherwise the largest areas are used first.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::lvm::alloc {

// A run of free physical extents on one PV.
struct FreeArea {
  std::size_t pv_index = 0;  // into vg.pvs
  extent_t start = 0;
  extent_t count = 0;
};

// Free runs of every allocatable PV (or only those named in `pv_names`, "pvN"),
// in VG order then PE order.
std::vector<FreeArea> free_areas(const VolumeGroup& vg, const std::vector<std::string>& pv_names = {});

struct Request {
  extent_t extents = 0;        // logical extents to add (a multiple of stripes)
  unsigned stripes = 1;
  sector_t stripe_size = 0;    // sectors; used when stripes > 1
  AllocationPolicy policy = AllocationPolicy::normal;  // inherit is resolved by the caller
  std::vector<std::string> pv_names{};  // restrict to these PVs ("pv0"); empty = all
  std::string lv_name{};              // for messages when allocating a new LV
};

// Segments that add `req.extents` logical extents after the end of `lv` (null
// or empty LV: a new LV starting at LE 0). Errors (ENOSPC) say how many
// extents were needed and how many were usable, as lvm does:
// "Insufficient free space: 251 extents needed, but only 18 available".
Result<std::vector<Segment>> allocate(const VolumeGroup& vg, const LogicalVolume* lv, const Request& req);

// Appends the segments `allocate` returns to the LV `lv_name` and merges
// segments that continue each other (lvm writes them as one).
Result<void> extend_lv(VolumeGroup& vg, std::string_view lv_name, const Request& req);

// Cuts the LV down to `new_extents` logical extents (> 0), freeing the tail.
Result<void> reduce_lv(VolumeGroup& vg, std::string_view lv_name, extent_t new_extents);

// Merges neighbouring segments of an LV that map continuing PE runs.
void merge_segments(LogicalVolume& lv);

}  // namespace udm::lvm::alloc
