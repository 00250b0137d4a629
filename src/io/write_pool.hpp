// Threads that run buffered writes to regular files with pwrite. io_uring
// cannot write to the page cache of most filesystems (ext4 among them)
// without blocking, so it punts those writes to io-wq, which hashes them by
// inode: every write to one backing file then runs on a single kernel worker,
// one after the other, behind a thread wake-up each. A few user threads doing
// pwrite write the same file in parallel (the filesystem still serializes
// what it must). Reads, flushes and O_DIRECT writes stay on io_uring.
#pragma once

#include <atomic>
#include <chrono>

#include "io/request.hpp"
#include "io/thread_group.hpp"

namespace udm::io {

struct FileHandle;

class WritePool {
 public:
  // `spin` is how long one idle thread polls for the next request before it
  // sleeps (UDM_IO_WRITE_SPIN_US for the shared engine). Off by default: on
  // a 2-core machine the poller took CPU the submitters needed (1 MiB writes
  // over NBD 2722/3851 MB/s without vs 2133/3072 with 50 us).
  explicit WritePool(unsigned threads, std::chrono::nanoseconds spin = std::chrono::nanoseconds(0));
  ~WritePool();  // runs what is queued, then joins
  WritePool(const WritePool&) = delete;
  WritePool& operator=(const WritePool&) = delete;

  // Queues a write (Op::write, in bounds, length > 0). Never blocks on I/O;
  // the request completes exactly once, on a pool thread ("udm-wr-N"), with 0
  // or -errno once all of it is in the page cache (durable too if `fua`).
  void submit(const FileHandle& file, Request* request);
  // Queues `count` writes linked oldest first through scratch.next, each with
  // scratch.owner set to its FileHandle, under one lock and at most one
  // wake-up per sleeping thread (for SubmitPlug).
  void submit_chain(Request* oldest, Request* newest, unsigned count);

  unsigned threads() const { return group_.size(); }

  // Writes all of `request` at once on this thread: 0 or -errno. Stored
  // through the file's mapping when it has one and the page cache holds the
  // range (not for FUA), else pwrite.
  static int write_now(const FileHandle& file, const Request& request);

 private:
  void run();

  ThreadGroup group_{"udm-wr"};  // its lock guards the queue below
  Request* head_ = nullptr;
  Request* tail_ = nullptr;
  unsigned idle_ = 0;          // threads waiting on group_.wake
  unsigned waking_ = 0;        // of those, notified but not yet running
  bool spinning_ = false;      // one thread is polling queued_ instead of sleeping
  std::atomic<bool> queued_{false};  // head_ != nullptr, readable without the lock
  std::chrono::nanoseconds spin_;
};

}  // namespace udm::io
