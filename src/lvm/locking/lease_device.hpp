// Where this host's sanlock daemon reaches a shared VG's leases.
//
// A PV that is a device or file here: the lvmlock LV's extents on that PV
// (lease_area()), as before. A PV that is a remote NBD export: sanlock opens
// paths only and cannot open a URI, so, as lvmlockd hands sanlock
// /dev/mapper/VG-lvmlock, the host activates the hidden lvmlock LV (at
// lockstart and vgcreate --shared) and sanlock uses that LV's udm device file
// at offset 0. That file is opened with direct_io (no page cache) and udm's
// NBD client caches nothing, so every lease read reaches the export and sees
// the other hosts' lease writes.
#pragma once

#include <map>
#include <string>

#include "base/result.hpp"
#include "lvm/activate/driver.hpp"
#include "lvm/locking/sanlock_layout.hpp"

namespace udm::lvm::locking::sanlock {

// Whether lvmlock lies on a PV this host reaches only as an NBD URI.
bool lease_lv_is_remote(const VolumeGroup& vg, const std::map<std::string, std::string>& pv_paths);

// The lease area as sanlock on this host opens it. For a remote lvmlock,
// its device file under udmd's run directory `rundir`, whether active or not
// (sanlock then fails the I/O, or refuses first: lockspace not started).
Result<LeaseArea> host_lease_area(const VolumeGroup& vg, const std::map<std::string, std::string>& pv_paths,
                                  const std::string& rundir);

// Activates / deactivates a remote lvmlock on this host's udmd (no-ops for
// a local one): before joining the lockspace / after leaving it.
Result<void> activate_lease_lv(activate::Driver& driver, const VolumeGroup& vg,
                               const std::map<std::string, std::string>& pv_paths);
Result<void> deactivate_lease_lv(activate::Driver& driver, const VolumeGroup& vg,
                                 const std::map<std::string, std::string>& pv_paths);

}  // namespace udm::lvm::locking::sanlock
