#include "daemon/handler_context.hpp"

namespace udm::daemon {

std::size_t Context::result_room() {
  out.data_start = abi::PAYLOAD_OFFSET;
  return in.data_size > abi::PAYLOAD_OFFSET ? in.data_size - abi::PAYLOAD_OFFSET : 0;
}

void Context::set_payload(abi::Bytes bytes) {
  out.data_start = abi::PAYLOAD_OFFSET;
  out.data_size = static_cast<std::uint32_t>(abi::PAYLOAD_OFFSET + bytes.size());
  payload = std::move(bytes);
}

Result<core::MappedDevicePtr> find_device(Context& ctx) {
  if (ctx.device) {
    ctx.out.name = ctx.device->name();
    ctx.out.uuid = ctx.device->uuid();
    return ctx.device;
  }
  const auto& in = ctx.in;
  core::MappedDevicePtr d;
  if (!in.uuid.empty()) {
    if (!in.name.empty() || in.dev != 0)
      return fail(ENXIO, "invalid request: uuid " + in.uuid + " given with a name or a device number");
    d = ctx.registry.find_by_uuid(in.uuid);
    if (!d) return fail(ENXIO, "no device with uuid " + in.uuid);
  } else if (!in.name.empty()) {
    if (in.dev != 0) return fail(ENXIO, "invalid request: name " + in.name + " given with a device number");
    d = ctx.registry.find_by_name(in.name);
    if (!d) return fail(ENXIO, "no device named " + in.name);
  } else if (in.dev != 0) {
    DevNo devno = DevNo::from_huge(in.dev);
    d = ctx.registry.find_by_devno(devno);
    if (!d) return fail(ENXIO, "no device " + devno.to_string());
  } else {
    return fail(ENXIO, "no device named: give a name, a uuid or a device number");
  }
  ctx.out.name = d->name();
  ctx.out.uuid = d->uuid();
  return d;
}

void fill_status(Context& ctx, const core::MappedDevice& device) {
  bool inactive = ctx.has(abi::QUERY_INACTIVE_TABLE_FLAG);
  core::DeviceInfo live = device.info(false);
  auto& f = ctx.out.flags;
  f &= ~(abi::SUSPEND_FLAG | abi::READONLY_FLAG | abi::ACTIVE_PRESENT_FLAG | abi::INTERNAL_SUSPEND_FLAG |
         abi::INACTIVE_PRESENT_FLAG);
  if (live.suspended) f |= abi::SUSPEND_FLAG;
  if (live.deferred_remove) f |= abi::DEFERRED_REMOVE_FLAG;
  if (live.inactive_present) f |= abi::INACTIVE_PRESENT_FLAG;
  // A kernel block device standing for it (udmd's loop device) is what
  // programs find in /dev: its devno, and its users, are reported.
  ctx.out.dev = ctx.registry.reported_devno(device.devno()).to_huge();
  ctx.out.open_count = ctx.registry.reported_open_count(device, live.open_count);
  ctx.out.event_nr = live.event_nr;
  ctx.out.target_count = 0;
  if (live.live_present) {
    f |= abi::ACTIVE_PRESENT_FLAG;
    if (!inactive) {
      if (live.read_only) f |= abi::READONLY_FLAG;
      ctx.out.target_count = live.target_count;
    }
  }
  if (inactive && live.inactive_present) {
    core::DeviceInfo in = device.info(true);
    if (in.read_only) f |= abi::READONLY_FLAG;
    ctx.out.target_count = in.target_count;
  }
}

}  // namespace udm::daemon
