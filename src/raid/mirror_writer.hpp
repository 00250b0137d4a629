// One thread per raid1 set, writing each mirrored write's copies to the
// legs, back to back. Legs are mostly files in the page cache, where a
// buffered write holds the file's inode lock while it copies: several
// threads writing one file only queue on that lock (paying a sleep and a
// wake-up each), while one thread writes every file in turn. One thread for
// all legs, rather than one per leg, costs one hand-over and at most one
// wake-up per write instead of one per leg: 4 KiB random writes at QD32
// went from 0.42x to 0.62x of linear, side by side (bench/raid/README.md),
// and the legs' copies no longer run on two CPUs at once, which 1 MiB
// writes did not show. The thread runs buffered file writes itself
// (io::InlineWrites); anything else it only hands to the leg's device.
#pragma once

#include <condition_variable>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "io/block_device.hpp"
#include "io/request.hpp"

namespace udm::raid {

class MirrorWriter {
 public:
  // `legs` by leg number; null for a leg the set does not have.
  explicit MirrorWriter(std::vector<io::BlockDevice*> legs);
  ~MirrorWriter();  // submits what is queued, then stops
  MirrorWriter(const MirrorWriter&) = delete;
  MirrorWriter& operator=(const MirrorWriter&) = delete;

  // Queues the copies `rs` (each for leg `index`, which must have a device)
  // at once; each completes from the writer's thread (or the leg device's).
  void submit(std::span<io::Request> rs);

 private:
  void run();

  std::vector<io::BlockDevice*> legs_;
  std::mutex lock_;
  std::condition_variable wake_;
  io::Request* head_ = nullptr;  // FIFO through scratch.next (ours until handed to the device)
  io::Request* tail_ = nullptr;
  bool sleeping_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace udm::raid
