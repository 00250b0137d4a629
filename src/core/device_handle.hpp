// A target's typed handle on another mapped device, as thin finds its pool:
// the table line names the device ("252:3" or a path that resolves to it);
// the handle holds it open for as long as the table lives (so it cannot be
// removed underneath) and gives the object its own target registered in the
// shared object registry under (type, its devno).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/target.hpp"
#include "core/target_services.hpp"

namespace udm::core {

template <class T>
struct MappedDeviceHandle {
  io::BlockDevicePtr device;  // the open reference, for devices() and deps
  std::shared_ptr<T> object;  // what that device's `type` target shares
};

// EINVAL "device 8:16 is not a mapped device" / "device 252:3 is not an
// active thin-pool device" (no live object of that type under its devno).
template <class T>
Result<MappedDeviceHandle<T>> open_mapped_device(const TargetArgs& args, std::string_view arg, std::string_view type) {
  if (!args.devices || !args.services) return fail(EINVAL, "no device opener for '" + std::string(arg) + "'");
  auto device = args.devices->open(arg, 0, 0);
  if (!device) return fail(device.error());
  const DevNo devno = (*device)->devno();
  if (devno.major != UDM_BLOCK_MAJOR) return fail(EINVAL, "device " + std::string(arg) + " is not a mapped device");
  auto object = args.services->shared().find<T>(type, devno);
  if (!object)
    return fail(EINVAL, "device " + std::string(arg) + " is not an active " + std::string(type) + " device");
  return MappedDeviceHandle<T>{std::move(*device), std::move(object)};
}

}  // namespace udm::core
