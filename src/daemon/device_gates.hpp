// Per-device command serialisation. Commands on one device run one at a
// time, in the order they arrived (a FIFO ticket per device); commands on
// different devices never wait for each other. The map of gates has its own
// short lock, never held while a command runs: a suspend that waits for
// in-flight I/O holds only its own device's gate.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "core/mapped_device.hpp"

namespace udm::daemon {

class DeviceGates {
 public:
  // Held while a command runs on `device`; leaving lets the next one in.
  class Pass {
   public:
    Pass() = default;
    Pass(Pass&& o) noexcept : gates_(std::exchange(o.gates_, nullptr)), device_(std::move(o.device_)) {}
    Pass& operator=(Pass&& o) noexcept;
    ~Pass() { release(); }
    void release();
    explicit operator bool() const { return gates_ != nullptr; }

   private:
    friend class DeviceGates;
    Pass(DeviceGates* g, core::MappedDevicePtr d) : gates_(g), device_(std::move(d)) {}
    DeviceGates* gates_ = nullptr;
    core::MappedDevicePtr device_;  // keeps the key's address from being reused
  };

  // Blocks until every command that entered `device`'s gate before has left.
  Pass enter(core::MappedDevicePtr device);

  // Gates with a command inside or waiting (tests).
  std::size_t busy() const;

 private:
  struct Gate {
    std::condition_variable cv;
    std::uint64_t next = 0;     // the ticket the next arrival takes
    std::uint64_t serving = 0;  // the ticket allowed in
  };
  void leave(const core::MappedDevice* device);

  mutable std::mutex lock_;
  std::unordered_map<const core::MappedDevice*, std::unique_ptr<Gate>> gates_;
};

}  // namespace udm::daemon
