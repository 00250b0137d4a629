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
#include "io/block_device.hpp"

namespace udm::core {

struct Version {
  std::uint32_t major = 0, minor = 0, patch = 0;
  constexpr bool operator==(const Version&) const = default;
  std::string to_string() const;  // "1.4.0"
};

enum class StatusType {
  info,   // STATUSTYPE_INFO: what `dmsetup status` prints
  table,  // STATUSTYPE_TABLE: what `dmsetup table` prints; accepted back by the constructor
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
};

class Target {
 public:
  virtual ~Target() = default;

  // Maps one piece of a request. `request->offset` is in bytes relative to the
  // start of this target, and the piece never crosses a max_io_bytes() boundary.
  // The target must complete the request exactly once: by rewriting offset (and
  // index) and submitting it to a backing device, or by calling complete().
  virtual void map(io::Request* request) = 0;

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

  // `dmsetup message`: words already split. A reply (DM_DATA_OUT) when non-empty.
  virtual Result<std::string> message(std::span<const std::string> /*args*/) {
    return fail(EINVAL, "target does not accept messages");
  }

  // Devices this target opened, for deps.
  virtual std::vector<io::BlockDevicePtr> devices() const { return {}; }

  // Around suspend and resume, for targets that keep state (thin, snapshot, raid).
  virtual void presuspend() {}
  virtual void postsuspend() {}
  virtual Result<void> preresume() { return {}; }
  virtual void resume() {}
};

enum TargetFeature : std::uint32_t {
  TARGET_SINGLETON = 1u << 0,        // must be alone in its table
  TARGET_IMMUTABLE = 1u << 1,        // a reload may not change the type (but to a wildcard)
  TARGET_ALWAYS_WRITEABLE = 1u << 2, // cannot be loaded read-only
  TARGET_WILDCARD = 1u << 3,         // may replace an immutable target (error)
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
