// Threads for work that may block: BLKDISCARD/BLKZEROOUT ioctls; for
// targets, metadata commits, crypto, hashing and copies (the kernel runs
// these on workqueues: io_uring completion threads must never block, so a
// completion that needs such work posts it here); and udmd's control
// commands (a suspend waits for in-flight I/O, which may wait for another
// device's resume, which needs a thread of its own).
//
// Options make the one type serve both: a fixed pool that runs what is
// queued before it stops (target services), or one that grows on demand to
// a bound, lets idle threads beyond the first exit and drops what is still
// queued at stop (control commands: idle clients cost no thread).
//
// Work is intrusive (a Work embedded in the caller's object, queued without
// allocating) or a std::function (allocates; for rare work). FIFO; each item
// runs exactly once, on a thread named "<name>-N", or is dropped at a
// dropping stop (its `drop` is called then, if set).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "io/thread_group.hpp"

namespace udm::io {

class WorkerPool {
 public:
  struct Work {
    void (*run)(Work* self) = nullptr;   // called once; may free the Work
    void (*drop)(Work* self) = nullptr;  // instead of run when a stop drops it; may free it
    Work* next = nullptr;                // the pool's queue link
  };

  struct Options {
    std::string name = "udm-work";
    unsigned min_threads = 1;  // started at once; never exit
    unsigned max_threads = 1;  // more start while work waits and no thread is free
    // Threads beyond min_threads exit after this long without work; 0: never.
    std::chrono::milliseconds idle_exit{0};
    // At stop: run what is queued first (drain), or drop it.
    bool drain_on_stop = true;
    // Told when work must wait because all max_threads are busy (at most once
    // every 10 s): the threads and the items waiting. Runs under the pool's lock.
    std::function<void(unsigned threads, std::size_t waiting)> on_saturated;
  };

  // A fixed pool of `threads` that drains on stop.
  WorkerPool(unsigned threads, std::string name);
  explicit WorkerPool(Options options);
  ~WorkerPool() { stop(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Never blocks (beyond the queue lock and starting a thread). After stop()
  // the work is dropped at once.
  void submit(Work* work);
  void post(std::function<void()> fn);

  // Drains or drops what is queued (Options::drain_on_stop), waits for
  // running work and joins every thread. Idempotent; not from a pool thread.
  void stop();

  unsigned threads() const;
  // True on one of this pool's threads (so a job does not wait for itself).
  bool on_pool_thread() const;

 private:
  void run();
  Work* take_all();  // under the lock

  Options options_;
  mutable ThreadGroup group_;
  Work* head_ = nullptr;
  Work* tail_ = nullptr;
  std::size_t queued_ = 0;
  unsigned idle_ = 0;  // threads waiting for work
  std::chrono::steady_clock::time_point last_saturated_{};
};

}  // namespace udm::io
