// The driver questions the snapshot commands ask, in one place: a device's
// first target's type and status by dm uuid, whether it exists or is open,
// and removing a layer device left over after a merge.
#pragma once

#include <optional>
#include <string>

#include "lvm/api/cmd.hpp"

namespace udm::lvm::api::detail {

struct DeviceTarget {
  bool exists = false;
  bool open = false;
  bool suspended = false;
  std::string type;    // of the first line of the live table
  std::string status;  // its status params
};
// Without a driver or device: exists false.
DeviceTarget device_target(Cmd& c, const std::string& uuid);
// Removes the device when it exists and is not open.
void remove_unused_device(Cmd& c, const std::string& uuid);

}  // namespace udm::lvm::api::detail
