// Opening backing devices: regular files and block devices, driven through
// io_uring. One engine (ring + completion thread) is shared by every device
// opened through it.
//
// What the returned device does (io::FileDevice, file_device.hpp):
// - read/write (fua: RWF_DSYNC), flush (fdatasync), discard (files: punch a
//   hole; block devices: BLKDISCARD), write_zeroes (files: ZERO_RANGE, or
//   writing zeros where the filesystem lacks it; block devices: BLKZEROOUT).
// - Requests past the end complete with -EIO, changes to a read-only device
//   with -EROFS, offsets or lengths not multiple of 512 with -EINVAL; with
//   `direct`, buffers must be aligned as the device requires (else -EINVAL).
// - `done` runs on an engine thread ("udm-io-N") or, for BLKDISCARD and
//   BLKZEROOUT, on a worker thread; it must not block. Buffered (non-direct)
//   writes to regular files run with pwrite on the write pool ("udm-wr-N",
//   write_pool.hpp; UDM_IO_WRITE_THREADS=N, default 4, 0 = io_uring), or on
//   the submitting thread itself under io::InlineWrites (inline_writes.hpp). Requests submitted
//   from `done` go out in the engine's next batch without a wake-up;
//   other threads can batch with io::SubmitPlug (submit_plug.hpp).
// - UDM_IO_RINGS=N in the environment gives the shared engine N rings and
//   threads (default 1).
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
