// version: lvm2's three lines (LVM, library, configuration) with udm's own
// versions, so scripts that parse "LVM version:" still find lvm2's format.
#include "lvm/api/cmd.hpp"

#include "udm/client.hpp"
#include "udm_build_version.h"

namespace udm::lvm::api::detail {

// The lvm2 release whose commands, messages and metadata ulvm follows.
inline constexpr std::string_view LVM2_COMPAT_VERSION = "2.03.16(2)";

Outcome<void> cmd_version(Cmd& c) {
  c.say(fmt::format("LVM version:     {} (ulvm {})", LVM2_COMPAT_VERSION, UDM_VERSION));
  c.say(fmt::format("Library version: {} ({}) (libudm)", client::LIBRARY_VERSION, client::LIBRARY_DATE));
  c.say("Configuration:   udm userspace device-mapper (udmd), lvm2 text metadata format");
  return {};
}

}  // namespace udm::lvm::api::detail
