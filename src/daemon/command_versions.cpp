#include "daemon/command_versions.hpp"

namespace udm::daemon {

CommandVersions::CommandVersions(std::span<const VersionClaim> claims) {
  for (std::size_t i = 0; i < abi::COMMANDS.size(); ++i) versions_[i] = abi::COMMANDS[i].version;
  for (const auto& c : claims)
    for (std::size_t i = 0; i < abi::COMMANDS.size(); ++i)
      if (abi::COMMANDS[i].command == c.command) versions_[i] = c.version;
}

std::optional<abi::CommandVersion> CommandVersions::of(std::uint32_t command) const {
  for (std::size_t i = 0; i < abi::COMMANDS.size(); ++i)
    if (abi::COMMANDS[i].command == command) return versions_[i];
  return std::nullopt;
}

}  // namespace udm::daemon
