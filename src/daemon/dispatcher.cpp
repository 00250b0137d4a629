#include "daemon/dispatcher.hpp"

#include <algorithm>
#include <cstring>

#include "abi/frame.hpp"
#include "daemon/handler_context.hpp"
#include "daemon/handlers.hpp"

namespace udm::daemon {
namespace {

// Flags the kernel clears on entry: they only ever travel out.
constexpr std::uint32_t OUTPUT_ONLY_FLAGS =
    abi::BUFFER_FULL_FLAG | abi::UEVENT_GENERATED_FLAG | abi::SECURE_DATA_FLAG | abi::DATA_OUT_FLAG;

// Commands that change one existing device: they run inside its gate.
// Queries (info, status, table, deps) take none: as with the kernel, they
// answer while a suspend of the same device waits, showing the state before
// or after a change, never half of one (the device's own locks see to that).
bool takes_device_gate(abi::Command c) {
  switch (c) {
    case abi::CMD_DEV_REMOVE: case abi::CMD_DEV_RENAME: case abi::CMD_DEV_SUSPEND: case abi::CMD_TABLE_LOAD:
    case abi::CMD_TABLE_CLEAR: case abi::CMD_TARGET_MSG: case abi::CMD_DEV_SET_GEOMETRY:
      return true;
    default:
      return false;
  }
}

// The device a request names, by find_device()'s rules, or nullptr for no
// device or a bad combination (the handler then reports it). RENAME looks
// the old device up by name only.
core::MappedDevicePtr lookup(const Context& ctx) {
  const auto& in = ctx.in;
  if (ctx.command == abi::CMD_DEV_RENAME) return in.name.empty() ? nullptr : ctx.registry.find_by_name(in.name);
  if (!in.uuid.empty()) return in.name.empty() && in.dev == 0 ? ctx.registry.find_by_uuid(in.uuid) : nullptr;
  if (!in.name.empty()) return in.dev == 0 ? ctx.registry.find_by_name(in.name) : nullptr;
  if (in.dev != 0) return ctx.registry.find_by_devno(DevNo::from_huge(in.dev));
  return nullptr;
}

// Commands after which the run-state record is rewritten: those that change
// the device set, a table (live or inactive) or device details.
bool changes_state(abi::Command c) {
  switch (c) {
    case abi::CMD_DEV_CREATE: case abi::CMD_DEV_REMOVE: case abi::CMD_REMOVE_ALL: case abi::CMD_DEV_RENAME:
    case abi::CMD_DEV_SUSPEND: case abi::CMD_TARGET_MSG: case abi::CMD_TABLE_LOAD: case abi::CMD_TABLE_CLEAR:
    case abi::CMD_DEV_SET_GEOMETRY:
      return true;
    default:
      return false;
  }
}

CommandReply error_reply(abi::CommandVersion version, const Error& e) {
  return CommandReply{static_cast<std::uint32_t>(e.code > 0 ? e.code : EINVAL),
                      abi::encode_error_body(version, e.message), e.message};
}

// The success body: the request buffer overwritten by the reply header and
// payload, cut to out.data_size (as the kernel copies data_size bytes of its
// copy of the caller's buffer); only the version when data_size is below 12.
Result<abi::Bytes> success_body(const Context& ctx) {
  if (ctx.out.data_size < abi::HEADER_MIN_SIZE) {
    abi::Bytes body = abi::encode_error_body(ctx.version, "");
    return body;
  }
  abi::Bytes body(ctx.out.data_size, 0);
  std::memcpy(body.data(), ctx.buffer.data(), std::min<std::size_t>(ctx.buffer.size(), body.size()));
  abi::Header h = ctx.out;
  h.version = ctx.version;
  if (auto r = abi::encode_header(h, body); !r) return fail(r.error());
  if (!ctx.payload.empty() && ctx.out.data_start < body.size()) {
    std::size_t n = std::min(ctx.payload.size(), body.size() - ctx.out.data_start);
    std::memcpy(body.data() + ctx.out.data_start, ctx.payload.data(), n);
  }
  return body;
}

}  // namespace

// Enters the gate of the device `ctx` names and pins that device in
// ctx.device. A rename or remove may come in while we wait: the lookup is
// repeated inside, and a changed answer means another round.
DeviceGates::Pass Dispatcher::enter_gate(Context& ctx) {
  for (int round = 0; round < 16; ++round) {
    core::MappedDevicePtr d = lookup(ctx);
    if (!d) return {};
    DeviceGates::Pass pass = gates_.enter(d);
    if (lookup(ctx) == d) {
      ctx.device = std::move(d);
      return pass;
    }
  }
  return {};  // the name keeps moving: let the handler look it up unpinned
}

Dispatcher::Dispatcher(core::DeviceRegistry& registry, CommandVersions versions, Log& log)
    : registry_(registry), versions_(versions), log_(log) {}

CommandReply Dispatcher::handle(std::uint32_t frame_command, abi::ByteView request, ConnectionState& conn) {
  const abi::CommandVersion global = versions_.at(abi::CMD_VERSION);
  // Like the kernel, look only at the type byte and nr of a full ioctl number.
  std::uint32_t nr = frame_command;
  if (frame_command > 0xffff) {
    if (((frame_command >> 8) & 0xff) != abi::IOCTL_TYPE)
      return error_reply(global, {ENOTTY, "ioctl " + std::to_string(frame_command) + " is not a dm ioctl"});
    nr = frame_command & 0xff;
  }
  const abi::CommandInfo* info = abi::find_command(nr);
  if (!info) return error_reply(global, {ENOTTY, "unknown command " + std::to_string(nr)});
  const abi::Command command = info->command;
  const abi::CommandVersion version = versions_.at(command);

  auto user = abi::decode_version(request);
  if (!user) return error_reply(version, user.error());
  if (!abi::version_accepted(version, *user))
    return error_reply(version, {EINVAL, "ioctl interface mismatch: driver(" + version.to_string() +
                                             "), user(" + user->to_string() + "), cmd(" +
                                             std::string(info->name) + ")"});
  if (command == abi::CMD_VERSION) return CommandReply{0, abi::encode_error_body(version, ""), ""};

  auto header = abi::decode_header(request);
  if (!header) return error_reply(version, header.error());
  if (header->data_size < abi::HEADER_MIN_SIZE)
    return error_reply(version, {EINVAL, "data_size " + std::to_string(header->data_size) + " is below 305"});
  if (header->data_size > request.size())
    return error_reply(version, {EINVAL, "data_size " + std::to_string(header->data_size) + " exceeds the " +
                                             std::to_string(request.size()) + " bytes sent"});
  if (header->flags & ~abi::KNOWN_FLAGS)
    return error_reply(version, {EINVAL, "unknown flag bits " + std::to_string(header->flags & ~abi::KNOWN_FLAGS)});
  if (std::uint32_t need = abi::min_minor_for_flags(command, header->flags & ~OUTPUT_ONLY_FLAGS);
      need > version.minor)
    return error_reply(version, {EINVAL, std::string(info->name) + ": a flag of this request needs version " +
                                             std::to_string(version.major) + "." + std::to_string(need) +
                                             ", the driver speaks " + version.to_string()});
  header->flags &= ~OUTPUT_ONLY_FLAGS;
  if (command != abi::CMD_REMOVE_ALL && command != abi::CMD_LIST_DEVICES && command != abi::CMD_LIST_VERSIONS &&
      command != abi::CMD_LIST_COMMANDS) {
    if (command == abi::CMD_DEV_CREATE) {
      if (header->name.empty()) return error_reply(version, {EINVAL, "create: no device name given"});
    } else if (!header->name.empty() && !header->uuid.empty()) {
      return error_reply(version, {EINVAL, std::string(info->name) + ": give only one of name (" + header->name +
                                               ") and uuid (" + header->uuid + ")"});
    }
  }

  const bool no_params = info->flags & abi::CMD_NO_PARAMS;
  Context ctx{registry_,
              versions_,
              command,
              version,
              request.first(no_params ? abi::HEADER_MIN_SIZE : header->data_size),
              *header,
              *header,
              {},
              conn,
              shutdown_,
              global_event_nr_};
  ctx.out.data_size = abi::HEADER_MIN_SIZE;

  Handler handler = handlers::find(command);
  DeviceGates::Pass pass;
  if (takes_device_gate(command)) pass = enter_gate(ctx);
  Result<void> r = handler(ctx);
  pass.release();
  if (!r) {
    // A failed command may have changed something (a failed resume drops
    // the inactive table); the record skips the write when it did not.
    if (changes_state(command) && state_hook_) state_hook_(command, ctx.in, ctx.out);
    return error_reply(version, r.error());
  }
  if (command == abi::CMD_DEV_WAIT && conn.wait_device) return CommandReply{0, {}, "", true};
  if (info->flags & abi::CMD_GLOBAL_EVENT) ++global_event_nr_;
  if (changes_state(command) && state_hook_) state_hook_(command, ctx.in, ctx.out);
  auto body = success_body(ctx);
  if (!body) return error_reply(version, body.error());
  return CommandReply{0, std::move(*body), ""};
}

}  // namespace udm::daemon
