// Internal to src/lvm/api: what pvs/vgs/lvs and the display commands are made
// from — the scanned VGs, device facts and (for LVs) the driver's state — as
// typed rows. The CLI prints them (report::render); Lvm::lvs/vgs/pvs return
// them as structs. One path for both.
#pragma once

#include <memory>

#include "lvm/api/cmd.hpp"

namespace udm::lvm::api::detail {

struct ReportData {
  std::vector<const VolumeGroup*> vgs;  // owned by the command's store
  report::Input in;
  // Per-LV lookups (visibility, snapshots, pools) in O(1) while the report is built.
  std::vector<std::unique_ptr<VgIndexScope>> indexes;
};

// The scan behind a report: opens the store read-only, refuses VG names in
// `names` that are not found (as lvm: "Volume group "x" not found"), and asks
// the driver for LV states when `type` is lvs and udmd runs.
Outcome<ReportData> load_report(Cmd& c, report::ReportType type, const std::vector<std::string>& names);
// The rows of a store already opened (for -S on changing commands).
ReportData report_rows(Cmd& c, bool with_states);

}  // namespace udm::lvm::api::detail
