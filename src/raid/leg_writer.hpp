// One thread per leg of a raid1 set, writing that leg's copy of each
// mirrored write. Legs are mostly files in the page cache, where a buffered
// write holds the file's inode lock while it copies: several threads writing
// one file only queue on that lock (paying a sleep and a wake-up each),
// while one thread per leg writes its file back to back and the legs run on
// different CPUs at once. The thread runs buffered file writes itself
// (io::InlineWrites); anything else it only hands to the leg's device.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "io/block_device.hpp"
#include "io/request.hpp"

namespace udm::raid {

class LegWriter {
 public:
  LegWriter(io::BlockDevice& dev, unsigned leg);
  ~LegWriter();  // submits what is queued, then stops
  LegWriter(const LegWriter&) = delete;
  LegWriter& operator=(const LegWriter&) = delete;

  // Queues `r` for the leg's device; completes from the leg's thread (or the device's).
  void submit(io::Request* r);

 private:
  void run();

  io::BlockDevice& dev_;
  std::mutex lock_;
  std::condition_variable wake_;
  io::Request* head_ = nullptr;  // FIFO through scratch.next (ours until handed to the device)
  io::Request* tail_ = nullptr;
  bool sleeping_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace udm::raid
