// The threads of a pool (WorkerPool, WritePool): one lock and one wake-up
// they share, named threads started together or one at a time, a thread
// that leaves on its own (idle exit), and a stop that wakes and joins them
// all. What is queued and when a thread sleeps stays the pool's.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace udm::io {

class ThreadGroup {
 public:
  explicit ThreadGroup(std::string name) : name_(std::move(name)) {}
  ~ThreadGroup() { stop(); }
  ThreadGroup(const ThreadGroup&) = delete;
  ThreadGroup& operator=(const ThreadGroup&) = delete;

  std::mutex lock;
  std::condition_variable wake;
  bool stopping = false;  // under `lock`; set once by stop()

  // Starts one more thread "<name>-<n>" (cut to the kernel's 15 characters)
  // running `body`. Call with `lock` held, or before any thread runs.
  void start(std::function<void()> body);
  // The calling thread leaves the group (it returns right after); joined by
  // reap() or stop(). Call with `lock` held.
  void leave();
  // Joins threads that left. Call without `lock`.
  void reap();
  // Runs `at_stop` and sets `stopping` under `lock`, wakes every thread and
  // joins them all. Idempotent. Call without `lock`, never from the group.
  void stop(const std::function<void()>& at_stop = {});

  // Threads running now. With `lock` held, or when no thread starts or leaves.
  unsigned size() const { return static_cast<unsigned>(threads_.size()); }

 private:
  std::string name_;
  unsigned started_ = 0;
  std::vector<std::thread> threads_;
  std::vector<std::thread> left_;
};

}  // namespace udm::io
