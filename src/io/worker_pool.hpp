// Threads for work that may block: BLKDISCARD/BLKZEROOUT ioctls, and for
// targets, metadata commits, crypto, hashing and copies (the kernel runs
// these on workqueues). io_uring completion threads must never block, so a
// completion that needs such work posts it here.
//
// Work is intrusive (a Work embedded in the caller's object, queued without
// allocating) or a std::function (allocates; for rare work). FIFO; each item
// runs exactly once, on a thread named "<name>-N". The destructor runs what
// is queued, then joins.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace udm::io {

class WorkerPool {
 public:
  struct Work {
    void (*run)(Work* self) = nullptr;  // called once; may free the Work
    Work* next = nullptr;               // the pool's queue link
  };

  WorkerPool(unsigned threads, std::string name);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Never blocks (beyond the queue lock).
  void submit(Work* work);
  void post(std::function<void()> fn);

  unsigned threads() const { return static_cast<unsigned>(threads_.size()); }
  // True on one of this pool's threads (so a job does not wait for itself).
  bool on_pool_thread() const;

 private:
  void run();

  std::mutex lock_;
  std::condition_variable wake_;
  Work* head_ = nullptr;
  Work* tail_ = nullptr;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace udm::io
