// The FUSE export: a low-level libfuse3 filesystem, served by libfuse's
// multi-threaded loop on threads of its own. Files are opened with direct_io
// (no page cache in between, so FUSE, NBD and in-process users all see the
// same bytes), and every read, write, flush and fallocate becomes an
// asynchronous io::Request to the mapped device, answered from its completion.
#pragma once

#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

#include "base/result.hpp"
#include "core/mapped_device.hpp"

namespace udm::exports::fuse {

class Filesystem {
 public:
  Filesystem();
  ~Filesystem();  // unmount()

  // Owner of every file and directory, and whether its group may use them
  // (files 0660, directories 0750; else 0600 and 0700). Before mount().
  void set_access(uid_t uid, gid_t gid, bool group);

  // Mounts at `mountpoint` (created if missing; a stale mount left by a dead
  // daemon is detached first; a symbolic link is refused) and starts serving.
  Result<void> mount(const std::string& mountpoint);

  // Replaces the tree with these devices (those with a live table appear) and
  // invalidates the kernel's cached entries and sizes that changed. O(n).
  void refresh(const std::vector<core::MappedDevicePtr>& devices);

  // One device changed (created, removed, renamed, new uuid or live table):
  // its entries alone are updated and invalidated. O(1) in the device count.
  void update(const core::MappedDevicePtr& device);

  // Unmounts (aborting the connection when files are still open, e.g. by a
  // loop device) and stops the loop. Idempotent.
  void unmount();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace udm::exports::fuse
