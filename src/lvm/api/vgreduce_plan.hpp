// The VG edits behind `vgreduce --removemissing [--force] [--mirrorsonly]`,
// as lvm2 2.03.16 makes them, on a VG model alone so they can be tested
// without devices (tests/unit/lvm_mirror/vgreduce_plan_test.cpp).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::lvm::api::detail {

// LVs lvm2 marks PARTIAL_LV: an area on a PV of `missing`, or a sub-LV
// (image, log, metadata, pool, COW, ...) that is partial, in vg.lvs order.
std::vector<std::string> partial_lvs(const VolumeGroup& vg, const std::set<std::string>& missing);

// What --force does next to a partial LV (lvm2's _make_vg_consistent): it
// scans vg.lvs in order and starts again after each change.
enum class MissingFix { raid_errors, mirror_images, remove_lv };
struct MissingStep {
  std::optional<MissingFix> fix;  // none: nothing more to do
  std::string lv;
  // With --mirrorsonly, the LVs it refused on the way ("Non-mirror-image LV
  // %s found: can't remove."), once per pass as lvm2 prints them.
  std::vector<std::string> refused;
};
MissingStep next_missing_fix(const VolumeGroup& vg, const std::set<std::string>& missing, bool mirrors_only);

// lvm2's lv_raid_remove_missing: each slot whose image or metadata is
// partial gets both replaced by an error segment of the same size.
Result<void> raid_remove_missing(VolumeGroup& vg, const std::string& lvn, const std::set<std::string>& missing);

// lvm2's mirror_remove_missing: the partial images (and a partial disk log)
// leave the mirror; one image left makes it linear. `gone` are the sub-LVs
// removed; no_images_left when every image is partial (nothing changed: the
// caller removes the LV).
struct MirrorMissingFix {
  bool no_images_left = false;
  std::vector<std::string> gone;
};
Result<MirrorMissingFix> mirror_remove_missing(VolumeGroup& vg, const std::string& lvn,
                                               const std::set<std::string>& missing);

// Gives the PVs lvm2's names by position (pv0, pv1, ...), as it writes them
// after a PV left the VG; segment areas follow.
void renumber_pvs(VolumeGroup& vg);

}  // namespace udm::lvm::api::detail
