// The namespace of mapped devices: names, uuids and minors, as dm-ioctl keeps
// them. Also opens the devices a table names (so tables stack).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/mapped_device.hpp"
#include "core/target_registry.hpp"

namespace udm::core {

class DeviceRegistry final : public DeviceOpener {
 public:
  explicit DeviceRegistry(TargetRegistry& targets);
  ~DeviceRegistry() override;

  // How paths (and "M:m" of other block devices, after /sys/dev/block
  // resolves them to /dev/NAME) are opened. Defaults to io::open_backing;
  // tests inject MemoryDevices here.
  using BackingOpener = std::function<Result<io::BlockDevicePtr>(const std::string& path)>;
  void set_backing_opener(BackingOpener opener);

  TargetRegistry& targets() { return targets_; }
  const TargetRegistry& targets() const { return targets_; }

  // EBUSY if the name or uuid is taken; EINVAL for a bad name ("", "control",
  // ".", "..", containing '/', longer than 127) or uuid (longer than 128).
  // With `minor`, that minor (EBUSY if taken); else the lowest free one.
  Result<MappedDevicePtr> create(const std::string& name, const std::string& uuid,
                                 std::optional<std::uint32_t> minor = {});

  // EBUSY while open, unless `deferred` (then marked, removed at last close).
  Result<void> remove(const MappedDevicePtr& device, bool deferred);
  // Removes every device that is not open; returns how many were left.
  std::size_t remove_all(bool deferred);
  Result<void> cancel_deferred_remove(const MappedDevicePtr& device);

  // EBUSY if the new name is taken; bumps the event counter.
  Result<void> rename(const MappedDevicePtr& device, const std::string& new_name);
  // EINVAL if the device already has a uuid; EBUSY if taken.
  Result<void> set_uuid(const MappedDevicePtr& device, const std::string& uuid);

  MappedDevicePtr find_by_name(std::string_view name) const;
  MappedDevicePtr find_by_uuid(std::string_view uuid) const;
  MappedDevicePtr find_by_devno(DevNo devno) const;
  std::vector<MappedDevicePtr> list() const;  // sorted by name

  // Builds a table with this registry as the device opener.
  Result<std::unique_ptr<Table>> build_table(std::span<const TableLine> lines, bool read_only);
  // The same, for a table to be loaded into `self`: refuses lines that name
  // `self` or a mapped device that (through its tables) depends on it.
  Result<std::unique_ptr<Table>> build_table(std::span<const TableLine> lines, bool read_only,
                                             const MappedDevice& self);

  // DeviceOpener: "252:N" → a mapped device; "M:m" → /dev block device via
  // /sys/dev/block; a path → file or block device through io::open_backing.
  Result<io::BlockDevicePtr> open(std::string_view arg, sector_t start, sector_t length) override;

  // The one change notification from the core: called after create,
  // remove and rename, and when a device's live table is swapped (size,
  // read-only, limits). The exports follow it; never under the registry's lock.
  // It names the one device changed, so listeners update per device.
  struct Change {
    enum class Kind { created, removed, renamed, uuid_set, table } kind;
    MappedDevicePtr device;
  };
  void set_listener(std::function<void(const Change&)> listener);
  void set_listener(std::function<void()> listener);  // without the details

  // Kernel block devices standing for mapped devices (udmd's loop devices):
  // `block` is reported as the device's devno, and "M:m" or a path of that
  // block device in a table opens the mapped device itself (never I/O through
  // the block device, which would come back to udmd). DevNo{} clears.
  void set_block_devno(std::uint32_t minor, DevNo block);
  // The block device's devno when there is one, else `mapped` itself.
  DevNo reported_devno(DevNo mapped) const;

  // Called before a remove (and each device remove_all tries) looks at the
  // open count, outside the registry's lock: the owner of an open udmd made
  // itself (the block device's hold on the FUSE file) drops it here. An
  // error refuses the remove (EBUSY: the block device is in use).
  using RemoveHook = std::function<Result<void>(const MappedDevicePtr&)>;
  void set_remove_hook(RemoveHook hook);

  // The open count to report: the block device's own hold on the device is
  // not an open by a user, an open of the block device is. The hook gets the
  // device and its raw count; none: the raw count.
  using OpenCountHook = std::function<std::int32_t(const MappedDevice&, std::int32_t raw)>;
  void set_open_count_hook(OpenCountHook hook);
  std::int32_t reported_open_count(const MappedDevice& device, std::int32_t raw) const;

  // open() that refuses `self` and devices depending on it (empty: no check).
  Result<io::BlockDevicePtr> open_for(std::string_view arg, sector_t start, sector_t length, DevNo self,
                                      bool read_only = false);

 private:
  Result<io::BlockDevicePtr> open_device(std::string_view arg, DevNo self, bool read_only);
  Result<io::BlockDevicePtr> open_path(const std::string& path, bool read_only);
  bool depends_on(const MappedDevice& device, DevNo target, int depth) const;
  void erase_locked(const MappedDevicePtr& device);
  void finish_removal(const MappedDevicePtr& device);  // outside lock_
  void notify(Change::Kind kind, const MappedDevicePtr& device);

  TargetRegistry& targets_;
  mutable std::mutex lock_;
  std::map<std::string, MappedDevicePtr, std::less<>> by_name_;
  std::map<std::uint32_t, MappedDevicePtr> by_minor_;
  // Devices with a uuid, by uuid: the duplicate check on create and the
  // lookup by uuid cost one hash lookup, not a walk over every device.
  struct UuidHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, MappedDevicePtr, UuidHash, std::equal_to<>> by_uuid_;
  std::function<void(const Change&)> listener_;
  std::uint32_t free_minor_hint_ = 0;  // every minor below it is in use
  BackingOpener backing_opener_;
  std::map<std::uint32_t, DevNo> block_by_minor_;  // set_block_devno
  std::map<std::uint64_t, std::uint32_t> minor_by_block_;  // key: DevNo::to_huge()
  RemoveHook remove_hook_;
  OpenCountHook open_count_hook_;
};

}  // namespace udm::core
