// A thread for the few block-device ops io_uring cannot run asynchronously
// here (BLKDISCARD, BLKZEROOUT). They are rare and slow, so one thread and a
// mutex are enough; requests queue through their scratch links.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "io/request.hpp"

namespace udm::io {

struct FileHandle;

class BlockingWorker {
 public:
  BlockingWorker();
  ~BlockingWorker();  // runs what is queued, then joins
  BlockingWorker(const BlockingWorker&) = delete;
  BlockingWorker& operator=(const BlockingWorker&) = delete;

  void submit(const FileHandle& file, Request* request);

 private:
  void run();
  static int execute(const FileHandle& file, const Request& request);

  std::mutex lock_;
  std::condition_variable wake_;
  Request* head_ = nullptr;
  Request* tail_ = nullptr;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace udm::io
