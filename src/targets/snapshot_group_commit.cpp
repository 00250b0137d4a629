#include "targets/snapshot_group_commit.hpp"

#include <algorithm>

namespace udm::targets::snap {

namespace {
std::atomic<GroupCommit::Now> g_now{nullptr};
std::atomic<std::uint64_t> g_waits{0};
}  // namespace

void GroupCommit::set_clock(Now now) { g_now.store(now, std::memory_order_relaxed); }

GroupCommit::Clock::time_point GroupCommit::now() {
  const Now now = g_now.load(std::memory_order_relaxed);
  return now ? now() : Clock::now();
}

std::uint64_t GroupCommit::waits() { return g_waits.load(std::memory_order_relaxed); }
void GroupCommit::count_wait() { g_waits.fetch_add(1, std::memory_order_relaxed); }

void GroupCommit::committed(std::size_t batch, const Clock::duration* took) {
  if (took) commit_time_ = (3 * commit_time_ + *took) / 4;
  last_batch_ = batch;
}

GroupCommit::Clock::duration GroupCommit::wait_for(std::size_t ready) const {
  if (ready >= last_batch_ || commit_time_ < SLOW_COMMIT) return Clock::duration::zero();
  return std::min<Clock::duration>(commit_time_ / 2, MAX_WAIT);
}

}  // namespace udm::targets::snap
