// Devices of thin pools and thin LVs, as lvm2's deptree lays them out:
//   VG-POOL_tmeta, VG-POOL_tdata   the sub-LVs' own tables (linear ...)
//   VG-POOL-tpool                  thin-pool <tmeta> <tdata> <chunk> 0 <features>
//                                  (uuid LVM-<vg id><pool id>-tpool)
//   VG-POOL                        linear over VG-POOL-tpool (the pool LV itself)
//   VG-THIN                        thin <VG-POOL-tpool> <device id>
// Lower devices are made first and removed last; a lower device in use by
// another LV stays. Messages (create_thin, create_snap, delete,
// set_transaction_id) go to the -tpool device, with lvm2's transaction id
// checks.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "lvm/activate/activate.hpp"
#include "lvm/report/view.hpp"
#include "lvm/segtypes/thin_keys.hpp"

namespace udm::client {
class Client;
}

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

// Whether `lv` is activated through this file (a pool, a thin LV, or a
// pool's sub-LV or spare, which are never activated on their own).
bool is_thin_lv(const VolumeGroup& vg, const LogicalVolume& lv);

// Activates a pool (its layers and VG-POOL) or a thin LV (with its pool's
// layers). A live device gets its table reloaded when it changed.
Result<void> thin_activate(client::Client& c, const VolumeGroup& vg, const LogicalVolume& lv,
                           const std::map<std::string, std::string>& pv_paths);
// Only the pool's layers (VG-POOL-tpool and below): what messages need.
Result<void> thin_activate_pool_layer(client::Client& c, const VolumeGroup& vg, const LogicalVolume& pool,
                                      const std::map<std::string, std::string>& pv_paths);
// Removes the LV's device, then the pool layers nobody uses any more.
Result<void> thin_deactivate(client::Client& c, const VolumeGroup& vg, const LogicalVolume& lv);
// Removes the pool's -tpool and sub-LV devices when no thin or pool device
// uses them.
Result<void> thin_release_pool_layer(client::Client& c, const VolumeGroup& vg, const LogicalVolume& pool);

// Active/open state of the LV as lvs shows it: a pool is open while its
// -tpool layer is (thin LVs use it).
Result<activate::DeviceState> thin_state(client::Client& c, const VolumeGroup& vg, const LogicalVolume& lv);

// Status of an active pool's -tpool device / a thin LV's device.
Result<std::optional<ThinPoolStatus>> pool_status(client::Client& c, const VolumeGroup& vg,
                                                  const LogicalVolume& pool);
Result<std::optional<ThinStatus>> thin_status(client::Client& c, const VolumeGroup& vg, const LogicalVolume& lv);

// Pools (their -tpool layer), Data% and Meta% of active pools and thins,
// into report states parallel to vg.lvs.
void thin_report_states(client::Client& c, const VolumeGroup& vg, std::vector<report::LvState>& states);

// Sends the pool segment's queued messages then set_transaction_id, as
// libdevmapper does: nothing when the pool already has the segment's
// transaction id; lvm2's error when it is neither that nor one less.
// `suspend_origin`: a thin LV to hold suspended around create_snap.
Result<void> send_pool_messages(client::Client& c, const VolumeGroup& vg, const LogicalVolume& pool);

}  // namespace udm::lvm::api::detail
