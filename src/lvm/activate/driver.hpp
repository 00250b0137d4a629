// The one way lvm code reaches the device-mapper driver (udmd or a kernel):
// activation of planned device trees, state queries, and the few device
// commands segment types need (messages to a pool, status for Data%, suspend
// around a snapshot). Nothing else in src/lvm talks to libudm.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "lvm/activate/device_tree.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::client {
class Client;
}

namespace udm::lvm::activate {

struct DeviceState {
  bool active = false;
  bool open = false;
};

// What the driver says of one device (exists = false when it has none).
struct DeviceInfo {
  bool exists = false;
  bool suspended = false;
  bool live_table = false;
  bool inactive_table = false;
  bool read_only = false;
  std::int32_t open_count = 0;
  std::uint32_t event_nr = 0;
  std::uint32_t major = 0, minor = 0;
  std::string name;
};

struct ApplyOptions {
  // Devices kept suspended while the tree loads even when their own table
  // does not change (an origin while a snapshot of it is created).
  std::vector<std::string> suspend_too;
  // Runs once the changed devices are suspended, before any of them resumes
  // with its new table (already loaded): the old tables wrote their state on
  // suspend and the new ones read it on resume. A raid LV changing its image
  // count rewrites the superblocks' count there.
  std::function<Result<void>()> while_suspended;
};

class Driver {
 public:
  // Connects to udmd; `autostart` starts it when nobody answers (activation
  // only: queries never start a driver). Null with the reason when none answers.
  static Result<std::unique_ptr<Driver>> connect(bool autostart);
  explicit Driver(std::unique_ptr<client::Client> client);
  ~Driver();
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  // ---- batches
  // Many LVs in one command (vgchange -ay/-an): one LIST of every device up
  // front, after which a device that was not there (and was not created since)
  // is known absent without asking the driver; only devices that exist cost
  // a DEV_STATUS. Ends with end_batch() (or the driver). Devices are made and
  // removed only through this driver meanwhile (the command holds the VG lock).
  //
  // With `pipelined`, activate() of an LV none of whose devices exists yet
  // only plans it; the planned LVs' devices are then created, loaded and
  // resumed together, a few rounds of requests in flight at once
  // (client::run_pipelined; stacked devices a round per level), at
  // end_batch() or before any other call of this driver. An LV that fails
  // there has what was created of it removed again, as activate() does.
  // Likewise deactivate() (remove()) only notes the tree, and the devices
  // of all noted trees are removed together, a round per level.
  Result<void> begin_batch(bool pipelined = false);
  struct BatchFailure {
    std::string lv;  // "vg/lv"
    Error error;     // what activate() would have returned
  };
  // Ends the batch; the LVs whose deferred activation failed.
  std::vector<BatchFailure> end_batch();

  // ---- LVs
  // Plans `lv` and carries the plan out (creates, reloads, resumes).
  Result<void> activate(const VolumeGroup& vg, const LogicalVolume& lv,
                        const std::map<std::string, std::string>& pv_paths, const ApplyOptions& opts = {});
  // Removes `lv`'s devices top-down; refused (EBUSY) while its top device is
  // open; lower devices still open (held by another LV) stay. Not active: no-op.
  Result<void> deactivate(const VolumeGroup& vg, const LogicalVolume& lv,
                          const std::map<std::string, std::string>& pv_paths);
  Result<DeviceState> state(const VolumeGroup& vg, const LogicalVolume& lv);
  // Every LV of the VG (by top uuid), in one list request plus an info per active one.
  Result<std::vector<DeviceState>> states(const VolumeGroup& vg);
  // lvrename of an active LV: its top device and its layers get the new name.
  Result<void> rename(const VolumeGroup& vg, const LogicalVolume& lv, std::string_view to);

  // ---- trees
  Result<void> apply(const DeviceTree& tree, const ApplyOptions& opts = {});
  // apply(), or in a pipelined batch, for a tree none of whose devices
  // exists, left to the batch (`who`, "vg/lv", names it in end_batch()).
  Result<void> apply_in_batch(DeviceTree tree, std::string who, const ApplyOptions& opts = {});
  Result<void> remove(const DeviceTree& tree, std::string_view who);

  // ---- single devices, by dm uuid
  Result<DeviceInfo> info(std::string_view uuid);
  Result<void> message(std::string_view uuid, std::string_view text);
  // Status or table lines of the live table (or the inactive one).
  Result<std::vector<TableLine>> status(std::string_view uuid, bool inactive = false);
  Result<std::vector<TableLine>> table(std::string_view uuid, bool inactive = false);
  Result<void> suspend(std::string_view uuid, bool noflush = false);
  Result<void> resume(std::string_view uuid);

 private:
  void forget(std::string_view uuid);
  // Whether activate() may leave `tree` to the batch, and the carrying out.
  bool may_defer(const DeviceTree& tree, const ApplyOptions& opts) const;
  void settle();  // runs what the batch deferred (failures kept for end_batch)
  // In a pipelined batch, remove() only notes the tree (true); settled with
  // the others' requests in flight together.
  bool defer_remove(const DeviceTree& tree, std::string_view who);
  void settle_removes();

  std::unique_ptr<client::Client> client_;
  // While a batch runs: the uuids of the devices the driver has (devno text).
  std::optional<std::unordered_map<std::string, std::string>> known_;
  struct Deferred {
    std::string lv;
    DeviceTree tree;
  };
  bool pipelined_ = false;
  std::vector<Deferred> deferred_;
  std::vector<Deferred> deferred_removes_;
  std::unordered_set<std::string> deferred_uuids_;
  std::vector<BatchFailure> failures_;
};

}  // namespace udm::lvm::activate
