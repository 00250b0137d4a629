// dmstats' --filemap: the extents of a file (FIEMAP) as regions on the
// device its filesystem sits on. On udm that device is the loop udmd
// attaches over the mapped device's FUSE file at offset 0, so the file's
// physical offsets on the loop are sectors of the udm device one to one, and
// the loop's devno is the device number udmd reports for the device.
#pragma once

#include <cstdint>
#include <vector>

#include "base/result.hpp"

namespace udm::udmsetup {

struct FileExtent {
  std::uint64_t start = 0, length = 0;  // sectors on the device
};

// The file's extents in file order, physically adjacent ones merged (as
// libdm maps them); fails naming the file when FIEMAP is refused.
Result<std::vector<FileExtent>> file_extents(int fd);

}  // namespace udm::udmsetup
