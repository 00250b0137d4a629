// The state of one thin pool, shared by the pool's tables (a reload finds it
// in the SharedObjectRegistry keyed by the pool device) and by every thin
// device that names the pool: the metadata (persistent_data::ThinMetadata),
// a read-mostly mapping cache for the I/O hot path, the slow path that
// provisions and breaks sharing on the worker pool, the periodic commit, and
// the out-of-data-space queue. As the kernel's struct pool in dm-thin.c.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <map>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "core/device_claims.hpp"
#include "io/block_device.hpp"
#include "io/worker_pool.hpp"
#include "persistent_data/thin_metadata.hpp"

namespace udm::thin {

struct PoolFeatures {
  bool skip_block_zeroing = false;
  bool ignore_discard = false;
  bool no_discard_passdown = false;
  bool read_only = false;
  bool error_if_no_space = false;
};

enum class PoolMode { write, out_of_data_space, read_only };

// pd::BlockDevice over an io::BlockDevice, with synchronous I/O: the
// metadata device as the persistent-data library reads and writes it.
class MetadataDevice final : public pd::BlockDevice {
 public:
  explicit MetadataDevice(io::BlockDevicePtr dev) : dev_(std::move(dev)) {}
  uint64_t nr_blocks() const override { return dev_->size() / pd::kBlockSize; }
  Result<void> read(uint64_t block, uint8_t* out) override;
  Result<void> write(uint64_t block, const uint8_t* data) override;
  Result<void> flush() override;
  const io::BlockDevicePtr& device() const { return dev_; }
  // The same device opened again by a new table (it may have grown).
  void rebind(io::BlockDevicePtr dev) { dev_ = std::move(dev); }

 private:
  io::BlockDevicePtr dev_;
};

// What the cache knows about one virtual block.
struct CachedMapping {
  enum Kind : uint8_t { unknown, unmapped, mapped } kind = unknown;
  bool shared = false;
  uint64_t data_block = 0;
  uint32_t gen = 0;  // the device's cache generation when filled
};

// What the hot path does with a thin request (Pool::map_fast).
struct FastMap {
  enum Action : uint8_t {
    remap,  // submit to `data` at data_block; counted in flight (end_io: Pool::io_done)
    held,   // parked in a held cell; resubmitted when the cell is released
    other,  // the target decides from `mapping` (unmapped reads) or defers
  } action = other;
  CachedMapping mapping;
  io::BlockDevice* data = nullptr;
};

// Who a held thin request belongs to, for the slow path.
struct ThinContext {
  uint32_t dev_id = 0;
  io::BlockDevicePtr origin;  // external origin, or null
};

class Pool : public std::enable_shared_from_this<Pool> {
 public:
  // Opens (or formats, when block 0 is all zeros) the pool metadata on `meta`.
  static Result<std::shared_ptr<Pool>> open(io::BlockDevicePtr meta, io::BlockDevicePtr data, uint32_t block_sectors,
                                            const PoolFeatures& features, io::WorkerPool& workers,
                                            core::DeviceClaims::Claim claim);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // How long a write waits for space when the pool is out of data space
  // (queue_if_no_space) before it fails with ENOSPC, for every pool of the
  // process; 0 waits forever. The kernel's no_space_timeout module
  // parameter (60 s); udmd --thin-no-space-timeout sets it.
  static void set_no_space_timeout(std::chrono::milliseconds t);

  // Binds the table that goes live (preresume): its data device, features,
  // low water mark and event; grows the data and metadata space to the
  // devices' sizes. Retries queued writes when space was added.
  Result<void> bind(io::BlockDevicePtr meta, io::BlockDevicePtr data, const PoolFeatures& features, uint64_t low_water,
                    std::function<void()> raise_event);
  void resumed();  // re-arms the low-water event (once per resume)

  const std::string& metadata_name() const { return meta_name_; }
  uint32_t block_sectors() const { return block_sectors_; }
  uint64_t block_bytes() const { return uint64_t(block_sectors_) * 512; }

  // Messages (already split; args[0] is the word).
  Result<std::string> message(std::span<const std::string> args);
  Result<void> commit();
  // Status INFO line, trailing space included.
  std::string status(bool commit_first);

  // Thin devices.
  // A thin table holds its device open: `delete` of an open device is EBUSY.
  Result<void> open_thin(uint32_t dev_id);
  void close_thin(uint32_t dev_id);
  Result<pd::DeviceDetails> details(uint32_t dev_id);
  Result<std::optional<uint64_t>> highest_mapped(uint32_t dev_id);
  bool failed() const { return false; }

  // Hot path: what the cache says (a shared lock held for the lookup only).
  // With `data`, also the data device to remap to, under the same lock.
  CachedMapping cached(uint32_t dev_id, uint64_t vblock, io::BlockDevice** data = nullptr) const;
  // The hot path of a thin request to `vblock`, as the kernel's bio prison:
  // a block whose cell is held (being provisioned, broken, discarded)
  // parks the request in the cell; a provisioned block (unshared, for a
  // write without FUA) is remapped and the request counted in flight, its
  // epoch written to `*epoch` (give it back to io_done at completion).
  FastMap map_fast(uint32_t dev_id, uint64_t vblock, io::Request* request, uint8_t* epoch);
  void io_done(uint8_t epoch);
  io::BlockDevice* data_device() const;
  PoolMode mode() const { return mode_.load(std::memory_order_relaxed); }
  // Read on the hot path without the metadata lock (a reload may change it).
  bool ignore_discard() const { return ignore_discard_.load(std::memory_order_relaxed); }

  // Slow path: runs `request` on a worker (held by the caller's map()).
  void defer(const ThinContext* thin, io::Request* request);
  // Fails the queued (out of space) requests of `thin` with -EIO (its presuspend).
  void fail_queued(const ThinContext* thin);

  // The pool device's suspend: from presuspend to resume, thin I/O that
  // needs the pool (allocation, breaking sharing, discards, commits of FUA
  // writes) waits; I/O to provisioned blocks goes on, as the kernel's.
  void suspend_io();
  void resume_io();

 private:
  Pool(io::BlockDevicePtr meta, io::BlockDevicePtr data, uint32_t block_sectors, const PoolFeatures& features,
       io::WorkerPool& workers, core::DeviceClaims::Claim claim);

  void process(const ThinContext* thin, io::Request* request);
  void process_flush(io::Request* request);
  void process_discard(const ThinContext* thin, io::Request* request);
  void process_read(const ThinContext* thin, io::Request* request);
  struct WriteJob;
  static constexpr std::size_t kWriteBatch = 64;  // writes per metadata-lock hold
  static constexpr uint64_t kFillBufferMax = 64ull << 20;  // one buffer for a batch's filled blocks
  static constexpr uint64_t kMaxMergedWrite = 8ull << 20;  // adjacent blocks written as one
  static constexpr uint64_t kMaxMergedZeroes = 64ull << 20;  // adjacent blocks zeroed as one
  void drain_writes();
  void process_writes(std::vector<WriteJob>& jobs);
  // Under md_lock_: lookup through the cache, filling it.
  Result<CachedMapping> lookup_locked(uint32_t dev_id, uint64_t vblock);
  void cache_put(uint32_t dev_id, uint64_t vblock, CachedMapping m);
  void cache_drop_device(uint32_t dev_id);
  // Under cache_lock_ (either mode): the entry, unknown if its device's entries were dropped since.
  CachedMapping cache_get(uint32_t dev_id, uint64_t key) const;
  void cache_clear();
  // Metadata failed mid-transaction (full metadata device, I/O error):
  // drop the transaction and continue read-only, as the kernel's abort.
  void abort_to_read_only(const Error& why);
  void out_of_space_locked();
  void queue_no_space(const ThinContext* thin, io::Request* request, bool error_if_no_space);
  void check_low_water_locked();
  void tick();
  Result<void> commit_locked();
  Result<void> resize_locked();
  // Cells (the kernel's bio prison), keyed by cache_key: the slow path
  // holds one per virtual block it changes; others' I/O to it waits.
  // False: the cell is held and `request` now waits in it.
  bool cell_acquire(uint64_t key, io::Request* request);
  // As cell_acquire, then waits until the I/O remapped to the block before
  // (the current epoch) completed: the block may then be freed and reused.
  bool cell_acquire_quiesced(uint64_t key, io::Request* request);
  // Releases the cell and resubmits the requests that waited in it.
  void cell_release(uint64_t key);

  MetadataDevice meta_;
  std::string meta_name_;
  io::BlockDevicePtr data_;  // the bound table's
  std::vector<io::BlockDevicePtr> old_data_, old_meta_;  // kept: in-flight I/O may still use a raw pointer
  uint32_t block_sectors_;
  PoolFeatures features_;  // under md_lock_
  std::atomic<bool> ignore_discard_{false};
  uint64_t low_water_ = 0;
  std::function<void()> raise_event_;
  bool low_water_raised_ = false;
  io::WorkerPool& workers_;
  core::DeviceClaims::Claim claim_;

  std::mutex md_lock_;  // the metadata and everything below it
  std::unique_ptr<pd::ThinMetadata> md_;
  bool dirty_ = false;
  std::map<uint32_t, unsigned> open_thins_;
  // Batches whose blocks are allocated but not yet mapped, and commits
  // waiting for them (under md_lock_; the condition waits on md_lock_).
  unsigned provisioning_ = 0, commit_waiting_ = 0;
  std::condition_variable_any provisioned_cv_;
  std::atomic<PoolMode> mode_{PoolMode::write};

  mutable std::shared_mutex cache_lock_;
  std::unordered_map<uint64_t, CachedMapping> cache_;
  std::unordered_map<uint32_t, uint32_t> dev_gen_;  // under cache_lock_: bumped to drop a device's entries
  io::BlockDevice* data_raw_ = nullptr;  // under cache_lock_
  std::unordered_map<uint64_t, std::vector<io::Request*>> cells_;  // under cache_lock_: held cells, their waiters

  // Remapped I/O in flight by epoch (two alternating counters): a discard
  // flips the epoch under cache_lock_ with its cell held and waits for the
  // old counter to drain; drain_lock_ orders those waits so each old
  // counter has drained before it is current again.
  std::atomic<unsigned> epoch_{0};
  std::atomic<int64_t> in_flight_[2] = {0, 0};
  std::mutex drain_lock_;

  // Held writes wait here for the draining workers (drain_writes).
  static constexpr unsigned kDrainers = 2;  // one batch's data writes in flight while the next allocates
  std::mutex writes_lock_;
  std::vector<std::pair<const ThinContext*, io::Request*>> writes_;
  unsigned drainers_ = 0;

  std::mutex park_lock_;
  bool suspended_ = false;  // under park_lock_
  std::vector<std::pair<const ThinContext*, io::Request*>> parked_;

  struct Queued {
    const ThinContext* thin;
    io::Request* request;
    std::chrono::steady_clock::time_point deadline;
  };
  std::mutex queue_lock_;
  std::vector<Queued> no_space_;

  std::mutex timer_lock_;
  std::condition_variable timer_cv_;
  bool stopping_ = false;
  std::atomic<int> pending_work_{0};
  std::thread timer_;
};

}  // namespace udm::thin
