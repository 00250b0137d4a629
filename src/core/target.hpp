// The target interface: what every target type (linear, striped, zero, error,
// later snapshot, thin, crypt...) implements. One target type per file under
// src/targets/, registered by name with a 3-component version, as in Linux.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "base/units.hpp"
#include "base/version.hpp"
#include "io/block_device.hpp"

namespace udm::core {

using Version = udm::Version;  // base/version.hpp: "1.4.0"

class TargetServices;  // target_services.hpp

enum class StatusType {
  info,   // STATUSTYPE_INFO: what `dmsetup status` prints
  table,  // STATUSTYPE_TABLE: what `dmsetup table` prints; accepted back by the constructor
};

// The ioctl's DM_NOFLUSH_FLAG as a status request carries it: a thin-pool
// must then not commit metadata just to report.
struct StatusFlags {
  bool noflush = false;
};

// What map() did with a piece (the kernel's DM_MAPIO_*).
enum class MapResult {
  submitted,  // forwarded to a device or completed: the target is done with it
  held,       // parked by the target (snapshot waits for a copy, thin for a
              // block): it later calls resubmit() or complete_held() exactly once
};

// Opens the devices a table line names. Implemented by the device registry so
// that "252:3" finds another mapped device (stacking), "8:16" a block device,
// and a path a file or block device.
class DeviceOpener {
 public:
  virtual ~DeviceOpener() = default;
  // Opens `arg` and checks that sectors [start, start + length) lie inside it:
  // "device 8:16 is too small: 2048 sectors, need 4096".
  virtual Result<io::BlockDevicePtr> open(std::string_view arg, sector_t start, sector_t length) = 0;
  // The mapped device the table is being built for; empty when none.
  virtual DevNo self() const { return {}; }
};

// What a constructor is given.
struct TargetArgs {
  sector_t begin = 0;   // first sector of the target in the mapped device
  sector_t length = 0;  // sectors, > 0
  bool read_only = false;
  std::span<const std::string> args;  // the parameters, split as the kernel splits them
  DeviceOpener* devices = nullptr;
  // Raises an event on the device the table is loaded into (dm_table_event:
  // bumps event_nr, wakes `dmsetup wait`). Empty when the table was built for
  // no particular device. Callable from any thread, also after the device is gone.
  std::function<void()> raise_event;
  // The mapped device the table is built for (empty for none): shared
  // objects a pool target registers are keyed by it.
  DevNo device;
  // Worker pool, shared objects, device claims (target_services.hpp). Set by
  // Table::build from the target registry; null only in hand-made TargetArgs.
  TargetServices* services = nullptr;
};

class Target {
 public:
  virtual ~Target() = default;

  // Maps one piece of a request. `request->offset` is in bytes relative to the
  // start of this target, and the piece never crosses a max_io_bytes() boundary.
  // The target must complete the request exactly once: by rewriting offset (and
  // index) and submitting it to a backing device, or by calling complete()
  // (both: MapResult::submitted), or by keeping it and returning held, then
  // later calling resubmit() or complete_held() (below). Must not block.
  // Per-request scratch space: per_io_data(request).
  virtual MapResult map(io::Request* request) = 0;

  // Bytes from target-relative `offset` to the next boundary a piece must not
  // cross (a stripe chunk end); UINT64_MAX when there is none.
  virtual byte_count max_io_bytes(byte_count /*offset*/) const { return UINT64_MAX; }

  // How many copies of a flush this target wants (one per backing device for
  // striped); each arrives at map() with request->index set. 0: flushes complete at once.
  virtual unsigned flush_copies() const { return 1; }

  // Called by the core once a piece this target mapped has completed (whether
  // the target completed it itself or a backing device did), before the
  // result is fanned back in. `request->index` is what map() left there, so a
  // target can tell which of its devices failed (striped's 'D' health).
  // Runs on the completing thread; must not block.
  virtual void end_io(const io::Request& /*request*/, int /*result*/) {}

  // Status text in Linux's format, no trailing newline ("" for zero and error).
  virtual std::string status(StatusType type) const = 0;
  // The same with the request's flags; targets that care override this one.
  virtual std::string status(StatusType type, StatusFlags /*flags*/) const { return status(type); }

  // Adjusts the limits stacked from devices() (the kernel's io_hints):
  // striped sets io_min to its chunk, io_opt to a full stripe; a target with
  // its own block size raises logical_block_size.
  virtual void io_hints(io::DeviceLimits& /*limits*/) const {}

  // `dmsetup message`: words already split. A reply (DM_DATA_OUT) when non-empty.
  virtual Result<std::string> message(std::span<const std::string> /*args*/) {
    return fail(EINVAL, "target does not accept messages");
  }

  // Devices this target opened, for deps.
  virtual std::vector<io::BlockDevicePtr> devices() const { return {}; }

  // Around suspend and resume, for targets that keep state (thin, snapshot,
  // raid), in the kernel's order. Suspend: presuspend on every target (stop
  // background work, release held I/O; may fail), then in-flight I/O drains,
  // then backing devices are flushed unless `noflush`, then postsuspend
  // (commit metadata). If a presuspend fails, the targets already presuspended
  // get presuspend_undo and the device stays running. Resume: preresume on
  // every target of the table about to go live (may fail: the resume is
  // refused, the device stays suspended), then resume.
  virtual Result<void> presuspend(bool /*noflush*/) { return {}; }
  virtual void presuspend_undo() {}
  virtual void postsuspend(bool /*noflush*/) {}
  virtual Result<void> preresume() { return {}; }
  virtual void resume() {}
};

// Per-request scratch space for the target a piece was mapped by (the
// kernel's dm_per_bio_data): valid from map() until the piece completes;
// not zeroed. Only for requests the core handed to map().
inline constexpr std::size_t PER_IO_DATA_SIZE = 64;
std::span<std::byte, PER_IO_DATA_SIZE> per_io_data(io::Request* request);

// For a piece whose map() returned held: map it again from scratch (offset,
// index and data as map() first saw them), on the calling thread.
void resubmit(io::Request* request);
// For a piece whose map() returned held: complete it with `result` (0 or -errno).
void complete_held(io::Request* request, int result);

enum TargetFeature : std::uint32_t {
  TARGET_SINGLETON = 1u << 0,        // must be alone in its table
  TARGET_IMMUTABLE = 1u << 1,        // a reload may not change the type (but to a wildcard)
  TARGET_ALWAYS_WRITEABLE = 1u << 2, // cannot be loaded read-only
  TARGET_WILDCARD = 1u << 3,         // may replace an immutable target (error)
  // Its table holds a secret (a crypt key): never written to disk or logs by
  // udmd (the device record skips the device, as the kernel keeps no key).
  TARGET_HOLDS_SECRETS = 1u << 4,
};

struct TargetType {
  std::string_view name;
  Version version;
  std::uint32_t features = 0;
  // Errors name the field: "chunk size 7 is not a power of two". The table
  // builder adds "table line N: TYPE: " in front.
  Result<std::unique_ptr<Target>> (*create)(const TargetArgs& args) = nullptr;
};

}  // namespace udm::core
