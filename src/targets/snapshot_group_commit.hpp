// Group commit for snapshot exceptions, as jbd2 waits for more syncers for
// a share of its commit time: where commits (data flush, area write, flush)
// are slow, a committer with fewer exceptions ready than the last commit
// released (whose writers are likely sending their next ones) waits up to
// half a commit's time, at most 2 ms, for more to queue. Fast commits never
// wait. The policy takes the measured commit times as input and times
// commits on a clock tests may replace, so it is checked without wall time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace udm::targets::snap {

class GroupCommit {
 public:
  using Clock = std::chrono::steady_clock;
  using Now = Clock::time_point (*)();
  // Commits faster than this on average never make a committer wait.
  static constexpr Clock::duration SLOW_COMMIT = std::chrono::microseconds(200);
  static constexpr Clock::duration MAX_WAIT = std::chrono::milliseconds(2);

  // The clock commits are timed with: steady_clock unless a test sets its
  // own (nullptr restores steady_clock). Process-wide.
  static void set_clock(Now now);
  static Clock::time_point now();
  // Waits started by any committer in the process (tests).
  static std::uint64_t waits();

  // A commit of `batch` exceptions; `took` is the time its writes and
  // flushes took (nullptr when it wrote nothing: an invalid snapshot).
  void committed(std::size_t batch, const Clock::duration* took);
  // How long a committer with `ready` exceptions ready and none left to
  // copy should wait for more: zero for not at all.
  Clock::duration wait_for(std::size_t ready) const;
  // A committer begins such a wait.
  static void count_wait();

  Clock::duration commit_time() const { return commit_time_; }

 private:
  std::size_t last_batch_ = 0;
  Clock::duration commit_time_{};  // moving average: 3/4 old, 1/4 new
};

}  // namespace udm::targets::snap
