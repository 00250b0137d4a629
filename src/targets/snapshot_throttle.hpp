// Copy throttling for snapshot copy-outs, as the kernel's dm-snapshot module
// parameter snapshot_copy_throttle: the percentage of time copies may have
// I/O in flight. While copies took more than that share of the recent past
// (a window that halves about every second), a new copy waits 100 ms and
// asks again, at most 20 times, then goes anyway. 100 (the default) turns
// it off. One throttle for every snapshot in the process, as the module
// parameter is one for every snapshot in the kernel; udmd sets it from
// --snapshot-copy-throttle.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace udm::targets::snap {

class CopyThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto SLEEP = std::chrono::milliseconds(100);
  static constexpr int MAX_SLEEPS = 20;

  // The process-wide throttle (never destroyed: deferred copies may still
  // sit in it when the process exits).
  static CopyThrottle& global();

  CopyThrottle() = default;
  ~CopyThrottle();
  CopyThrottle(const CopyThrottle&) = delete;
  CopyThrottle& operator=(const CopyThrottle&) = delete;

  // 0..100 (larger values are 100).
  void set_percent(unsigned percent);
  unsigned percent() const { return percent_.load(std::memory_order_relaxed); }

  // Runs `start` (which begins a copy) now, or later from the throttle's own
  // thread while copies are over their share.
  void start(std::function<void()> start);
  // Around each copy's I/O, so the time with copies in flight is counted.
  void io_begin();
  void io_end();

  // The accounting, with an explicit clock (tests): whether a copy may
  // start at `now`.
  bool admit(Clock::time_point now);
  void io_begin(Clock::time_point now);
  void io_end(Clock::time_point now);
  std::size_t deferred() const;

 private:
  struct Deferred {
    std::function<void()> start;
    int sleeps = 0;
  };
  void account_locked(Clock::time_point now);
  void run();

  std::atomic<unsigned> percent_{100};
  mutable std::mutex lock_;
  std::condition_variable cv_;
  // Nanoseconds: with copy I/O in flight, and in all, since the window began.
  Clock::time_point last_{};
  std::uint64_t io_period_ = 0, total_period_ = 0;
  unsigned in_flight_ = 0;
  std::deque<Deferred> queue_;
  std::thread thread_;
  bool stop_ = false;
};

}  // namespace udm::targets::snap

namespace udm::targets {
// udmd --snapshot-copy-throttle: the process-wide snapshot_copy_throttle.
inline void set_snapshot_copy_throttle(unsigned percent) { snap::CopyThrottle::global().set_percent(percent); }
}  // namespace udm::targets
