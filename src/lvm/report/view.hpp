// What a report is made from: VGs from the metadata model plus the facts only
// a device scan or the driver knows (device paths and sizes, metadata areas,
// whether an LV is active or open). The report layer does no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/units.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::lvm::report {

// One PV's device as the scan found it.
struct PvDevice {
  std::string path;            // "/dev/loop0", "/tmp/pv0.img"; empty = missing
  sector_t dev_size = 0;       // current size of the device
  unsigned mda_count = 0;      // metadata areas on the PV
  unsigned mda_used_count = 0; // of them, not flagged ignored
  byte_count mda_free = 0;     // smallest free space for a new copy over the PV's mdas
  byte_count mda_size = 0;     // smallest mda size
  unsigned major = 0, minor = 0;
  unsigned ext_version = 2;
};

enum class Tri : std::uint8_t { unknown, no, yes };

// Runtime state of an LV in the driver. `unknown` when the driver was not asked
// (lvm shows 'X' in lv_attr then, as with activation disabled).
struct LvState {
  Tri active = Tri::unknown;
  Tri open = Tri::unknown;
  // For old-style snapshots and their origins: the first target of the LV's
  // device ("snapshot", "snapshot-origin", "snapshot-merge") and its status.
  std::string target_type;
  std::string target_status;
  // Data% and Meta% of an active thin pool or thin LV, as lvs prints them
  // ("0.00"); empty when there is none.
  std::string data_percent;
  std::string metadata_percent;
  // A thin pool's or thin LV's trouble as lvs names it ("failed",
  // "out_of_data", "metadata_read_only"); needs_check: the pool says so.
  std::string health;
  bool needs_check = false;
  // Cpy%Sync of an active raid, mirror or pvmove LV ("100.00"), and a raid's
  // sync action ("idle", "resync", ...) and mismatch count; empty when none.
  std::string copy_percent;
  std::string sync_action;
  std::string mismatch_count;
};

struct VgView {
  const VolumeGroup* vg = nullptr;
  std::vector<PvDevice> devices;   // parallel to vg->pvs
  std::vector<LvState> lv_states;  // parallel to vg->lvs; empty = all unknown
};

// A PV label with no VG (pvcreate'd, not in a VG).
struct OrphanPv {
  std::string id;  // raw 32 characters
  PvDevice device;
  sector_t pe_start = 2048;
};

struct Input {
  std::vector<VgView> vgs;
  std::vector<OrphanPv> orphans;
};

}  // namespace udm::lvm::report
