// Loop devices made with the kernel's loop driver ioctls (/dev/loop-control,
// LOOP_CONFIGURE): the kernel block device that stands for a mapped device,
// backed by the device's FUSE file. No losetup: udmd does it itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/devno.hpp"
#include "base/result.hpp"

namespace udm::blockdev {

struct LoopSetup {
  std::string backing;                  // the file the loop reads and writes
  std::uint32_t logical_block_size = 512;
  bool read_only = false;
  bool direct_io = true;                // LO_FLAGS_DIRECT_IO (falls back to buffered if refused)
  int preferred = -1;                   // try /dev/loopN first (the number it had before a restart)
};

struct Loop {
  int number = -1;                      // N of /dev/loopN
  DevNo devno;                          // 7:N
  bool direct_io = false;               // what the kernel accepted
  std::string path() const { return "/dev/loop" + std::to_string(number); }
};

// Takes a free loop device and binds it to `setup.backing`. Errors name the
// device node or the backing file and the ioctl that failed.
Result<Loop> loop_attach(const LoopSetup& setup);

// LOOP_SET_CAPACITY: the loop takes the backing file's current size.
Result<void> loop_set_capacity(int number);

// LOOP_CLR_FD. The kernel finishes a detach at the last close of the loop
// device, so one still open elsewhere goes when that closes.
Result<void> loop_detach(int number);

// True while someone holds the loop device exclusively (a mounted
// filesystem, a dm table on a real kernel, mkfs): probed with O_EXCL.
bool loop_in_use(int number);

// /sys/block/loopN/loop/backing_file ("" when the loop is not bound).
std::string loop_backing_file(int number);

// Bound loop devices whose backing file is under `prefix` (a directory, with
// the trailing slash): a crashed udmd's loops over its FUSE files.
std::vector<int> loops_backed_under(const std::string& prefix);

}  // namespace udm::blockdev
