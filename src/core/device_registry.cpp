// The namespace of mapped devices: name and uuid rules, minors, removal.
#include "core/device_registry.hpp"

#include <algorithm>

namespace udm::core {
namespace {

constexpr std::size_t MAX_NAME = 127;  // DM_NAME_LEN 128 with the NUL
constexpr std::size_t MAX_UUID = 128;  // DM_UUID_LEN 129 with the NUL

// `text` as dmsetup's hex mangling shows it: control characters as \xNN.
std::string visible(const std::string& text) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Control characters (a newline above all) would break every line-based
// listing for everyone; dmsetup never sends them (it hex-mangles them), so
// only a raw client could, and it is refused.
Result<void> check_printable(const char* what, const std::string& text) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f)
      return fail(EINVAL, std::string(what) + " \"" + visible(text) + "\" contains a control character (" +
                              visible(std::string(1, static_cast<char>(c))) + ")");
  return {};
}

Result<void> check_name(const std::string& name) {
  if (name.empty()) return fail(EINVAL, "device name is empty");
  if (name == "control" || name == "." || name == "..")
    return fail(EINVAL, "device name '" + name + "' is reserved");
  if (name.find('/') != std::string::npos)
    return fail(EINVAL, "device name '" + name + "' contains '/'");
  if (name.size() > MAX_NAME)
    return fail(EINVAL, "device name is " + std::to_string(name.size()) + " characters long, at most " +
                            std::to_string(MAX_NAME) + " are allowed");
  return check_printable("device name", name);
}

Result<void> check_uuid(const std::string& uuid) {
  if (uuid.size() > MAX_UUID)
    return fail(EINVAL, "device uuid is " + std::to_string(uuid.size()) + " characters long, at most " +
                            std::to_string(MAX_UUID) + " are allowed");
  return check_printable("device uuid", uuid);
}

}  // namespace

DeviceRegistry::DeviceRegistry(TargetRegistry& targets) : targets_(targets) {}

DeviceRegistry::~DeviceRegistry() {
  // Devices may outlive us (held by exports); they must not call back.
  std::lock_guard g(lock_);
  for (auto& [name, d] : by_name_) {
    d->set_last_close_hook(nullptr);
    d->set_change_listener(nullptr);
  }
}

void DeviceRegistry::set_backing_opener(BackingOpener opener) {
  std::lock_guard g(lock_);
  backing_opener_ = std::move(opener);
}

void DeviceRegistry::set_listener(std::function<void(const Change&)> listener) {
  std::lock_guard g(lock_);
  listener_ = std::move(listener);
}

void DeviceRegistry::set_listener(std::function<void()> listener) {
  if (!listener) return set_listener(std::function<void(const Change&)>{});
  set_listener([l = std::move(listener)](const Change&) { l(); });
}

void DeviceRegistry::notify(Change::Kind kind, const MappedDevicePtr& device) {
  std::function<void(const Change&)> listener;
  {
    std::lock_guard g(lock_);
    listener = listener_;
  }
  if (listener) listener(Change{kind, device});
}

Result<MappedDevicePtr> DeviceRegistry::create(const std::string& name, const std::string& uuid,
                                               std::optional<std::uint32_t> minor) {
  if (auto r = check_name(name); !r) return fail(r.error());
  if (auto r = check_uuid(uuid); !r) return fail(r.error());
  MappedDevicePtr device;
  {
    std::lock_guard g(lock_);
    if (by_name_.contains(name)) return fail(EBUSY, "device name '" + name + "' is already in use");
    if (!uuid.empty())
      if (auto it = by_uuid_.find(uuid); it != by_uuid_.end())
        return fail(EBUSY, "device uuid '" + uuid + "' is already in use by '" + it->second->name() + "'");
    std::uint32_t m = 0;
    if (minor) {
      m = *minor;
      if (m >= (1u << 20)) return fail(EINVAL, "minor " + std::to_string(m) + " is out of range");
      if (by_minor_.contains(m)) return fail(EBUSY, "minor " + std::to_string(m) + " is already in use");
    } else {
      // The lowest free minor, from the hint on: O(log n) when minors are
      // handed out in order, instead of a walk over every device.
      m = free_minor_hint_;
      for (auto it = by_minor_.lower_bound(m); it != by_minor_.end() && it->first == m; ++it) ++m;
      free_minor_hint_ = m + 1;
    }
    device = std::make_shared<MappedDevice>(name, uuid, DevNo{UDM_BLOCK_MAJOR, m});
    // The hook holds no reference to the device, only to us; ~DeviceRegistry clears it.
    device->set_last_close_hook([this](MappedDevice& d) {
      MappedDevicePtr ptr;
      {
        std::lock_guard g(lock_);
        auto it = by_minor_.find(d.devno().minor);
        if (it == by_minor_.end() || it->second.get() != &d || !d.deferred_remove()) return;
        ptr = it->second;
        erase_locked(ptr);
      }
      finish_removal(ptr);
    });
    // A table swap changes what the exports show: it goes to the same listener.
    device->set_change_listener([this](MappedDevice& d) {
      MappedDevicePtr ptr;
      {
        std::lock_guard g(lock_);
        auto it = by_minor_.find(d.devno().minor);
        if (it == by_minor_.end() || it->second.get() != &d) return;
        ptr = it->second;
      }
      notify(Change::Kind::table, ptr);
    });
    by_name_.emplace(name, device);
    by_minor_.emplace(m, device);
    if (!uuid.empty()) by_uuid_.emplace(uuid, device);
  }
  notify(Change::Kind::created, device);
  return device;
}

void DeviceRegistry::erase_locked(const MappedDevicePtr& device) {
  by_name_.erase(device->name());
  by_minor_.erase(device->devno().minor);
  if (auto it = by_uuid_.find(device->uuid()); it != by_uuid_.end() && it->second == device) by_uuid_.erase(it);
  free_minor_hint_ = std::min(free_minor_hint_, device->devno().minor);
  device->set_last_close_hook(nullptr);
  device->set_change_listener(nullptr);  // finish_removal notifies once
  if (auto b = block_by_minor_.find(device->devno().minor); b != block_by_minor_.end()) {
    minor_by_block_.erase(b->second.to_huge());
    block_by_minor_.erase(b);
  }
}

void DeviceRegistry::finish_removal(const MappedDevicePtr& device) {
  // Outside lock_: destroying tables closes stacked devices, which may
  // complete their own deferred removal through us.
  device->set_deferred_remove(false);
  device->drop_tables();
  device->raise_event();  // as Linux: a remove is an event
  notify(Change::Kind::removed, device);
}

void DeviceRegistry::set_block_devno(std::uint32_t minor, DevNo block) {
  std::lock_guard g(lock_);
  if (auto old = block_by_minor_.find(minor); old != block_by_minor_.end()) {
    minor_by_block_.erase(old->second.to_huge());
    block_by_minor_.erase(old);
  }
  if (block.empty()) return;
  block_by_minor_[minor] = block;
  minor_by_block_[block.to_huge()] = minor;
}

DevNo DeviceRegistry::reported_devno(DevNo mapped) const {
  if (mapped.major != UDM_BLOCK_MAJOR) return mapped;
  std::lock_guard g(lock_);
  auto it = block_by_minor_.find(mapped.minor);
  return it == block_by_minor_.end() ? mapped : it->second;
}

void DeviceRegistry::set_remove_hook(RemoveHook hook) {
  std::lock_guard g(lock_);
  remove_hook_ = std::move(hook);
}

void DeviceRegistry::set_open_count_hook(OpenCountHook hook) {
  std::lock_guard g(lock_);
  open_count_hook_ = std::move(hook);
}

std::int32_t DeviceRegistry::reported_open_count(const MappedDevice& device, std::int32_t raw) const {
  OpenCountHook hook;
  {
    std::lock_guard g(lock_);
    if (!open_count_hook_ || block_by_minor_.find(device.devno().minor) == block_by_minor_.end()) return raw;
    hook = open_count_hook_;
  }
  return hook(device, raw);
}

Result<void> DeviceRegistry::remove(const MappedDevicePtr& device, bool deferred) {
  RemoveHook hook;
  {
    std::lock_guard g(lock_);
    hook = remove_hook_;
  }
  if (hook)
    if (auto r = hook(device); !r) {
      if (!deferred) return r;
      device->set_deferred_remove(true);  // the block device stays until then
      return {};
    }
  {
    std::lock_guard g(lock_);
    auto it = by_name_.find(device->name());
    if (it == by_name_.end() || it->second != device)
      return fail(ENXIO, "device '" + device->name() + "' is not registered");
    if (device->info(false).open_count > 0) {
      if (!deferred) return fail(EBUSY, "device '" + device->name() + "' is open");
      device->set_deferred_remove(true);
      return {};
    }
    erase_locked(device);
  }
  finish_removal(device);
  return {};
}

std::size_t DeviceRegistry::remove_all(bool deferred) {
  // Repeat while progress is made: removing an upper device closes the lower ones.
  for (;;) {
    std::vector<MappedDevicePtr> all = list();
    bool progress = false;
    RemoveHook hook;
    {
      std::lock_guard g(lock_);
      hook = remove_hook_;
    }
    for (auto& d : all) {
      if (hook && !hook(d)) continue;
      if (d->info(false).open_count == 0 && remove(d, false)) progress = true;
    }
    if (!progress) break;
  }
  auto left = list();
  if (deferred)
    for (auto& d : left) d->set_deferred_remove(true);
  return left.size();
}

Result<void> DeviceRegistry::cancel_deferred_remove(const MappedDevicePtr& device) {
  std::lock_guard g(lock_);
  if (!device->deferred_remove())
    return fail(ENXIO, "device '" + device->name() + "' is not marked for deferred removal");
  device->set_deferred_remove(false);
  return {};
}

Result<void> DeviceRegistry::rename(const MappedDevicePtr& device, const std::string& new_name) {
  if (auto r = check_name(new_name); !r) return fail(r.error());
  {
    std::lock_guard g(lock_);
    auto it = by_name_.find(device->name());
    if (it == by_name_.end() || it->second != device)
      return fail(ENXIO, "device '" + device->name() + "' is not registered");
    if (by_name_.contains(new_name)) return fail(EBUSY, "device name '" + new_name + "' is already in use");
    by_name_.erase(it);
    device->set_name(new_name);
    by_name_.emplace(new_name, device);
  }
  device->raise_event();
  notify(Change::Kind::renamed, device);
  return {};
}

Result<void> DeviceRegistry::set_uuid(const MappedDevicePtr& device, const std::string& uuid) {
  if (auto r = check_uuid(uuid); !r) return fail(r.error());
  {
    std::lock_guard g(lock_);
    if (!device->uuid().empty())
      return fail(EINVAL, "device '" + device->name() + "' already has uuid '" + device->uuid() + "'");
    if (auto it = by_uuid_.find(uuid); !uuid.empty() && it != by_uuid_.end())
      return fail(EBUSY, "device uuid '" + uuid + "' is already in use by '" + it->second->name() + "'");
    device->set_uuid(uuid);
    if (auto it = by_minor_.find(device->devno().minor); !uuid.empty() && it != by_minor_.end() && it->second == device)
      by_uuid_.emplace(uuid, device);
  }
  device->raise_event();
  notify(Change::Kind::uuid_set, device);
  return {};
}

MappedDevicePtr DeviceRegistry::find_by_name(std::string_view name) const {
  std::lock_guard g(lock_);
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

MappedDevicePtr DeviceRegistry::find_by_uuid(std::string_view uuid) const {
  if (uuid.empty()) return nullptr;
  std::lock_guard g(lock_);
  auto it = by_uuid_.find(uuid);
  return it == by_uuid_.end() ? nullptr : it->second;
}

MappedDevicePtr DeviceRegistry::find_by_devno(DevNo devno) const {
  std::lock_guard g(lock_);
  if (devno.major != UDM_BLOCK_MAJOR) {
    auto alias = minor_by_block_.find(devno.to_huge());
    if (alias == minor_by_block_.end()) return nullptr;
    devno = DevNo{UDM_BLOCK_MAJOR, alias->second};
  }
  auto it = by_minor_.find(devno.minor);
  return it == by_minor_.end() ? nullptr : it->second;
}

std::vector<MappedDevicePtr> DeviceRegistry::list() const {
  std::lock_guard g(lock_);
  std::vector<MappedDevicePtr> out;
  out.reserve(by_name_.size());
  for (auto& [n, d] : by_name_) out.push_back(d);
  return out;
}

}  // namespace udm::core
