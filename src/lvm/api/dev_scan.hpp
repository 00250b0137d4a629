// The block devices lvm2 would scan, found as lvm2 2.03.16 finds them: every
// block node under the devices/scan directories (default /dev, recursively,
// not into other file systems nor through symlinks to directories), grouped
// by device number into one device with all its names (aliases, the
// preferred one first), then passed through lvm2's filter chain in its
// order; the first filter that refuses a device gives the reason lvm2 prints
// ("Cannot use DEV: REASON"):
//   devices/global_filter, devices/filter   "device is rejected by filter config"
//     (each list: per name in alias order, the first matching item decides;
//      the device is accepted when any name is accepted, rejected when a
//      name was rejected and none accepted, accepted when nothing matched;
//      a name accepted after the first becomes the device's name)
//   type: the major's driver (/proc/devices) in lvm2's list or devices/types
//                                            "device type is unknown"
//   sysfs (devices/sysfs_scan): /sys/dev/block/MAJ:MIN exists
//                                            "device is missing sysfs info"
//   LVs (unless devices/scan_lvs): udm's LV devices, loop devices over a
//     file of udmd's FUSE mount (lvm2 skips dm LVs the same way)
//                                            "device is an LV"
//   size below devices/pv_min_size KiB or unreadable
//                                            "device is too small (pv_min_size)"
//   a whole disk with partitions             "device is partitioned"
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lvm/api/config.hpp"

namespace udm::lvm::api {

// Where the scanner looks; tests point these at a fake tree.
struct ScanEnv {
  std::string sys_root = "/sys";
  std::string proc_root = "/proc";
  // A device's size in bytes, nullopt when it cannot be opened or sized.
  std::function<std::optional<std::uint64_t>(const std::string& path)> size;
  // The file a loop device reads ("" when none), and whether that file is
  // one of udmd's device files (FUSE, fsname udm).
  std::function<bool(const std::string& backing_file)> is_udm_file;
};
ScanEnv default_scan_env();

struct BlockDevice {
  dev_t devno = 0;
  std::vector<std::string> aliases;  // preferred first, as lvm2 orders them
  std::string name;                  // the name ulvm uses (see above)
  std::string reason;                // why it is filtered out; empty when usable
};

struct DeviceScan {
  std::vector<BlockDevice> devices;
  // The device one of whose names is `path` (after following symlinks), or
  // null.
  const BlockDevice* find(const std::string& path) const;
  // The names of the usable devices, in scan order.
  std::vector<std::string> usable() const;
};

// Walks `dirs` and filters what it finds.
DeviceScan scan_block_devices(const Config& cfg, const std::vector<std::string>& dirs, const ScanEnv& env);

// One lvm2 regex filter list over a device's names: true when accepted;
// `name` becomes the accepting name when it is not the first.
bool regex_filter_passes(const std::vector<FilterRule>& rules, const std::vector<std::string>& aliases,
                         std::string& name);

// lvm2's choice between two names of one device: true when `a` is
// preferred to `b` (/dev/block/, /dev/dm-*, /dev/disk/, /dev/mapper/ last,
// then fewer path components, then a symlink, then the smaller string).
bool preferred_name(const std::string& a, const std::string& b);

}  // namespace udm::lvm::api
