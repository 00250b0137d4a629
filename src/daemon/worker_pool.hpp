// The threads that run control commands. It grows on demand (a command may
// block: a suspend waits for in-flight I/O, which may wait for another
// device's resume, which needs a thread of its own) up to a bound, and idle
// threads beyond the first exit after a while. Nothing here is per
// connection: idle clients cost no thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include "daemon/log.hpp"

namespace udm::daemon {

class WorkerPool {
 public:
  WorkerPool(std::size_t max_threads, Log& log) : max_(max_threads < 1 ? 1 : max_threads), log_(log) {}
  ~WorkerPool() { stop(); }

  // Runs `job` on a free thread, a new one, or (all `max_threads` busy) the
  // first that becomes free. Ignored after stop().
  void submit(std::function<void()> job);

  // Drops queued jobs, waits for running ones and joins every thread.
  void stop();

  std::size_t threads() const;

  static constexpr std::chrono::seconds IDLE_EXIT{30};

 private:
  void run(std::list<std::thread>::iterator self);
  void join_exited();

  const std::size_t max_;
  Log& log_;
  mutable std::mutex lock_;
  std::condition_variable work_;
  std::deque<std::function<void()>> queue_;
  std::list<std::thread> threads_;
  std::vector<std::thread> exited_;  // idle threads that left; joined later
  std::size_t idle_ = 0;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point last_full_log_{};
};

}  // namespace udm::daemon
