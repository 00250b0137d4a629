// Zeroing and signature wiping for lvcreate and pvcreate, done by writing
// the PVs directly: an LV's bytes are found on its PVs from the segment map
// (the same arithmetic as its dm table), so a new LV is cleaned before it
// is activated and without udmd.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "lvm/api/cmd.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::lvm::api::detail {

// A run of LV bytes on one PV; `path` empty for zero/error segments (no
// backing: reads as zeros, writes are dropped).
struct LvPiece {
  std::string path;
  std::uint64_t offset = 0;  // bytes from the start of the PV device
  std::uint64_t length = 0;
};

// Where LV bytes [offset, offset + length) live, in order. Past the LV's end
// is an error.
Result<std::vector<LvPiece>> lv_pieces(const VolumeGroup& vg, const LogicalVolume& lv,
                                       const std::map<std::string, std::string>& pv_paths, std::uint64_t offset,
                                       std::uint64_t length);

// Byte access to something being cleaned: an LV (through its pieces) or a
// whole device.
struct ByteTarget {
  std::string name;  // in messages: "/dev/vg/lv" or the device path as given
  std::uint64_t size = 0;
  std::function<Result<void>(std::uint64_t offset, std::span<std::byte> out)> read;
  std::function<Result<void>(std::uint64_t offset, std::span<const std::byte> in)> write;
};
ByteTarget lv_target(const VolumeGroup& vg, const LogicalVolume& lv, const std::map<std::string, std::string>& pv_paths);
ByteTarget device_target(const std::string& name, const std::string& path);

struct WipeOptions {
  bool yes = false;    // -y or -f: wipe without asking
  std::vector<std::string> skip_types;  // e.g. LVM2_member when re-creating a PV
};
// lvm's wipe_known_signatures: each signature found is asked about
// ("WARNING: ext4 signature detected on X at offset 1080. Wipe it? [y/n]: ")
// unless opts.yes, then wiped ("Wiping ext4 signature on X."). Answered no:
// "Aborted wiping of ext4." and, at the end, "N existing signature(s) left on
// the device."; the result is then false. Test mode asks and says, but
// writes nothing.
Outcome<bool> wipe_signatures(Cmd& c, const ByteTarget& t, const WipeOptions& opts);
// Zeroes the first `bytes` (capped at the size) of `t`.
Result<void> zero_start(const ByteTarget& t, std::uint64_t bytes);

}  // namespace udm::lvm::api::detail
