// The /dev entries udev would make for a mapped device: DEVDIR/mapper/NAME
// and, for an LV (uuid "LVM-..."), DEVDIR/VG/LV, as symbolic links to the
// block device that stands for it. Only links made here are replaced or
// removed: an existing node, or a link to anything but a loop device, is left.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"

namespace udm::blockdev {

// The link paths (relative to the dev dir) for a device: "mapper/NAME", and
// "VG/LV" when `uuid` is LVM's and the name splits as lvm2's does.
std::vector<std::string> dev_link_names(const std::string& name, const std::string& uuid);

class DevLinks {
 public:
  explicit DevLinks(std::string devdir) : devdir_(std::move(devdir)) {}
  const std::string& devdir() const { return devdir_; }

  // What a link to /dev/loopN holds: "../loopN" inside /dev (as udev makes
  // them), the absolute node path in any other dev dir.
  std::string target_for(const std::string& node, const std::string& link_name) const;

  // Makes DEVDIR/LINK point at `node` (directories as needed). A stale link
  // to a loop device (a crashed udmd's) is replaced; anything else is an
  // EEXIST error naming the path.
  Result<void> add(const std::string& link_name, const std::string& node);
  // Removes DEVDIR/LINK if it points at `node`; then its directory if it
  // was a VG directory left empty.
  void remove(const std::string& link_name, const std::string& node);

 private:
  std::string devdir_;
};

}  // namespace udm::blockdev
