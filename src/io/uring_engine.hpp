// The io_uring engine behind every backing file and block device opened with
// open_backing. Each ring is owned by one engine thread that alone submits to
// it and reaps it (so the ring can use SINGLE_ISSUER and DEFER_TASKRUN).
// Other threads hand requests over through a lock-free intrusive stack and
// wake the engine thread with an eventfd only when it sleeps; requests
// submitted from a completion callback (on the engine thread) go straight to
// its local queue. One io_uring_enter submits a whole batch and waits for the
// next completions.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "base/result.hpp"
#include "io/request.hpp"

namespace udm::io {

class FileMapping;

// What the engine needs to know about an open file. Owned by the device; must
// outlive every request submitted for it.
struct FileHandle {
  int fd = -1;
  bool block_device = false;
  // A regular file opened without O_DIRECT: its writes go to the engine's
  // write pool (write_pool.hpp) instead of io_uring, when it has one.
  bool buffered_file = false;
  // Learned at run time: the filesystem refused fallocate for this mode, so
  // write zeroes instead (files only).
  mutable std::atomic<bool> zero_range_unsupported{false};
  mutable std::atomic<bool> punch_hole_unsupported{false};
  // A writable mapping of the file (set once by its device, before the write
  // that needs it is submitted): writes other than FUA ones whose pages the
  // page cache holds are stored through it instead of pwrite (file_mapping.hpp).
  std::atomic<const FileMapping*> mapping{nullptr};
};

class BlockingWorker;
class WritePool;
struct UringRing;

class UringEngine {
 public:
  struct Options {
    unsigned rings = 1;       // engine threads, one ring each
    unsigned entries = 256;   // SQ entries per ring; the CQ gets 4x
    // Threads running buffered writes to regular files (write_pool.hpp);
    // 0 sends them through io_uring like everything else.
    unsigned write_threads = 4;
  };

  // The engine every open_backing device shares, made on first use. The ring
  // count can be set with UDM_IO_RINGS in the environment, the write pool's
  // size with UDM_IO_WRITE_THREADS.
  static Result<std::shared_ptr<UringEngine>> shared();
  static Result<std::shared_ptr<UringEngine>> create(const Options& options);

  ~UringEngine();
  UringEngine(const UringEngine&) = delete;
  UringEngine& operator=(const UringEngine&) = delete;

  // Queues `request` against `file`. Never blocks and never drops: a full
  // ring only delays submission. The caller has checked bounds and
  // permissions; the request completes exactly once with 0 or -errno.
  // Completions run on an engine thread ("udm-io-N"): `done` must not block
  // (it may submit more requests, which then skip the handover).
  void submit(const FileHandle& file, Request* request);

  // How many threads run buffered file writes (0: io_uring does).
  unsigned write_threads() const;

  // Which setup flags the rings got (for benchmarks and logs).
  // An engine must not be destroyed from one of its own completions.
  unsigned setup_flags() const { return setup_flags_; }

  // Ops io_uring cannot do asynchronously (BLKDISCARD, BLKZEROOUT) run on a
  // worker thread.
  void submit_blocking(const FileHandle& file, Request* request);

 private:
  UringEngine() = default;
  std::vector<std::unique_ptr<UringRing>> rings_;
  std::unique_ptr<BlockingWorker> blocking_;
  std::unique_ptr<WritePool> writes_;  // null when Options::write_threads is 0
  unsigned setup_flags_ = 0;
  std::atomic<unsigned> next_ring_{0};
};

}  // namespace udm::io
