// One dm-raid set: its legs (metadata + data device each, either may be
// missing), the superblocks and write-intent bitmap on the metadata devices,
// the I/O paths, and the background sync thread (resync, recovery,
// check/repair) with its progress. Built by the raid target's constructor
// (which only validates the metadata), loaded at preresume (after the old
// table, if any, wrote its state at postsuspend) and run from resume.
#pragma once

#include <atomic>
#include <bitset>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "base/result.hpp"
#include "base/units.hpp"
#include "io/block_device.hpp"
#include "io/worker_pool.hpp"
#include "raid/buffer.hpp"
#include "raid/mirror_writer.hpp"
#include "raid/raid_type.hpp"
#include "raid/superblock.hpp"
#include "raid/sync_copy.hpp"

namespace udm::raid {

// The table's parameters. `given` records which optional ones appeared,
// because the table output prints only those.
struct RaidConfig {
  const RaidType* type = nullptr;
  std::string type_name;
  std::uint64_t chunk = 0;  // sectors
  bool sync = false, nosync = false;
  std::vector<unsigned> rebuild;       // ascending
  std::vector<unsigned> write_mostly;  // ascending
  std::uint64_t daemon_sleep_ms = 0, min_recovery_rate = 0, max_recovery_rate = 0, max_write_behind = 0,
                stripe_cache = 0, region_size = 0, raid10_copies = 0, data_offset = 0;
  std::int64_t delta_disks = 0;
  std::string raid10_format;
  enum Given : std::uint32_t {
    DAEMON_SLEEP = 1 << 0,
    MIN_RATE = 1 << 1,
    MAX_RATE = 1 << 2,
    WRITE_BEHIND = 1 << 3,
    STRIPE_CACHE = 1 << 4,
    REGION_SIZE = 1 << 5,
    RAID10_COPIES = 1 << 6,
    RAID10_FORMAT = 1 << 7,
    DELTA_DISKS = 1 << 8,
    DATA_OFFSET = 1 << 9,
  };
  std::uint32_t given = 0;
  unsigned copies() const;  // raid1: legs, raid10: raid10_copies (2), else 1
};

struct LegDevices {
  io::BlockDevicePtr meta, data;  // null for "-"
};

struct WriteCtx;

enum class SyncAction { idle, frozen, resync, recover, check, repair };
const char* sync_action_name(SyncAction a);

class RaidSet {
 public:
  // Checks the geometry and reads every metadata device: a foreign or
  // damaged superblock or bitmap is an error naming the device; nothing is written.
  static Result<std::shared_ptr<RaidSet>> create(RaidConfig config, std::vector<LegDevices> legs,
                                                 sector_t array_sectors, std::function<void()> raise_event);
  ~RaidSet();
  RaidSet(const RaidSet&) = delete;
  RaidSet& operator=(const RaidSet&) = delete;

  // Reads the metadata again (the old table wrote its state at suspend),
  // initialises blank metadata devices, works out what needs resync and
  // recovery. Once per set; later calls do nothing.
  Result<void> load();
  void start();               // resume: the sync thread runs
  void pause();               // presuspend: the sync thread stops at a region boundary
  void write_state();         // postsuspend: clear what is clean, write bitmap and superblocks

  // I/O (the target's map): pieces never cross max_io_bytes().
  void submit(io::Request* r);
  byte_count max_io_bytes(byte_count offset) const;

  std::string status() const;  // "raid1 2 AA 2048/2048 idle 0 0 -"
  Result<std::string> message(std::span<const std::string> args);

  const RaidConfig& config() const { return config_; }
  const std::vector<LegDevices>& devices() const { return devs_; }
  sector_t dev_sectors() const { return dev_sectors_; }
  sector_t region_sectors() const { return region_; }
  std::uint64_t regions() const { return regions_; }
  // For tests and the udmd log: regions copied by resync (not skipped as clean) so far.
  std::uint64_t regions_resynced() const { return regions_resynced_.load(); }
  // Waits until no resync/recovery/check is needed or running (tests); false on timeout.
  bool wait_idle(std::chrono::milliseconds timeout);
  // The bitmap bits as on disk (tests).
  std::vector<std::uint8_t> bitmap_image() const;

 private:
  RaidSet(RaidConfig config, std::vector<LegDevices> legs, sector_t array_sectors, std::function<void()> raise_event);

  struct Leg {
    std::atomic<bool> failed{false};
    std::atomic<std::uint64_t> recovery_offset{MAX_SECTOR};  // leg sectors in sync below this
  };
  enum RegionState : std::uint8_t { region_clean = 0, region_setting = 1, region_dirty = 2 };

  friend struct WriteCtx;

  bool parity() const { return config_.type->parity_devs > 0; }
  bool has_bitmap() const { return config_.type->level != 0 && meta_count_ > 0; }
  bool alive(unsigned i) const { return devs_[i].data && !legs_[i].failed.load(); }
  bool in_sync_to(unsigned i, sector_t end) const { return alive(i) && legs_[i].recovery_offset.load() >= end; }
  bool degraded_locked() const;
  bool can_resync_locked() const;
  void fail_leg(unsigned i, int error);

  // raid1
  void submit_raid1(io::Request* r);
  void read_raid1(io::Request* r);
  void read_try(io::Request* r);
  static void read_done(io::Request* r, int result);
  void start_write_locked(io::Request* r, std::uint64_t region, std::vector<io::Request*>& go);
  void issue_write(io::Request* r);
  void fan_out(io::Request* r, std::uint64_t region, bool all_legs);
  WriteCtx* take_ctx();
  void put_ctx(WriteCtx* c);
  int choose_read_leg(byte_count offset, byte_count length, const std::bitset<256>& tried) const;
  void write_done(std::uint64_t region, WriteCtx* ctx = nullptr);  // UINT64_MAX: not a counted write
  // raid0
  void submit_raid0(io::Request* r);
  // raid4/5/6/10: on the worker pool, one stripe at a time
  void submit_striped(io::Request* r);
  int striped_io(io::Request* r);
  std::uint64_t region_of(byte_count offset) const;  // of a write at array byte `offset`
  void mark_dirty(std::uint64_t region);             // the bit on disk, synchronously
  std::mutex& stripe_lock(std::uint64_t stripe);
  int reconstruct(void* row, byte_count len) const;  // raid_parity.cpp's Row
  void compute_parity(const void* row, byte_count len, Buffer& p, Buffer* q) const;

  // Metadata.
  void queue_bit_flush_locked();
  void flush_bits();
  int write_bits(std::size_t first_byte, std::size_t end_byte);
  int write_superblocks();
  Superblock make_sb_locked(unsigned i) const;
  BitmapSuper make_bitmap_super_locked() const;
  void clear_clean_bits();

  // The sync thread.
  void run();
  bool step();  // one region of whatever sync is due; false when nothing is
  SyncAction action_locked() const;
  int copy_regions_raid1(const std::vector<std::uint64_t>& batch, const std::vector<unsigned>& targets,
                         std::size_t& done);
  int check_region_raid1(std::uint64_t region, bool fix);
  int sync_region_parity(std::uint64_t region, int rebuild_leg, bool compare, bool fix);
  bool throttle(std::uint64_t bytes);
  void persist_progress(bool force);

  RaidConfig config_;
  std::vector<LegDevices> devs_;
  std::unique_ptr<Leg[]> legs_;
  unsigned n_ = 0;
  unsigned meta_count_ = 0;
  sector_t array_sectors_ = 0;
  sector_t dev_sectors_ = 0;
  sector_t region_ = 0;
  std::uint64_t regions_ = 0;
  std::function<void()> raise_event_;
  std::vector<Superblock> disk_sbs_;  // as read at create (for validation messages)

  mutable std::mutex lock_;
  bool loaded_ = false;
  std::uint64_t events_ = 0;
  std::vector<std::uint8_t> bits_;          // the bitmap as we write it
  std::vector<std::uint8_t> state_;         // RegionState per region
  std::vector<std::uint32_t> inflight_;     // writes in flight per region
  std::vector<std::uint8_t> touched_;       // written since the last clear pass
  std::vector<std::uint8_t> need_sync_;     // resync due (full resync below, dirty bits after a crash)
  std::vector<io::Request*> bit_waiters_;   // writes waiting for their bit on disk
  std::vector<std::uint64_t> setting_list_;  // regions whose bit is to be set
  bool bit_flush_queued_ = false;
  std::vector<std::uint8_t> syncing_;       // regions the sync thread copies now; writes to them wait
  std::vector<io::Request*> barrier_waiters_;
  std::condition_variable barrier_cv_;      // inflight_ of a syncing region reached 0
  std::uint64_t resync_pos_ = 0;            // region
  std::uint64_t resync_cp_ = MAX_SECTOR;    // array_resync_offset
  bool resync_active_ = false;              // a resync ran since load (for its end message)
  std::atomic<bool> maybe_unsynced_{false}; // some region may need resync: reads must look
  bool check_ = false, repair_ = false;     // a requested check/repair is running
  std::uint64_t check_pos_ = 0;             // region
  std::uint64_t mismatches_ = 0;            // sectors
  bool last_was_check_ = false;
  bool frozen_ = false;
  bool paused_ = true;
  bool stepping_ = false;
  bool stop_ = false;
  bool sb_dirty_ = false;
  std::condition_variable cv_;
  std::chrono::steady_clock::time_point last_persist_{};
  std::chrono::steady_clock::time_point throttle_start_{};
  std::uint64_t throttle_bytes_ = 0;
  std::uint64_t throttle_limit_ = 0;        // KiB/s the current window runs at
  std::uint64_t throttle_io_seen_ = 0;      // user_io_ at the last throttle step
  std::chrono::steady_clock::time_point last_user_io_{};  // when user_io_ last moved
  std::atomic<std::uint64_t> user_io_{0};   // requests submitted to the set (busy, for min_recovery_rate)
  std::unique_ptr<SyncCopy> sync_copy_;     // the sync thread's, while a resync/recovery runs
  std::atomic<std::uint64_t> regions_resynced_{0};
  std::atomic<std::uint64_t> bytes_in_kernel_{0};  // resync/recovery bytes copied by copy_file_range
  std::mutex meta_lock_;  // one metadata writer at a time
  std::mutex ctx_lock_;   // free_ctx_
  WriteCtx* free_ctx_ = nullptr;  // write contexts to reuse
  std::unique_ptr<MirrorWriter> writer_;  // raid1: the legs' copies of a write
  static constexpr unsigned STRIPE_LOCKS = 64;
  std::unique_ptr<std::mutex[]> stripe_locks_{new std::mutex[STRIPE_LOCKS]};  // by stripe number, hashed
  std::thread thread_;
  // Bit flushes, superblock updates and parity I/O block on synchronous I/O:
  // the set's own threads, so a raid stacked on a device whose target needs
  // the shared worker pool cannot starve it. Last: stops first.
  io::WorkerPool workers_{4, "udm-raid"};
};

}  // namespace udm::raid
