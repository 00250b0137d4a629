// The FUSE namespace as plain data: root/mapper/NAME for every device with a
// live table, root/VG/LV for LVM devices. Rebuilt whole on every refresh;
// inode numbers stay stable for as long as the same device (or directory)
// stays, and are never reused. Not thread-safe: the filesystem guards it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/mapped_device.hpp"

namespace udm::exports::fuse {

using Ino = std::uint64_t;
inline constexpr Ino ROOT_INO = 1;

struct TreeNode {
  Ino ino = 0;
  Ino parent = 0;
  std::string name;
  bool directory = false;
  core::MappedDevicePtr device;               // files only
  byte_count size = 0;                        // files: device size when last refreshed
  std::map<std::string, Ino, std::less<>> children;  // directories only
};

class DeviceTree {
 public:
  DeviceTree();

  // What a rebuild changed, for the kernel's caches.
  struct Diff {
    std::vector<std::pair<Ino, std::string>> entries;  // (parent, name) added, removed or re-pointed
    std::vector<Ino> inodes;                           // files whose size changed
  };
  Diff rebuild(const std::vector<core::MappedDevicePtr>& devices);

  const TreeNode* find(Ino ino) const;
  const TreeNode* child(Ino parent, std::string_view name) const;

 private:
  Ino inode_for(const std::string& key);

  std::unordered_map<Ino, TreeNode> nodes_;
  std::map<std::string, Ino> inodes_by_key_;  // "d:mapper", "d:vg:NAME", "f:0x...:m"
  Ino next_ino_ = ROOT_INO + 1;
};

}  // namespace udm::exports::fuse
