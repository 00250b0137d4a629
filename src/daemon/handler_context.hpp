// What a command handler sees, and the helpers every handler shares:
// the kernel's device lookup and status fill-in. One handler per command in
// the command table (handlers.hpp).
#pragma once

#include <atomic>

#include "abi/codec.hpp"
#include "core/device_registry.hpp"
#include "daemon/command_versions.hpp"
#include "daemon/dispatcher.hpp"

namespace udm::daemon {

struct Context {
  core::DeviceRegistry& registry;
  const CommandVersions& versions;
  abi::Command command;
  abi::CommandVersion version;  // the driver's version of this command
  abi::ByteView buffer;         // the request: data_size bytes (305 for NO_PARAMS)
  abi::Header in;               // the request header, output-only flags cleared
  abi::Header out;              // the reply header: starts as `in` with data_size 305
  abi::Bytes payload;           // reply payload at out.data_start (312)
  ConnectionState& conn;
  const std::atomic<bool>& shutdown;
  std::atomic<std::uint32_t>& global_event_nr;
  // The device the request names, found and pinned by the dispatcher inside
  // that device's gate (nullptr: none found, the handler looks it up).
  core::MappedDevicePtr device = nullptr;

  bool has(std::uint32_t flag) const { return (in.flags & flag) != 0; }

  // The kernel's get_result_buffer: sets out.data_start = 312 and returns
  // the room for a payload (data_size - 312, or 0).
  std::size_t result_room();
  // Puts `bytes` at 312 and sets out.data_size = 312 + size.
  void set_payload(abi::Bytes bytes);
};

using Handler = Result<void> (*)(Context&);

// ABI.md §5 lookup: uuid, else name, else dev; ENXIO when nothing matches or
// when uuid comes with name/dev, or name with dev. Writes the device's name
// and uuid into ctx.out.
Result<core::MappedDevicePtr> find_device(Context& ctx);

// The kernel's __dev_status: SUSPEND/READONLY/ACTIVE_PRESENT/INACTIVE_PRESENT,
// DEFERRED_REMOVE, dev, open_count, event_nr, target_count (of the inactive
// table with QUERY_INACTIVE).
void fill_status(Context& ctx, const core::MappedDevice& device);

// The kernel's retrieve_status (TABLE_STATUS and DEV_WAIT): per-target specs
// of the live (or, with QUERY_INACTIVE, inactive) table, INFO or TABLE text,
// BUFFER_FULL when they do not fit. Nothing when that table does not exist.
void retrieve_status(Context& ctx, const core::MappedDevice& device);

}  // namespace udm::daemon
