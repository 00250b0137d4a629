// The control-command dispatcher: takes one request (a whole dm_ioctl buffer
// as it came in a frame), applies the kernel's request processing (ABI.md §5:
// version rule, sizes, flags, name/uuid checks), runs the command's handler
// against the device registry and builds the reply body with the kernel's
// copy-back rules (frame.hpp). Independent of sockets, so tests drive it
// directly. Thread-safe: commands that change a device run one at a time,
// in order of arrival (DeviceGates); queries and commands on different
// devices run in parallel,
// so a suspend waiting for in-flight I/O holds up nothing but its own
// device. DEV_WAIT takes no gate: a blocked waiter never stalls anyone.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>

#include "abi/codec.hpp"
#include "core/device_registry.hpp"
#include "daemon/command_versions.hpp"
#include "daemon/device_gates.hpp"
#include "daemon/log.hpp"

namespace udm::daemon {

// What a connection keeps between commands.
struct ConnectionState {
  std::uint32_t armed_global_event = 0;  // DEV_ARM_POLL
  int fd = -1;  // the peer's socket: DEV_WAIT gives up when it hangs up (-1: none)
  // An event-loop server sets park_waits: a DEV_WAIT whose event has not
  // happened yet is then not waited for on the calling thread; the reply says
  // `parked`, wait_device/wait_event say what it waits for, and the server
  // sends the same request again (wait_device still set) once that device's
  // event number moves, or at shutdown (then it gets EINTR).
  bool park_waits = false;
  core::MappedDevicePtr wait_device;
  std::uint32_t wait_event = 0;
};

struct Context;  // handler_context.hpp

struct CommandReply {
  std::uint32_t error = 0;  // 0 or a positive errno
  abi::Bytes body;          // the reply frame's body (frame.hpp rules)
  std::string message;      // the error message (also inside body), for logs
  bool parked = false;      // a DEV_WAIT parked in ConnectionState: no reply yet
};

class Dispatcher {
 public:
  Dispatcher(core::DeviceRegistry& registry, CommandVersions versions, Log& log);

  // `command`: the frame's command (nr, udm extension, or a full ioctl number).
  CommandReply handle(std::uint32_t command, abi::ByteView request, ConnectionState& conn);

  // Called after every command that changes the device set or any table
  // (create, remove, rename, suspend/resume, message, table load and clear,
  // set_geometry), outside any device gate, before the reply goes out, with the request and reply headers (which
  // name the device): udmd records its devices there.
  using StateHook = std::function<void(abi::Command, const abi::Header& in, const abi::Header& out)>;
  void set_state_hook(StateHook hook) { state_hook_ = std::move(hook); }

  // Shutdown: waiting DEV_WAITs return EINTR, and new ones at once.
  void cancel_waits() { shutdown_ = true; }

  std::uint32_t global_event_nr() const { return global_event_nr_.load(); }
  const CommandVersions& versions() const { return versions_; }
  core::DeviceRegistry& registry() { return registry_; }
  bool shutting_down() const { return shutdown_.load(); }

 private:
  DeviceGates::Pass enter_gate(Context& ctx);

  core::DeviceRegistry& registry_;
  CommandVersions versions_;
  Log& log_;
  DeviceGates gates_;
  std::atomic<bool> shutdown_{false};
  std::atomic<std::uint32_t> global_event_nr_{0};
  StateHook state_hook_;
};

}  // namespace udm::daemon
