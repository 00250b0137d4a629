// dm-stats: I/O counters per user-defined region of a mapped device, each
// region cut into step-sized areas, answered through the dm core's
// @stats_* messages (dmsetup message DEV 0 @stats_..., dmstats). Counting
// costs one relaxed load per request while a device has no region.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/units.hpp"

namespace udm::core {

struct StatsRegion;
struct StatsRegionSet;

// What a counted request carries from its start to its end: the regions seen
// at the start (a region deleted meanwhile still gets its in-flight count back).
struct StatsIo {
  std::shared_ptr<const StatsRegionSet> regions;
  std::uint64_t start_ns = 0;
  sector_t sector = 0;
  sector_t sectors = 0;
  bool write = false;
  bool merged = false;
};

// A message reply. `buffer_full`: the reply did not fit the caller's room
// (the driver sets DM_BUFFER_FULL_FLAG and libdm retries with more).
struct StatsReply {
  std::string text;
  bool buffer_full = false;
  bool data_out = true;  // false: the verb answers nothing (delete, clear, set_aux)
};

class DeviceStats {
 public:
  DeviceStats();
  ~DeviceStats();
  DeviceStats(const DeviceStats&) = delete;
  DeviceStats& operator=(const DeviceStats&) = delete;

  // The I/O path's check: false while no region exists.
  bool used() const { return used_.load(std::memory_order_relaxed); }
  // A data request (not a flush) of `sectors` at `sector` starts / ends.
  void begin(StatsIo& io, bool write, sector_t sector, sector_t sectors);
  void end(StatsIo& io);

  // An @stats_* message (args[0] is the verb, matched without case), for a
  // device of `device_sectors`; `room` is the reply's buffer size with its
  // NUL. nullopt when args[0] is no stats verb.
  std::optional<Result<StatsReply>> message(std::span<const std::string> args, sector_t device_sectors,
                                            std::size_t room);

  // Bytes all regions of all devices hold, and the cap (a quarter of RAM, as
  // the kernel's stats_current_allocated_bytes limit).
  static std::size_t allocated_bytes();
  static std::size_t max_bytes();

 private:
  Result<StatsReply> create(std::span<const std::string> args, sector_t device_sectors, std::size_t room);
  Result<StatsReply> remove(std::span<const std::string> args);
  Result<StatsReply> clear(std::span<const std::string> args);
  Result<StatsReply> list(std::span<const std::string> args, std::size_t room);
  Result<StatsReply> print(std::span<const std::string> args, bool clear, std::size_t room);
  Result<StatsReply> set_aux(std::span<const std::string> args);
  std::shared_ptr<StatsRegion> find(int id) const;  // control_ held
  void publish();                                   // control_ held

  std::atomic<bool> used_{false};
  // Control side: the regions by id, changed and read under control_.
  mutable std::mutex control_;
  std::vector<std::shared_ptr<StatsRegion>> regions_;
  // I/O side: an immutable copy of regions_, swapped under snapshot_lock_.
  mutable std::mutex snapshot_lock_;
  std::shared_ptr<const StatsRegionSet> snapshot_;
  // Where the last request ended ((sector << 1) | write), for the merge count.
  std::atomic<std::uint64_t> last_{~std::uint64_t{0}};
};

}  // namespace udm::core
