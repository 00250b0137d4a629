// pvdisplay / vgdisplay / lvdisplay [-m] in lvm 2.03's layout ("  --- Volume
// group ---", labels padded to 22 (PV, VG) or 23 (LV) columns, sizes as
// "64.00 MiB", a "   " line after each object).
#pragma once

#include <string>

#include "lvm/report/view.hpp"

namespace udm::lvm::report {

std::string display_vg(const VgView& vg);
// One PV of a VG (index into vg.vg->pvs); `maps` adds the --- Physical
// Segments --- part (pvdisplay -m).
std::string display_pv(const VgView& vg, std::size_t pv_index, bool maps = false);
// A PV without a VG.
std::string display_orphan(const OrphanPv& pv);
// One LV (index into vg.vg->lvs); `maps` adds the --- Segments --- part.
std::string display_lv(const VgView& vg, std::size_t lv_index, bool maps);

// "64.00 MiB", "<9.54 MiB" (lvm's long size form with its '<' rounding mark).
std::string long_size(sector_t sectors);

}  // namespace udm::lvm::report
