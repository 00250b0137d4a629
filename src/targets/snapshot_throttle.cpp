#include "targets/snapshot_throttle.hpp"

#include <pthread.h>

#include <algorithm>
#include <vector>

namespace udm::targets::snap {

namespace {
// The window of recent time the share is measured over: both periods are
// halved whenever the total passes it, so old history fades.
constexpr std::uint64_t WINDOW_NS = 1'000'000'000;
}  // namespace

CopyThrottle& CopyThrottle::global() {
  static CopyThrottle* t = new CopyThrottle;
  return *t;
}

CopyThrottle::~CopyThrottle() {
  {
    std::lock_guard g(lock_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CopyThrottle::set_percent(unsigned percent) {
  percent_.store(std::min(percent, 100u), std::memory_order_relaxed);
  cv_.notify_all();
}

void CopyThrottle::account_locked(Clock::time_point now) {
  if (last_ == Clock::time_point{}) last_ = now;
  const auto delta = static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::nanoseconds>(now - last_).count()));
  last_ = now;
  if (in_flight_ > 0) io_period_ += delta;
  total_period_ += delta;
  io_period_ = std::min(io_period_, total_period_);
  while (total_period_ >= WINDOW_NS) {
    total_period_ /= 2;
    io_period_ /= 2;
  }
}

bool CopyThrottle::admit(Clock::time_point now) {
  std::lock_guard g(lock_);
  const unsigned pct = percent();
  if (pct >= 100) return true;
  account_locked(now);
  // Over its share when the busy time exceeds pct% of the whole.
  return io_period_ * 100 <= total_period_ * pct;
}

void CopyThrottle::io_begin(Clock::time_point now) {
  std::lock_guard g(lock_);
  account_locked(now);
  ++in_flight_;
}

void CopyThrottle::io_end(Clock::time_point now) {
  std::lock_guard g(lock_);
  account_locked(now);
  if (in_flight_ > 0) --in_flight_;
}

// Unthrottled, copies go uncounted (no lock per copy); a throttle set while
// some are out counts from the next ones on.
void CopyThrottle::io_begin() {
  if (percent() < 100) io_begin(Clock::now());
}
void CopyThrottle::io_end() {
  if (percent() < 100) io_end(Clock::now());
}

std::size_t CopyThrottle::deferred() const {
  std::lock_guard g(lock_);
  return queue_.size();
}

void CopyThrottle::start(std::function<void()> start) {
  bool now = percent() >= 100, wake = false;
  if (!now) {
    std::lock_guard g(lock_);
    // Behind copies already waiting, so none is overtaken.
    if (queue_.empty()) {
      account_locked(Clock::now());
      now = io_period_ * 100 <= total_period_ * percent();
    }
    if (!now) {
      wake = queue_.empty();  // else the thread is already sleeping its 100 ms
      queue_.push_back({std::move(start), 0});
      if (!thread_.joinable()) {
        thread_ = std::thread([this] { run(); });
        pthread_setname_np(thread_.native_handle(), "udm-snap-thrtl");
      }
    }
  }
  // Outside the lock: start() submits I/O, which may complete at once.
  if (now)
    start();
  else if (wake)
    cv_.notify_all();
}

void CopyThrottle::run() {
  std::unique_lock l(lock_);
  while (!stop_) {
    if (queue_.empty()) {
      cv_.wait(l);
      continue;
    }
    // A lifted throttle lets everything go at once; else one sleep, then ask again.
    const auto until = Clock::now() + SLEEP;
    cv_.wait_until(l, until, [&] { return stop_ || percent() >= 100; });
    if (stop_) break;
    for (auto& d : queue_) ++d.sleeps;
    std::vector<std::function<void()>> go;
    while (!queue_.empty()) {
      account_locked(Clock::now());
      const bool ok = percent() >= 100 || io_period_ * 100 <= total_period_ * percent() ||
                      queue_.front().sleeps >= MAX_SLEEPS;
      if (!ok) break;
      go.push_back(std::move(queue_.front().start));
      queue_.pop_front();
    }
    l.unlock();
    for (auto& f : go) f();
    l.lock();
  }
}

}  // namespace udm::targets::snap
