// The resync/recovery copy of a raid1 set: a list of byte ranges read from
// one leg and written to the others, streamed in chunks with several in
// flight at once (a chunk's writes go out from its read's completion while
// the next chunks are read), so the copy runs at the legs' speed rather than
// one request's latency at a time. When every leg is a regular file used
// through the page cache, the kernel copies (copy_file_range: one copy, no
// buffer) and the stream takes over at the first chunk it cannot. Runs on
// the set's sync thread, which waits in run(); the set keeps writes out of
// the ranges meanwhile.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "io/block_device.hpp"
#include "raid/buffer.hpp"

namespace udm::raid {

struct SyncTarget {
  unsigned leg;
  io::BlockDevice* dev;
};

class SyncCopy {
 public:
  // `chunk` bytes per request, `depth` chunks in flight.
  SyncCopy(byte_count chunk, unsigned depth);
  SyncCopy(const SyncCopy&) = delete;
  SyncCopy& operator=(const SyncCopy&) = delete;
  byte_count chunk() const { return chunk_; }

  struct Range {
    byte_count offset, length;  // on every leg's data device
  };
  struct Result {
    int source_error = 0;           // the read failed: nothing after it is done
    bool stopped = false;           // `admit` said no
    byte_count done = 0;            // bytes from the first range's start copied (ranges in order)
    byte_count in_kernel = 0;       // of those, copied by copy_file_range
    std::vector<int> target_error;  // per target: its first write error, else 0
  };
  // Copies `ranges` from `source` to every target. Before each chunk goes
  // out, `admit(bytes)` may wait (the rate limit) and returns false to stop.
  // Returns when everything submitted has completed: what was submitted
  // before a stop is done (unless a read failed).
  Result run(io::BlockDevice& source, const std::vector<SyncTarget>& targets, const std::vector<Range>& ranges,
             const std::function<bool(byte_count)>& admit);

 private:
  struct Slot {
    SyncCopy* owner = nullptr;
    Buffer buf;
    io::Request read;
    std::vector<io::Request> writes;
    unsigned left = 0;  // writes in flight; under owner->lock_
  };
  static void read_done(io::Request* r, int result);
  static void write_done(io::Request* r, int result);
  void release(Slot* s);

  byte_count chunk_;
  std::vector<Slot> slots_;
  const std::vector<SyncTarget>* targets_ = nullptr;
  std::mutex lock_;
  std::condition_variable cv_;
  std::vector<Slot*> free_;
  unsigned busy_ = 0;
  Result result_;
};

}  // namespace udm::raid
