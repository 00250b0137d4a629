// Version negotiation, as pure functions: which version a request carries,
// whether the driver's version of a command can take it, and the messages
// that explain why not. The Task uses these around every request.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <udm/client.hpp>

#include "abi/commands.hpp"
#include "base/result.hpp"

namespace udm::client::detail {


// What the driver speaks: one version per command (udmd, from
// CMD_LIST_COMMANDS), or one global version for all (a kernel, from
// CMD_VERSION).
struct DriverVersions {
  std::string driver = "udmd";
  std::optional<abi::CommandVersion> global;
  std::map<std::uint32_t, abi::CommandVersion> per_command;

  // nullopt: the driver does not have the command at all.
  std::optional<abi::CommandVersion> of(abi::Command c) const;
};

// The lowest version of `c` that knows every request flag in `flags`: the
// version this client sends (major from abi::COMMANDS).
abi::CommandVersion required_version(abi::Command c, std::uint32_t flags);

// A feature a request uses beyond the command's base form, for messages:
// "--inactive", "--setuuid", "--noflush", "--deferred", "uuids in the device list".
std::string_view feature_name(abi::Command c, std::uint32_t flag);

// Checks a request of version `needed` against the driver's `have`.
// Different major: "udmd's table_status is 5.0.0 and this client speaks 4.16.0:
// the major versions differ" (EPROTO). Older minor: "udmd's table_status is
// 4.15.0; --inactive needs 4.16.0" (EOPNOTSUPP), naming `feature` when given.
Result<void> check_driver_version(const DriverVersions& driver, abi::Command c,
                                  abi::CommandVersion have, abi::CommandVersion needed,
                                  std::string_view feature);

// When a driver answered EINVAL with a version older than (or of another
// major than) the request's: the message for that refusal, else nullopt.
std::optional<std::string> refusal_message(const std::string& driver, abi::Command c,
                                           abi::CommandVersion sent, abi::CommandVersion reply);

// "table_status=4.99.0,dev_rename=5.0.0": command ids or libdm task names.
Result<std::map<std::string, Version>> parse_claims(std::string_view text);

// The claim that applies to command `c` (by command_id or task name).
std::optional<abi::CommandVersion> claim_for(const std::map<std::string, Version>& claims,
                                             abi::Command c);

}  // namespace udm::client::detail
