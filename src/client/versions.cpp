#include "client/versions.hpp"

#include <charconv>
#include <cerrno>

#include <fmt/format.h>

namespace udm::client::detail {

std::optional<abi::CommandVersion> DriverVersions::of(abi::Command c) const {
  if (global) {
    // A kernel has no list_commands; everything else is under its one version.
    if (c == abi::CMD_LIST_COMMANDS) return std::nullopt;
    return *global;
  }
  auto it = per_command.find(c);
  if (it == per_command.end()) return std::nullopt;
  return it->second;
}

namespace {

// The minor that introduced each command (libdm's _cmd_data_v4 minimums).
std::uint32_t base_minor(abi::Command c) {
  switch (c) {
    case abi::CMD_LIST_VERSIONS: return 1;
    case abi::CMD_TARGET_MSG: return 2;
    case abi::CMD_DEV_SET_GEOMETRY: return 6;
    case abi::CMD_DEV_ARM_POLL: return 36;
    case abi::CMD_GET_TARGET_VERSION: return 41;
    default: return 0;
  }
}

}  // namespace

abi::CommandVersion required_version(abi::Command c, std::uint32_t flags) {
  const auto* info = abi::find_command(c);
  std::uint32_t major = info ? info->version.major : 4;
  if (c == abi::CMD_LIST_COMMANDS) return {major, 0, 0};
  std::uint32_t minor = std::max(base_minor(c), abi::min_minor_for_flags(c, flags));
  return {major, minor, 0};
}

std::string_view feature_name(abi::Command c, std::uint32_t flag) {
  switch (flag) {
    case abi::QUERY_INACTIVE_TABLE_FLAG: return "--inactive";
    case abi::NOFLUSH_FLAG: return "--noflush";
    case abi::DEFERRED_REMOVE_FLAG: return "--deferred";
    case abi::UUID_FLAG: return c == abi::CMD_DEV_RENAME ? "--setuuid" : "uuids in the device list";
    default: return "";
  }
}

Result<void> check_driver_version(const DriverVersions& driver, abi::Command c,
                                  abi::CommandVersion have, abi::CommandVersion needed,
                                  std::string_view feature) {
  std::string id(abi::command_id(c));
  if (have.major != needed.major)
    return fail(EPROTO, fmt::format("{}'s {} is {} and this client speaks {}: the major versions "
                                    "differ",
                                    driver.driver, id, have.to_string(),
                                    needed.to_string()));
  if (have.minor < needed.minor) {
    if (feature.empty())
      return fail(EOPNOTSUPP, fmt::format("{}'s {} is {}; this request needs {}", driver.driver, id,
                                          have.to_string(), needed.to_string()));
    return fail(EOPNOTSUPP, fmt::format("{}'s {} is {}; {} needs {}", driver.driver, id,
                                        have.to_string(), feature, needed.to_string()));
  }
  return {};
}

std::optional<std::string> refusal_message(const std::string& driver, abi::Command c,
                                           abi::CommandVersion sent, abi::CommandVersion reply) {
  std::string id(abi::command_id(c));
  if (reply.major != sent.major)
    return fmt::format("{} refused {} {}: {}'s {} is {}, a different major", driver, id,
                       sent.to_string(), driver, id, reply.to_string());
  if (reply.minor < sent.minor)
    return fmt::format("{} refused {} {}: {}'s {} is {}, an older minor", driver, id,
                       sent.to_string(), driver, id, reply.to_string());
  return std::nullopt;
}

namespace {

Result<std::uint32_t> parse_u32(std::string_view s, std::string_view what) {
  std::uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty())
    return fail(EINVAL, fmt::format("UDM_CLIENT_CLAIM: bad version number '{}' in {}", s, what));
  return v;
}

}  // namespace

Result<std::map<std::string, Version>> parse_claims(std::string_view text) {
  std::map<std::string, Version> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string_view::npos)
      return fail(EINVAL, fmt::format("UDM_CLIENT_CLAIM: '{}' is not command=MAJ.MIN.PATCH", item));
    std::string_view name = item.substr(0, eq), ver = item.substr(eq + 1);
    if (!abi::find_command_by_name(name))
      return fail(EINVAL, fmt::format("UDM_CLIENT_CLAIM: unknown command '{}'", name));
    std::uint32_t parts[3] = {0, 0, 0};
    for (int i = 0; i < 3; ++i) {
      auto dot = ver.find('.');
      if ((dot == std::string_view::npos) != (i == 2))
        return fail(EINVAL, fmt::format("UDM_CLIENT_CLAIM: '{}' is not MAJ.MIN.PATCH", item));
      auto n = parse_u32(ver.substr(0, dot), item);
      if (!n) return fail(n.error());
      parts[i] = *n;
      ver = dot == std::string_view::npos ? std::string_view{} : ver.substr(dot + 1);
    }
    out[std::string(abi::command_id(abi::find_command_by_name(name)->command))] =
        Version{parts[0], parts[1], parts[2]};
  }
  return out;
}

std::optional<abi::CommandVersion> claim_for(const std::map<std::string, Version>& claims,
                                             abi::Command c) {
  auto it = claims.find(std::string(abi::command_id(c)));
  if (it == claims.end()) return std::nullopt;
  return it->second;
}

}  // namespace udm::client::detail
