// The one table of control commands: number, name, the version this build
// speaks for it, and how the kernel treats it. The daemon dispatches from it,
// the client picks request versions from it, and docs are printed from it.
//
// A version on every command: a request carries the version of the command it
// was written for. The driver refuses a request whose major differs from its
// own for that command, or whose minor is newer (EINVAL, and it writes its own
// version back); otherwise it runs the command and writes its own version of
// the command into the reply. Versions keep the kernel's numbering (major 4,
// minor = the kernel interface minor that introduced the form), so real
// libdevmapper, which sends 4.0.0 for most commands, is an "old client".
//
// Reply forms: additive changes (the 4.38 event_nr trailer of list_devices)
// follow the driver's version, as in the kernel, because old clients skip them
// by `next`; a request that uses a feature (a flag, a payload form) newer than
// the driver's minor for that command is refused with EINVAL. The client sends
// the lowest version that covers the features a request uses, reads each
// command's driver version from CMD_LIST_COMMANDS (or, against a real kernel,
// the global version from CMD_VERSION), and falls back or explains.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "abi/dm_ioctl.hpp"
#include "base/version.hpp"

namespace udm::abi {

using CommandVersion = udm::Version;  // base/version.hpp

enum CommandFlag : std::uint32_t {
  CMD_NO_PARAMS = 1u << 0,     // only the 305-byte header is read and returned
  CMD_GLOBAL_EVENT = 1u << 1,  // success bumps the global event counter
  CMD_NO_DEVICE = 1u << 2,     // not addressed to one device
};

enum Command : std::uint32_t {
  CMD_VERSION = 0,
  CMD_REMOVE_ALL = 1,
  CMD_LIST_DEVICES = 2,
  CMD_DEV_CREATE = 3,
  CMD_DEV_REMOVE = 4,
  CMD_DEV_RENAME = 5,
  CMD_DEV_SUSPEND = 6,
  CMD_DEV_STATUS = 7,
  CMD_DEV_WAIT = 8,
  CMD_TABLE_LOAD = 9,
  CMD_TABLE_CLEAR = 10,
  CMD_TABLE_DEPS = 11,
  CMD_TABLE_STATUS = 12,
  CMD_LIST_VERSIONS = 13,
  CMD_TARGET_MSG = 14,
  CMD_DEV_SET_GEOMETRY = 15,
  CMD_DEV_ARM_POLL = 16,
  CMD_GET_TARGET_VERSION = 17,
  // udm extension, far from the kernel's numbers: lists every command with
  // its version, as LIST_VERSIONS lists targets (same record layout).
  CMD_LIST_COMMANDS = 0x4000,
};

struct CommandInfo {
  Command command;
  std::string_view name;     // libdevmapper's task name where there is one
  CommandVersion version;    // what this build speaks
  std::uint32_t flags;
};

// Minors: 4.0 base; 4.1 list_versions; 4.2 target_msg; 4.6 set_geometry;
// 4.19 rename --setuuid; 4.27 deferred remove; 4.36 arm_poll; 4.38 list_devices event_nr trailer;
// 4.41 get_target_version; 4.45 list_devices uuid trailer; 4.48 interface.
inline constexpr std::array<CommandInfo, 19> COMMANDS{{
    {CMD_VERSION, "version", {4, 48, 0}, CMD_NO_DEVICE},
    {CMD_REMOVE_ALL, "remove_all", {4, 27, 0}, CMD_NO_PARAMS | CMD_GLOBAL_EVENT | CMD_NO_DEVICE},
    {CMD_LIST_DEVICES, "names", {4, 45, 0}, CMD_NO_DEVICE},
    {CMD_DEV_CREATE, "create", {4, 0, 0}, CMD_NO_PARAMS | CMD_GLOBAL_EVENT},
    {CMD_DEV_REMOVE, "remove", {4, 27, 0}, CMD_NO_PARAMS | CMD_GLOBAL_EVENT},
    {CMD_DEV_RENAME, "rename", {4, 19, 0}, CMD_GLOBAL_EVENT},
    {CMD_DEV_SUSPEND, "suspend", {4, 12, 0}, CMD_NO_PARAMS},
    {CMD_DEV_STATUS, "info", {4, 16, 0}, CMD_NO_PARAMS},
    {CMD_DEV_WAIT, "waitevent", {4, 16, 0}, 0},
    {CMD_TABLE_LOAD, "reload", {4, 0, 0}, 0},
    {CMD_TABLE_CLEAR, "clear", {4, 0, 0}, CMD_NO_PARAMS},
    {CMD_TABLE_DEPS, "deps", {4, 16, 0}, 0},
    {CMD_TABLE_STATUS, "status", {4, 16, 0}, 0},
    {CMD_LIST_VERSIONS, "versions", {4, 1, 0}, CMD_NO_DEVICE},
    {CMD_TARGET_MSG, "message", {4, 2, 0}, 0},
    {CMD_DEV_SET_GEOMETRY, "setgeometry", {4, 6, 0}, 0},
    {CMD_DEV_ARM_POLL, "armpoll", {4, 36, 0}, CMD_NO_PARAMS | CMD_NO_DEVICE},
    {CMD_GET_TARGET_VERSION, "target-version", {4, 41, 0}, CMD_NO_DEVICE},
    {CMD_LIST_COMMANDS, "list_commands", {1, 0, 0}, CMD_NO_DEVICE},
}};

constexpr const CommandInfo* find_command(std::uint32_t nr) {
  for (const auto& c : COMMANDS)
    if (c.command == nr) return &c;
  return nullptr;
}

// The command's identifier in kernel style, as `udmd --claim-version` and
// docs spell it: "version", "list_devices", "dev_create", ... "list_commands".
constexpr std::string_view command_id(Command c) {
  switch (c) {
    case CMD_VERSION: return "version";
    case CMD_REMOVE_ALL: return "remove_all";
    case CMD_LIST_DEVICES: return "list_devices";
    case CMD_DEV_CREATE: return "dev_create";
    case CMD_DEV_REMOVE: return "dev_remove";
    case CMD_DEV_RENAME: return "dev_rename";
    case CMD_DEV_SUSPEND: return "dev_suspend";
    case CMD_DEV_STATUS: return "dev_status";
    case CMD_DEV_WAIT: return "dev_wait";
    case CMD_TABLE_LOAD: return "table_load";
    case CMD_TABLE_CLEAR: return "table_clear";
    case CMD_TABLE_DEPS: return "table_deps";
    case CMD_TABLE_STATUS: return "table_status";
    case CMD_LIST_VERSIONS: return "list_versions";
    case CMD_TARGET_MSG: return "target_msg";
    case CMD_DEV_SET_GEOMETRY: return "dev_set_geometry";
    case CMD_DEV_ARM_POLL: return "dev_arm_poll";
    case CMD_GET_TARGET_VERSION: return "get_target_version";
    case CMD_LIST_COMMANDS: return "list_commands";
  }
  return "";
}

// By command_id() or by the table's (libdevmapper task) name.
constexpr const CommandInfo* find_command_by_name(std::string_view name) {
  for (const auto& c : COMMANDS)
    if (c.name == name || command_id(c.command) == name) return &c;
  return nullptr;
}

// Request flags that arrived after a command's base form: a driver whose
// version of `command` has a lower minor refuses the flag (EINVAL), and a
// client sends at least this minor when it sets the flag.
struct FlagFeature {
  Command command;
  std::uint32_t flag;
  std::uint32_t minor;
};
inline constexpr std::array<FlagFeature, 9> FLAG_FEATURES{{
    {CMD_DEV_SUSPEND, NOFLUSH_FLAG, 12},
    {CMD_DEV_STATUS, QUERY_INACTIVE_TABLE_FLAG, 16},
    {CMD_DEV_WAIT, QUERY_INACTIVE_TABLE_FLAG, 16},
    {CMD_TABLE_DEPS, QUERY_INACTIVE_TABLE_FLAG, 16},
    {CMD_TABLE_STATUS, QUERY_INACTIVE_TABLE_FLAG, 16},
    {CMD_DEV_RENAME, UUID_FLAG, 19},
    {CMD_DEV_REMOVE, DEFERRED_REMOVE_FLAG, 27},
    {CMD_REMOVE_ALL, DEFERRED_REMOVE_FLAG, 27},
    {CMD_LIST_DEVICES, UUID_FLAG, 45},
}};

// The lowest minor of `command` that knows every bit of `flags` (0 if none
// of them is a later feature).
constexpr std::uint32_t min_minor_for_flags(Command command, std::uint32_t flags) {
  std::uint32_t minor = 0;
  for (const auto& f : FLAG_FEATURES)
    if (f.command == command && (flags & f.flag) && f.minor > minor) minor = f.minor;
  return minor;
}

// Reply forms that changed within a command's major.
inline constexpr std::uint32_t LIST_DEVICES_EVENT_TRAILER_MINOR = 38;
inline constexpr std::uint32_t LIST_DEVICES_UUID_MINOR = 45;

// The request-version rule, shared by daemon and client.
constexpr bool version_accepted(CommandVersion driver, CommandVersion request) {
  return request.major == driver.major && request.minor <= driver.minor;
}

}  // namespace udm::abi
