// The VG edits behind lvconvert of `--type mirror` LVs (--repair, -m N),
// as lvm2 2.03.16 makes them, kept apart from the command so they can be
// tested on a VG model alone (tests/unit/lvm_mirror_plan_test.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::lvm::api::detail {

struct MirrorShape {
  unsigned images = 0;
  unsigned logs = 0;  // 0 core, 1 disk
  bool operator==(const MirrorShape&) const = default;
};

// The shapes lvm2's repair tries in turn to get back to `want`: fewer
// images first (down to 2), then fewer logs (down to 0).
std::vector<MirrorShape> mirror_repair_attempts(MirrorShape want);

// The images and log of mirror LV `lvn` (log empty for a core log).
struct MirrorParts {
  std::vector<std::string> images;
  std::string log;
  sector_t region_size = 0;
};
Result<MirrorParts> mirror_parts(const VolumeGroup& vg, const std::string& lvn);

// Takes the images `drop` (and the disk log when `drop_log`) out of mirror
// LV `lvn`, as lvm2's lv_remove_mirrors: a mirror left with one image
// becomes a linear LV on that image's extents and loses its log. Returns
// the sub-LVs removed from `vg` (their devices are to go).
Result<std::vector<std::string>> remove_mirror_images(VolumeGroup& vg, const std::string& lvn,
                                                      const std::vector<std::string>& drop, bool drop_log);

// What add_mirror_images made.
struct AddedMirror {
  std::vector<std::string> images;  // new image LVs
  std::string log;                  // new log LV (empty: none)
  bool from_linear = false;         // the LV was linear: its extents are image 0 now
};

// Makes LV `lvn` (linear, or a mirror of fewer images / no log) a mirror of
// `want.images` images with `want.logs` disk logs, as lvm2's lv_add_mirrors:
// new images `<lv>_mimage_N` (N one past the highest in use) each on PVs no
// other image uses, a log `<lv>_mlog` of one extent on the PV no image uses
// with the least free space (lvm2 takes logs from the end of its areas
// sorted by size), else beside an image. Only PVs in `usable` are
// allocated from. An error is lvm2's message for the allocation that failed.
Result<AddedMirror> add_mirror_images(VolumeGroup& vg, const std::string& lvn, MirrorShape want, sector_t region_size,
                                      AllocationPolicy policy, const std::vector<std::string>& usable);

}  // namespace udm::lvm::api::detail
