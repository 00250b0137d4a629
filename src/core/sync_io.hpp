// Synchronous I/O on a block device, like the kernel's dm_io() without a
// notify function: submit, then wait on the calling thread. For metadata
// reads and commits, FUSE's large writes, suspend's flushes and tests. Never
// call it on an io_uring completion thread or inside a SubmitPlug (the
// request would not go out until the plug ends).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "io/block_device.hpp"

namespace udm::core {

// One request, filled in by the caller (`io.op`, `io.offset`, ...), waited for
// by run(). `io.done` and `io.context` belong to SyncRequest.
struct SyncRequest {
  io::Request io;

  // Submits `io` to `device` and waits: 0 or -errno.
  int run(io::BlockDevice& device);

 private:
  std::mutex lock_;
  std::condition_variable cv_;
  bool done_ = false;
  int result_ = 0;
};

// Shorthand for one synchronous request: 0 or -errno.
int sync_io(io::BlockDevice& device, io::Op op, byte_count offset, byte_count length, std::byte* data = nullptr,
            bool fua = false);

// Several requests in flight at once, waited for together (a flush of every
// backing device, a read of one chunk and the writes of it to N mirrors).
class SyncBatch {
 public:
  SyncBatch() = default;
  SyncBatch(const SyncBatch&) = delete;
  SyncBatch& operator=(const SyncBatch&) = delete;
  ~SyncBatch();  // waits for what is still in flight

  // Submits at once; the request's other fields are copied from `request`.
  void submit(io::BlockDevice& device, const io::Request& request);
  // Waits for every request submitted so far: 0 or the first -errno.
  int wait();

 private:
  struct Entry {
    io::Request io;
    SyncBatch* batch = nullptr;
  };
  std::mutex lock_;
  std::condition_variable cv_;
  std::size_t left_ = 0;
  int error_ = 0;
  std::vector<std::unique_ptr<Entry>> entries_;
};

}  // namespace udm::core
