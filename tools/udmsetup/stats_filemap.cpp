#include "stats_filemap.hpp"

#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace udm::udmsetup {

Result<std::vector<FileExtent>> file_extents(int fd) {
  constexpr std::size_t batch = 256;
  const std::size_t size = sizeof(fiemap) + batch * sizeof(fiemap_extent);
  auto buf = std::make_unique<std::uint64_t[]>(size / sizeof(std::uint64_t) + 1);
  auto* fm = reinterpret_cast<fiemap*>(buf.get());
  std::vector<FileExtent> out;
  std::uint64_t next_logical = 0, end_logical = 0;
  for (;;) {
    std::memset(fm, 0, size);
    fm->fm_start = next_logical;
    fm->fm_length = FIEMAP_MAX_OFFSET - next_logical;
    fm->fm_flags = FIEMAP_FLAG_SYNC;
    fm->fm_extent_count = batch;
    if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0) return fail(errno, std::string("FIEMAP failed: ") + std::strerror(errno));
    if (fm->fm_mapped_extents == 0) break;
    bool last = false;
    for (std::uint32_t i = 0; i < fm->fm_mapped_extents && i < batch; ++i) {
      const fiemap_extent& e = fm->fm_extents[i];
      last = e.fe_flags & FIEMAP_EXTENT_LAST;
      next_logical = e.fe_logical + e.fe_length;
      // Extents whose place is not known or not on this device cannot be counted.
      if (e.fe_flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC | FIEMAP_EXTENT_ENCODED |
                        FIEMAP_EXTENT_NOT_ALIGNED | FIEMAP_EXTENT_DATA_INLINE))
        continue;
      const std::uint64_t start = e.fe_physical / 512, length = (e.fe_length + 511) / 512;
      if (length == 0) continue;
      if (!out.empty() && out.back().start + out.back().length == start && end_logical == e.fe_logical)
        out.back().length += length;
      else
        out.push_back({start, length});
      end_logical = e.fe_logical + e.fe_length;
    }
    if (last || fm->fm_mapped_extents < batch) break;
  }
  return out;
}

}  // namespace udm::udmsetup
