// The FUSE namespace as plain data: root/mapper/NAME for every device with a
// live table, root/VG/LV for LVM devices. Updated one device at a time
// (sync()): a change costs O(1) hash look-ups plus an O(log n) step in its
// directory's listing order, whatever the number of devices. Inode numbers
// stay stable for as long as the same device (or directory) stays, renames
// included, and are never reused. Not thread-safe: the filesystem guards it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/mapped_device.hpp"

namespace udm::exports::fuse {

using Ino = std::uint64_t;
inline constexpr Ino ROOT_INO = 1;
// readdir offsets: 1 and 2 are "." and ".."; each child gets the next cookie
// of its directory when it is linked, so a listing resumes in O(log n).
inline constexpr std::uint64_t FIRST_COOKIE = 3;

struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct TreeNode {
  Ino ino = 0;
  Ino parent = 0;
  std::string name;
  bool directory = false;
  std::uint64_t cookie = 0;                   // position in the parent's listing
  core::MappedDevicePtr device;               // files only
  byte_count size = 0;                        // files: device size when last synced
  // directories only
  std::unordered_map<std::string, Ino, NameHash, std::equal_to<>> children;
  std::map<std::uint64_t, Ino> listing;       // cookie -> child
  std::uint64_t next_cookie = FIRST_COOKIE;
};

class DeviceTree {
 public:
  DeviceTree();

  // What a change did, for the kernel's caches.
  struct Diff {
    std::vector<std::pair<Ino, std::string>> entries;  // (parent, name) added, removed or re-pointed
    std::vector<Ino> inodes;                           // files whose size changed
    void append(Diff&& other);
  };

  // Brings one device's entries in line with its state now: shown while it
  // has a live table (a removed device has none), under its current name and
  // uuid. Idempotent, so racing notifications converge on the last state.
  Diff sync(const core::MappedDevicePtr& device);
  // Every device: those listed are synced, any other is dropped. O(n), for
  // the first fill and explicit refreshes only.
  Diff rebuild(const std::vector<core::MappedDevicePtr>& devices);

  const TreeNode* find(Ino ino) const;
  const TreeNode* child(Ino parent, std::string_view name) const;
  std::size_t device_count() const { return placed_.size(); }

 private:
  // Where a device is shown; 0 = not shown there.
  struct Placement {
    core::MappedDevicePtr device;
    Ino mapper = 0;
    Ino lvm = 0;
  };
  Ino mapper_dir_ = 0;

  TreeNode& node(Ino ino) { return nodes_.at(ino); }
  void link(Ino parent, Ino ino, Diff& diff);
  void unlink(Ino ino, Diff& diff);  // from its parent; the node stays
  Ino vg_directory(const std::string& vg, Diff& diff);
  void drop_if_empty_vg(Ino dir, Diff& diff);
  // One file entry of a device: `want` is (parent, name) or parent 0 for none.
  void place(Ino& slot, const core::MappedDevicePtr& device, Ino parent, const std::string& name,
             byte_count size, Diff& diff);

  std::unordered_map<Ino, TreeNode> nodes_;
  std::unordered_map<const core::MappedDevice*, Placement> placed_;
  Ino next_ino_ = ROOT_INO + 1;
};

}  // namespace udm::exports::fuse
