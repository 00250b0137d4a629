// Devices of thin pools and thin LVs, as lvm2's deptree lays them out (the
// handlers in src/lvm/segtypes/thin_pool.cpp and thin.cpp plan them):
//   VG-POOL_tmeta, VG-POOL_tdata   the sub-LVs' own tables (linear ...)
//   VG-POOL-tpool                  thin-pool <tmeta> <tdata> <chunk> 0 <features>
//                                  (uuid LVM-<vg id><pool id>-tpool)
//   VG-POOL                        linear over VG-POOL-tpool (the pool LV itself)
//   VG-THIN                        thin <VG-POOL-tpool> <device id>
// This file adds what the tree does not: the pool layer alone (to send
// messages), the pool's state as lvs sees it (its -tpool layer), pool
// messages with lvm2's transaction id checks, and Data%/Meta%.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "lvm/activate/driver.hpp"
#include "lvm/report/view.hpp"
#include "lvm/segtypes/thin_keys.hpp"

namespace udm::lvm::api::detail {

// The thin-pool status line fields lvs and lvdisplay use.
struct ThinPoolStatus {
  std::uint64_t transaction_id = 0;
  std::uint64_t used_meta = 0, total_meta = 0;  // metadata blocks (4 KiB)
  std::uint64_t used_data = 0, total_data = 0;  // data blocks (chunks)
  bool read_only = false, fail = false, needs_check = false, out_of_data = false;
};
struct ThinStatus {
  std::uint64_t mapped_sectors = 0;
  bool fail = false;
};

// A thin-pool status line as the kernel prints it ("Fail" included);
// errors name the text. Bytes from the driver: bounds-checked.
Result<ThinPoolStatus> parse_thin_pool_status(std::string_view line);

// A thin pool or thin LV (activated with its pool's messages).
bool is_thin_lv(const VolumeGroup& vg, const LogicalVolume& lv);

// Only the pool's layers (VG-POOL-tpool and below): what messages need.
Result<void> thin_activate_pool_layer(activate::Driver& d, const VolumeGroup& vg, const LogicalVolume& pool,
                                      const std::map<std::string, std::string>& pv_paths);
// Removes the pool's -tpool and sub-LV devices unless VG-POOL or a thin LV
// still uses them.
Result<void> thin_release_pool_layer(activate::Driver& d, const VolumeGroup& vg, const LogicalVolume& pool,
                                     const std::map<std::string, std::string>& pv_paths);

// Active/open state as lvs shows it: a pool is active and open through its
// -tpool layer (thin LVs hold it open).
Result<activate::DeviceState> thin_state(activate::Driver& d, const VolumeGroup& vg, const LogicalVolume& lv);

// Status of an active pool's -tpool device / a thin LV's device.
Result<std::optional<ThinPoolStatus>> pool_status(activate::Driver& d, const VolumeGroup& vg,
                                                  const LogicalVolume& pool);
Result<std::optional<ThinStatus>> thin_status(activate::Driver& d, const VolumeGroup& vg, const LogicalVolume& lv);

// Pools (their -tpool layer), Data% and Meta% of active pools and thins,
// into report states parallel to vg.lvs.
void thin_report_states(activate::Driver& d, const VolumeGroup& vg, std::vector<report::LvState>& states);

// Sends the pool segment's queued messages then set_transaction_id, as
// libdevmapper does: nothing when the pool already has the segment's
// transaction id; lvm2's error when it is neither that nor one less.
Result<void> send_pool_messages(activate::Driver& d, const VolumeGroup& vg, const LogicalVolume& pool);

}  // namespace udm::lvm::api::detail
