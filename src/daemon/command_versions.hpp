// The versions this daemon speaks for each command: the table in
// abi/commands.hpp, with any --claim-version overrides applied.
#pragma once

#include <array>
#include <span>

#include "abi/commands.hpp"
#include "daemon/options.hpp"

namespace udm::daemon {

class CommandVersions {
 public:
  explicit CommandVersions(std::span<const VersionClaim> claims = {});

  // The driver's version of `command`; nullopt if the command is unknown.
  std::optional<abi::CommandVersion> of(std::uint32_t command) const;
  // Like of(), for a command known to be in the table.
  abi::CommandVersion at(abi::Command command) const { return *of(command); }

 private:
  std::array<abi::CommandVersion, abi::COMMANDS.size()> versions_{};
};

}  // namespace udm::daemon
