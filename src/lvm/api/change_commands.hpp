// Internal to src/lvm/api: the commands that change PV and VG attributes or
// move PVs between VGs (pvchange.cpp, vg_split_merge.cpp,
// vg_export_import.cpp) and fullreport (fullreport.cpp).
#pragma once

#include "lvm/api/cmd.hpp"

namespace udm::lvm::api::detail {

Outcome<void> cmd_pvchange(Cmd& c);
Outcome<void> cmd_vgsplit(Cmd& c);
Outcome<void> cmd_vgmerge(Cmd& c);
Outcome<void> cmd_vgexport(Cmd& c);
Outcome<void> cmd_vgimport(Cmd& c);
Outcome<void> cmd_vgimportclone(Cmd& c);
Outcome<void> cmd_vgmknodes(Cmd& c);
Outcome<void> cmd_fullreport(Cmd& c);

// Locks a VG the command creates (vgsplit's new VG, vgimportclone's new
// name) as the command's own plan locks the others.
Outcome<void> lock_new_vg(Cmd& c, const std::string& name);

}  // namespace udm::lvm::api::detail
