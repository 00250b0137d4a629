// Device-level commands: remove_all, create, remove, rename, suspend/resume,
// status (info), wait, set_geometry, arm_poll. Semantics: ABI.md §5, §6.6,
// §6.8, §8.
#include <cstdio>
#include <poll.h>
#include <thread>

#include "daemon/handlers.hpp"

namespace udm::daemon::handlers {
namespace {

// The kernel's name rule for new names (create and rename).
Result<void> check_new_name(const std::string& name) {
  if (name.find('/') != std::string::npos)
    return fail(EINVAL, "device name \"" + name + "\" contains '/'");
  if (name == "control" || name == "." || name == "..")
    return fail(EINVAL, "device name \"" + name + "\" is reserved");
  return {};
}

}  // namespace

Result<void> remove_all(Context& ctx) {
  std::size_t left = ctx.registry.remove_all(ctx.has(abi::DEFERRED_REMOVE_FLAG));
  (void)left;  // open devices are skipped, as the kernel does (it only logs them)
  ctx.out.data_size = 0;
  return {};
}

Result<void> dev_create(Context& ctx) {
  if (auto r = check_new_name(ctx.in.name); !r) return r;
  std::optional<std::uint32_t> minor;
  if (ctx.has(abi::PERSISTENT_DEV_FLAG)) minor = DevNo::from_huge(ctx.in.dev).minor;
  auto d = ctx.registry.create(ctx.in.name, ctx.in.uuid, minor);
  if (!d) return fail(d.error());
  fill_status(ctx, **d);
  return {};
}

Result<void> dev_remove(Context& ctx) {
  auto d = find_device(ctx);
  if (!d) return fail(d.error());
  const bool deferred = ctx.has(abi::DEFERRED_REMOVE_FLAG);
  if (auto r = ctx.registry.remove(*d, deferred); !r) return r;
  if (ctx.registry.find_by_name((*d)->name()) == *d) return {};  // open: marked for deferred removal
  ctx.out.flags &= ~abi::DEFERRED_REMOVE_FLAG;
  ctx.out.flags |= abi::UEVENT_GENERATED_FLAG;
  return {};
}

Result<void> dev_rename(Context& ctx) {
  const bool set_uuid = ctx.has(abi::UUID_FLAG);
  auto text = abi::decode_string(ctx.buffer, ctx.in.data_start);
  if (!text) return fail(EINVAL, "rename: invalid new name or uuid: " + text.error().message);
  const std::size_t limit = set_uuid ? abi::UUID_LEN - 1 : abi::NAME_LEN - 1;
  if (text->empty() || text->size() > limit)
    return fail(EINVAL, std::string("rename: new ") + (set_uuid ? "uuid" : "name") + " \"" + *text +
                            "\" is empty or longer than " + std::to_string(limit) + " bytes");
  if (!set_uuid)
    if (auto r = check_new_name(*text); !r) return r;
  // The old device is looked up by name only.
  auto d = ctx.device ? ctx.device : ctx.registry.find_by_name(ctx.in.name);
  if (!d) return fail(ENXIO, "rename: no device named \"" + ctx.in.name + "\"");
  Result<void> r = set_uuid ? ctx.registry.set_uuid(d, *text) : ctx.registry.rename(d, *text);
  if (!r) return r;
  ctx.out.flags |= abi::UEVENT_GENERATED_FLAG;
  fill_status(ctx, *d);
  return {};
}

Result<void> dev_suspend(Context& ctx) {
  auto d = find_device(ctx);
  if (!d) return fail(d.error());
  auto& dev = **d;
  const bool noflush = ctx.has(abi::NOFLUSH_FLAG);
  if (ctx.has(abi::SUSPEND_FLAG)) {
    if (!dev.info(false).suspended)
      if (auto r = dev.suspend(noflush); !r) return r;
  } else {
    core::DeviceInfo before = dev.info(false);
    if (before.inactive_present && !before.suspended)
      if (auto r = dev.suspend(noflush); !r) return r;
    if (auto r = dev.resume(); !r) return r;
    if (before.suspended || before.inactive_present) ctx.out.flags |= abi::UEVENT_GENERATED_FLAG;
  }
  fill_status(ctx, dev);
  return {};
}

Result<void> dev_status(Context& ctx) {
  auto d = find_device(ctx);
  if (!d) return fail(d.error());
  fill_status(ctx, **d);
  return {};
}

Result<void> dev_wait(Context& ctx) {
  // A parked wait sent again waits on the device it found the first time
  // (which may since have been renamed or removed, as with the kernel's).
  Result<core::MappedDevicePtr> d = std::exchange(ctx.conn.wait_device, nullptr);
  if (*d) {
    ctx.out.name = (*d)->name();
    ctx.out.uuid = (*d)->uuid();
  } else {
    d = find_device(ctx);
    if (!d) return fail(d.error());
  }
  const std::uint32_t seen = ctx.in.event_nr;
  if (ctx.conn.park_waits) {
    if (ctx.shutdown) return fail(EINTR, "wait on " + (*d)->name() + " interrupted");
    if ((*d)->event_nr() == seen) {
      ctx.conn.wait_device = *d;
      ctx.conn.wait_event = seen;
      return {};
    }
    fill_status(ctx, **d);
    retrieve_status(ctx, **d);
    return {};
  }
  std::atomic<bool> cancel{ctx.shutdown.load()};
  std::atomic<bool> done{false};
  // Give up when the daemon shuts down or the waiting client hangs up.
  std::jthread watcher([&] {
    while (!done && !cancel) {
      if (ctx.shutdown) {
        cancel = true;
        break;
      }
      if (ctx.conn.fd >= 0) {
        pollfd p{ctx.conn.fd, POLLRDHUP, 0};
        if (::poll(&p, 1, 100) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))) cancel = true;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
  std::uint32_t now = (*d)->wait_event(seen, cancel);
  done = true;
  watcher.join();
  if (now == seen) return fail(EINTR, "wait on " + (*d)->name() + " interrupted");
  fill_status(ctx, **d);
  // Then the status of the live (or inactive) table, as TABLE_STATUS gives it.
  retrieve_status(ctx, **d);
  return {};
}

Result<void> dev_set_geometry(Context& ctx) {
  auto d = find_device(ctx);
  if (!d) return fail(d.error());
  auto text = abi::decode_string(ctx.buffer, ctx.in.data_start);
  if (!text) return fail(EINVAL, "invalid geometry: " + text.error().message);
  unsigned long v[4];
  char extra;
  if (std::sscanf(text->c_str(), "%lu %lu %lu %lu%c", &v[0], &v[1], &v[2], &v[3], &extra) != 4)
    return fail(EINVAL, "unable to interpret geometry \"" + *text + "\": want \"cyl heads sectors start\"");
  if (v[0] > 65535 || v[1] > 255 || v[2] > 255)
    return fail(EINVAL, "geometry \"" + *text + "\" exceeds the limits (65535 cylinders, 255 heads, 255 sectors)");
  // Nothing reads a geometry back over this interface (HDIO_GETGEO has no
  // equivalent here), so a valid one is accepted and not kept.
  ctx.out.data_size = 0;
  return {};
}

Result<void> dev_arm_poll(Context& ctx) {
  ctx.conn.armed_global_event = ctx.global_event_nr.load();
  return {};
}

}  // namespace udm::daemon::handlers
