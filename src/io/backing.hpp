// Opening backing devices: regular files and block devices, driven through
// io_uring. One engine (ring + completion thread) is shared by every device
// opened through it.
#pragma once

#include <string>

#include "io/block_device.hpp"

namespace udm::io {

struct OpenOptions {
  bool read_only = false;
  bool direct = false;  // O_DIRECT: bypass the page cache
};

// Opens `path` (a regular file or a block device). Errors name the path:
// "/tmp/x.img: No such file or directory".
Result<BlockDevicePtr> open_backing(const std::string& path, const OpenOptions& options = {});

}  // namespace udm::io
