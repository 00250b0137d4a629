// Copies and zeroes region lists between devices in the background, as the
// kernel's kcopyd does for snapshot (copy-on-write chunks), raid1/mirror
// (resync), pvmove and thin (zeroing new blocks). A job is a list of regions
// read from one device and written to one or more (or zeroed on them); jobs
// run in order on the copier's own worker pool ("udm-kcopyd-N"), in chunks,
// several chunks in flight. Throttled to a byte rate shared by the copier's
// jobs, cancellable, with progress counters a target can print in its status.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "io/block_device.hpp"
#include "io/worker_pool.hpp"

namespace udm::core {

// Sectors: `count` from `source` on the source device to `dest` on each
// destination (`source` is unused when zeroing).
struct CopyRegion {
  sector_t source = 0;
  sector_t dest = 0;
  sector_t count = 0;
};

struct CopyProgress {
  std::uint64_t bytes_done = 0;   // copied or zeroed so far (to every destination)
  std::uint64_t bytes_total = 0;  // of the job, or of every job the copier was given
};

class CopyJob {
 public:
  // Stops at the next chunk boundary; the job then completes with -ECANCELED.
  void cancel();
  bool cancelled() const { return cancelled_.load(); }
  bool finished() const;
  // Waits for the job: 0, -ECANCELED, or the first I/O error.
  int wait();
  CopyProgress progress() const { return {done_.load(), total_}; }

 private:
  friend class Copier;
  io::BlockDevicePtr from_;  // null: zero
  std::vector<io::BlockDevicePtr> to_;
  std::vector<CopyRegion> regions_;
  std::function<void(int)> done_fn_;
  std::uint64_t total_ = 0;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<bool> cancelled_{false};
  mutable std::mutex lock_;
  std::condition_variable finished_cv_;
  bool finished_ = false;
  int result_ = 0;
};

class Copier {
 public:
  struct Options {
    byte_count chunk_bytes = 1 << 20;  // one read (and one write per destination) at a time
    unsigned depth = 4;                // chunks in flight at once
    std::uint64_t bytes_per_second = 0;  // 0: unthrottled
    unsigned threads = 1;              // jobs run in parallel on this many threads
  };
  using Done = std::function<void(int result)>;

  Copier();
  explicit Copier(Options options);
  // Cancels every job still running and waits for them. Not from a `done`
  // callback (it runs on the copier's own thread, which this joins).
  ~Copier();
  Copier(const Copier&) = delete;
  Copier& operator=(const Copier&) = delete;

  // Queues a copy of `regions` from `from` to every device in `to`. `done`
  // runs once, on a copier thread, with 0, -ECANCELED or the first -errno.
  std::shared_ptr<CopyJob> copy(io::BlockDevicePtr from, std::vector<io::BlockDevicePtr> to,
                                std::vector<CopyRegion> regions, Done done = {});
  // Queues zeroing of `regions` (their `dest` and `count`) on every device in `to`.
  std::shared_ptr<CopyJob> zero(std::vector<io::BlockDevicePtr> to, std::vector<CopyRegion> regions,
                                Done done = {});

  // Bytes per second over all jobs from now on; 0 lifts the limit.
  void set_throttle(std::uint64_t bytes_per_second);
  std::uint64_t throttle() const;
  // Over every job given to this copier.
  CopyProgress progress() const { return {done_.load(), total_.load()}; }

 private:
  std::shared_ptr<CopyJob> queue(std::shared_ptr<CopyJob> job);
  void run(CopyJob& job);
  int run_region(CopyJob& job, const CopyRegion& region, std::vector<std::vector<std::byte>>& buffers);
  // Waits until `bytes` more fit under the throttle; false when cancelled meanwhile.
  bool admit(CopyJob& job, std::uint64_t bytes);

  Options options_;
  std::atomic<std::uint64_t> done_{0}, total_{0};
  mutable std::mutex lock_;  // throttle state and jobs_
  std::condition_variable throttle_cv_;
  std::uint64_t rate_ = 0;
  std::chrono::steady_clock::time_point window_start_;
  std::uint64_t window_bytes_ = 0;
  std::vector<std::weak_ptr<CopyJob>> jobs_;
  bool stopping_ = false;
  io::WorkerPool pool_;  // last: its threads stop before the rest goes
};

}  // namespace udm::core
