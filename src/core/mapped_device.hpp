// A mapped device: a name, a uuid, a synthetic device number, an open count,
// an event counter and two table slots (live and inactive). It is itself a
// BlockDevice, so exports submit I/O to it and tables can stack on it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/stats.hpp"
#include "core/table.hpp"

namespace udm::core {

struct TargetStatusLine {
  sector_t start = 0;
  sector_t length = 0;
  std::string type;
  std::string text;  // status or table text, no newline
};

struct DeviceInfo {
  bool suspended = false;
  bool read_only = false;          // of the live table (or the inactive one when asked)
  bool live_present = false;
  bool inactive_present = false;
  bool deferred_remove = false;
  std::int32_t open_count = 0;
  std::uint32_t event_nr = 0;
  std::uint32_t target_count = 0;  // of the live table (or the inactive one when asked)
};

class MappedDevice final : public io::BlockDevice {
 public:
  MappedDevice(std::string name, std::string uuid, DevNo devno);
  ~MappedDevice() override;

  // Copies: a rename or uuid change may happen at any moment on another thread.
  std::string name() const;
  std::string uuid() const;

  // Tables. load() fills the inactive slot (replacing what was there);
  // resume() swaps it in atomically, bumping nothing (as Linux: event_nr counts
  // target events, renames and removes only).
  void load(std::unique_ptr<Table> table);
  bool clear();  // drops the inactive table; false if there was none

  // Drains in-flight I/O and holds new I/O until resume. `noflush` keeps
  // queued I/O queued instead of flushing backing devices, and is passed to
  // the targets' presuspend and postsuspend. Idempotent. Fails (the device
  // keeps running) when a target's presuspend fails; the targets presuspended
  // before it get presuspend_undo.
  Result<void> suspend(bool noflush);
  // Swaps in the inactive table if there is one, then releases held I/O.
  // Resuming a running device without an inactive table is not an error.
  // A target's preresume failing refuses the resume: the inactive table is
  // dropped and the device stays suspended on its old table.
  Result<void> resume();

  DeviceInfo info(bool inactive) const;
  // One line per target of the live (or inactive) table.
  // `noflush`: the request's DM_NOFLUSH_FLAG, handed to each target's status.
  std::vector<TargetStatusLine> status(StatusType type, bool inactive, bool noflush = false) const;
  std::vector<DevNo> deps(bool inactive) const;
  // Routes a message to the live target covering `sector`.
  Result<std::string> message(sector_t sector, std::span<const std::string> args);
  // An @stats_* message, answered by the core for any device (with or
  // without a table); nullopt when args[0] is no stats verb. `room`: the
  // reply buffer's size.
  std::optional<Result<StatsReply>> stats_message(std::span<const std::string> args, std::size_t room);

  // Open count, held by exports (an open FUSE file, an NBD connection).
  void open();
  void close();

  // Events: raise_event() bumps event_nr and wakes waiters. wait_event()
  // blocks until event_nr differs from `seen` or `cancel` becomes true;
  // returns the current event number.
  void raise_event();
  // A restarted daemon puts back the event number it recorded (run state).
  void restore_event_nr(std::uint32_t event_nr);
  std::uint32_t wait_event(std::uint32_t seen, const std::atomic<bool>& cancel);
  // The event number without any lock (pollers of parked waits).
  std::uint32_t event_nr() const;

  // Shutdown: I/O held by a suspend fails with EIO now, and I/O that would
  // be held from now on fails at once, so suspends waiting on it finish.
  void fail_held_io();

  // BlockDevice
  byte_count size() const override;  // live table size in bytes, 0 without one
  void submit(io::Request* request) override;
  std::string table_name() const override { return devno_.to_string(); }
  DevNo devno() const override { return devno_; }
  bool read_only() const override;
  // Logical/physical block size, io_min, io_opt and discard granularity of
  // the live table, stacked from its devices and targets (limits.hpp);
  // 512-byte defaults without a table. Exports advertise these.
  io::DeviceLimits limits() const override;
  // True while suspended (new I/O is held until resume). A hint for callers
  // that would rather not block a thread on a held request; it can change
  // at any moment.
  bool holds_io() const;

 private:
  friend class DeviceRegistry;  // renames and uuid changes go through it
  void set_name(std::string name);
  void set_uuid(std::string uuid);
  // Removal: drains, fails held I/O with EIO, destroys both tables.
  void drop_tables();
  void set_last_close_hook(std::function<void(MappedDevice&)> hook);
  // Called when a table swap goes live or the tables are dropped (size,
  // read-only, limits): the registry passes it on to its one listener.
  void set_change_listener(std::function<void(MappedDevice&)> listener);
  bool deferred_remove() const;
  void set_deferred_remove(bool on);

 public:
  struct Impl;  // internal to core (mapped_device_impl.hpp)

 private:
  mutable std::mutex names_lock_;  // name_ and uuid_; set by the registry
  std::string name_;
  std::string uuid_;
  DevNo devno_;
  std::unique_ptr<Impl> impl_;
};

using MappedDevicePtr = std::shared_ptr<MappedDevice>;

}  // namespace udm::core
