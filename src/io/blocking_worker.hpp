// The few block-device ops io_uring cannot run asynchronously here
// (BLKDISCARD, BLKZEROOUT), run on a one-thread WorkerPool. They are rare and
// slow; each carries a small allocated work item.
#pragma once

#include "io/request.hpp"
#include "io/worker_pool.hpp"

namespace udm::io {

struct FileHandle;

class BlockingWorker {
 public:
  BlockingWorker() : pool_(1, "udm-blk") {}
  ~BlockingWorker() = default;  // the pool runs what is queued, then joins
  BlockingWorker(const BlockingWorker&) = delete;
  BlockingWorker& operator=(const BlockingWorker&) = delete;

  void submit(const FileHandle& file, Request* request);

 private:
  static int execute(const FileHandle& file, const Request& request);

  WorkerPool pool_;
};

}  // namespace udm::io
