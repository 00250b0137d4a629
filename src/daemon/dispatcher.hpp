// The control-command dispatcher: takes one request (a whole dm_ioctl buffer
// as it came in a frame), applies the kernel's request processing (ABI.md §5:
// version rule, sizes, flags, name/uuid checks), runs the command's handler
// against the device registry and builds the reply body with the kernel's
// copy-back rules (frame.hpp). Independent of sockets, so tests drive it
// directly. Thread-safe: commands run one at a time, except DEV_WAIT, which
// waits outside the lock so a blocked waiter never stalls anyone.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>

#include "abi/codec.hpp"
#include "core/device_registry.hpp"
#include "daemon/command_versions.hpp"
#include "daemon/log.hpp"

namespace udm::daemon {

// What a connection keeps between commands.
struct ConnectionState {
  std::uint32_t armed_global_event = 0;  // DEV_ARM_POLL
  int fd = -1;  // the peer's socket: DEV_WAIT gives up when it hangs up (-1: none)
};

struct CommandReply {
  std::uint32_t error = 0;  // 0 or a positive errno
  abi::Bytes body;          // the reply frame's body (frame.hpp rules)
  std::string message;      // the error message (also inside body), for logs
};

class Dispatcher {
 public:
  Dispatcher(core::DeviceRegistry& registry, CommandVersions versions, Log& log);

  // `command`: the frame's command (nr, udm extension, or a full ioctl number).
  CommandReply handle(std::uint32_t command, abi::ByteView request, ConnectionState& conn);

  // Shutdown: waiting DEV_WAITs return EINTR, and new ones at once.
  void cancel_waits() { shutdown_ = true; }

  std::uint32_t global_event_nr() const { return global_event_nr_.load(); }
  const CommandVersions& versions() const { return versions_; }
  core::DeviceRegistry& registry() { return registry_; }

 private:
  core::DeviceRegistry& registry_;
  CommandVersions versions_;
  Log& log_;
  std::mutex command_lock_;
  std::atomic<bool> shutdown_{false};
  std::atomic<std::uint32_t> global_event_nr_{0};
};

}  // namespace udm::daemon
