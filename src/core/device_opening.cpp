// Opening the devices a table line names: mapped devices by "252:N" (so
// tables stack), other block devices by "M:m" through /sys/dev/block, and
// paths through the backing opener (io::open_backing by default), NBD URIs
// through io::open_nbd.
#include <charconv>
#include <fstream>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/device_registry.hpp"
#include "io/backing.hpp"
#include "io/nbd_device.hpp"

namespace udm::core {
namespace {

// A table's reference to another mapped device: holds it open for as long as
// the table exists, as the kernel does, so the lower device cannot be removed.
class StackedDevice final : public io::BlockDevice {
 public:
  explicit StackedDevice(MappedDevicePtr d) : device_(std::move(d)) { device_->open(); }
  ~StackedDevice() override { device_->close(); }
  byte_count size() const override { return device_->size(); }
  void submit(io::Request* r) override { device_->submit(r); }
  std::string table_name() const override { return device_->table_name(); }
  DevNo devno() const override { return device_->devno(); }
  bool read_only() const override { return device_->read_only(); }
  io::DeviceLimits limits() const override { return device_->limits(); }

 private:
  MappedDevicePtr device_;
};

bool parse_u32(std::string_view s, std::uint32_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

std::optional<DevNo> parse_devno(std::string_view arg) {
  auto colon = arg.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  DevNo d;
  if (!parse_u32(arg.substr(0, colon), d.major) || !parse_u32(arg.substr(colon + 1), d.minor)) return std::nullopt;
  return d;
}

// /sys/dev/block/M:m/uevent names the kernel device ("DEVNAME=sdb").
Result<std::string> block_device_path(DevNo d) {
  const std::string uevent = "/sys/dev/block/" + d.to_string() + "/uevent";
  std::ifstream in(uevent);
  if (!in) return fail(ENODEV, "device " + d.to_string() + ": no such block device (" + uevent + ")");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("DEVNAME=")) return "/dev/" + line.substr(8);
  return fail(ENODEV, "device " + d.to_string() + ": " + uevent + " has no DEVNAME");
}

// DeviceOpener for one table build: refuses the device being loaded into.
class SelfCheckingOpener final : public DeviceOpener {
 public:
  SelfCheckingOpener(DeviceRegistry& r, DevNo self, bool read_only) : registry_(r), self_(self), read_only_(read_only) {}
  Result<io::BlockDevicePtr> open(std::string_view arg, sector_t start, sector_t length) override {
    return registry_.open_for(arg, start, length, self_, read_only_);
  }
  DevNo self() const override { return self_; }

 private:
  DeviceRegistry& registry_;
  DevNo self_;
  bool read_only_;
};

}  // namespace

Result<io::BlockDevicePtr> DeviceRegistry::open_path(const std::string& path, bool read_only) {
  BackingOpener opener;
  {
    std::lock_guard g(lock_);
    opener = backing_opener_;
  }
  if (opener) return opener(path);
#if UDM_HAVE_OPEN_BACKING
  if (io::is_nbd_uri(path)) return io::open_nbd(path, io::NbdOpenOptions{.read_only = read_only});
  // A read-only table opens its files read-only, so read-only files and mounts work.
  return io::open_backing(path, io::OpenOptions{.read_only = read_only});
#else
  return fail(ENOTSUP, path + ": opening backing files is not built in (io::open_backing missing)");
#endif
}

bool DeviceRegistry::depends_on(const MappedDevice& device, DevNo target, int depth) const {
  if (depth > 64) return true;  // deeper than any sane stack: treat as a cycle
  for (bool inactive : {false, true}) {
    for (DevNo d : device.deps(inactive)) {
      if (d == target) return true;
      if (auto lower = find_by_devno(d); lower && depends_on(*lower, target, depth + 1)) return true;
    }
  }
  return false;
}

Result<io::BlockDevicePtr> DeviceRegistry::open_device(std::string_view arg, DevNo self, bool read_only) {
  if (arg.empty()) return fail(EINVAL, "device: empty device argument");
  std::optional<DevNo> devno = parse_devno(arg);
  bool any_block;
  {
    std::lock_guard g(lock_);
    any_block = !block_by_minor_.empty();
  }
  if (!devno && any_block) {
    // A path of udmd's own block device (/dev/mapper/NAME, /dev/VG/LV,
    // /dev/loopN) is the mapped device behind it.
    struct stat st{};
    if (::stat(std::string(arg).c_str(), &st) == 0 && S_ISBLK(st.st_mode)) {
      DevNo b{::major(st.st_rdev), ::minor(st.st_rdev)};
      if (find_by_devno(b)) devno = b;
    }
  }
  if (devno) {
    if (devno->major != UDM_BLOCK_MAJOR && any_block)
      if (auto mapped = find_by_devno(*devno)) devno = mapped->devno();
    if (devno->major == UDM_BLOCK_MAJOR) {
      auto device = find_by_devno(*devno);
      if (!device) return fail(ENODEV, "device " + devno->to_string() + ": no such mapped device");
      if (!self.empty() && (device->devno() == self || depends_on(*device, self, 0)))
        return fail(EINVAL, "device " + devno->to_string() + ": a table may not reference its own device (" +
                                device->name() + ")");
      return io::BlockDevicePtr(std::make_shared<StackedDevice>(std::move(device)));
    }
    auto path = block_device_path(*devno);
    if (!path) return fail(path.error());
    return open_path(*path, read_only);
  }
  return open_path(std::string(arg), read_only);
}

Result<io::BlockDevicePtr> DeviceRegistry::open_for(std::string_view arg, sector_t start, sector_t length,
                                                    DevNo self, bool read_only) {
  auto device = open_device(arg, self, read_only);
  if (!device) return device;
  const sector_t have = bytes_to_sectors((*device)->size());
  if (start > have || length > have - start)
    return fail(EINVAL, "device " + std::string(arg) + " is too small: " + std::to_string(have) + " sectors, need " +
                            std::to_string(start + length));
  return device;
}

Result<io::BlockDevicePtr> DeviceRegistry::open(std::string_view arg, sector_t start, sector_t length) {
  return open_for(arg, start, length, DevNo{});
}

Result<std::unique_ptr<Table>> DeviceRegistry::build_table(std::span<const TableLine> lines, bool read_only) {
  return Table::build(lines, targets_, *this, read_only);
}

Result<std::unique_ptr<Table>> DeviceRegistry::build_table(std::span<const TableLine> lines, bool read_only,
                                                           const MappedDevice& self) {
  SelfCheckingOpener opener(*this, self.devno(), read_only);
  std::function<void()> raise_event;
  if (auto registered = find_by_devno(self.devno()); registered.get() == &self) {
    raise_event = [weak = std::weak_ptr<MappedDevice>(registered)] {
      if (auto d = weak.lock()) d->raise_event();
    };
  }
  return Table::build(lines, targets_, opener, read_only, std::move(raise_event));
}

}  // namespace udm::core
