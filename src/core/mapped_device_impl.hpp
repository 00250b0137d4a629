// Internal to core: the state behind MappedDevice, shared by the control
// operations (mapped_device.cpp) and the I/O path (io_path.cpp).
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "core/mapped_device.hpp"

namespace udm::core {

struct MappedDevice::Impl {
  explicit Impl(MappedDevice& s) : self(s) {}

  MappedDevice& self;

  // Serialises suspend/resume/removal. Held across the wait for in-flight
  // I/O, so `control` is not: queries of this device (and of devices that
  // stack on it) still answer while a suspend waits. Taken before `control`.
  std::mutex transition;
  // Control state, serialised by `control`: load/clear/status. `live` and
  // `suspended` change only with both locks held.
  mutable std::mutex control;
  std::unique_ptr<Table> live;
  std::unique_ptr<Table> inactive;
  bool suspended = false;

  // I/O path. `live_raw` is read without a lock: it only changes while
  // `blocking` is set and `in_flight` has drained to zero.
  std::atomic<Table*> live_raw{nullptr};
  // Copies of the live table's size and mode, for callers outside the I/O
  // path, who may race with a swap.
  std::atomic<byte_count> live_bytes{0};
  std::atomic<bool> live_read_only{false};
  std::atomic<std::uint64_t> in_flight{0};
  std::atomic<bool> blocking{false};
  std::mutex hold_lock;  // guards `held` and the blocking -> false transition
  std::vector<io::Request*> held;
  bool failing = false;  // shutdown: I/O that would be held fails with EIO (under hold_lock)
  std::mutex drain_lock;
  std::condition_variable drained;

  // dm-stats regions; the I/O path counts into them while any exist.
  DeviceStats stats;

  // Openers and removal.
  std::atomic<std::int32_t> open_count{0};
  std::atomic<bool> deferred_remove{false};
  std::mutex hooks_lock;
  std::function<void(MappedDevice&)> last_close;  // set by the registry
  std::function<void(MappedDevice&)> change_listener;

  // Events.
  std::mutex event_lock;
  std::condition_variable event_cv;
  std::atomic<std::uint32_t> event_nr{0};

  // Stacked limits of the live table (kept off the I/O path's cache lines).
  mutable std::mutex limits_lock;  // live_limits
  io::DeviceLimits live_limits;

  // I/O path (io_path.cpp).
  void submit(io::Request* r);
  void dispatch(io::Request* r);
  void leave();  // one request fewer in flight; wakes a waiting suspend

  // Control helpers. suspend_locked: `transition` held, `control` not.
  // Runs the suspend hooks and drains; unless `noflush`, makes completed
  // writes durable first. A failed presuspend leaves the device running.
  Result<void> suspend_locked(bool noflush);
  void wait_drained();
  std::vector<io::Request*> release_held();  // clears `blocking`, returns what was held
  void notify_change();
  void publish_live();  // after `live` changed: live_raw and its copies
};

}  // namespace udm::core
