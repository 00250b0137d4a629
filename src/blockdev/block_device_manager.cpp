#include "blockdev/block_device_manager.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <thread>

namespace udm::blockdev {

BlockDeviceManager::BlockDeviceManager(BlockDeviceOptions options, core::DeviceRegistry& registry, LogFn log)
    : options_(std::move(options)), registry_(registry), log_(std::move(log)), links_(options_.devdir) {}

BlockDeviceManager::~BlockDeviceManager() { stop(); }

std::string BlockDeviceManager::unavailable_reason(const std::string& devdir) {
  if (::geteuid() != 0) return "udmd is not running as root";
  if (::access(devdir.c_str(), W_OK) != 0)
    return "the dev dir " + devdir + " is not writable: " + std::strerror(errno);
  int fd = ::open("/dev/loop-control", O_RDWR | O_CLOEXEC);
  if (fd < 0) return std::string("cannot open /dev/loop-control: ") + std::strerror(errno);
  ::close(fd);
  return {};
}

std::string BlockDeviceManager::ublk_note() {
  struct stat st{};
  if (::stat("/dev/ublk-control", &st) == 0)
    return "ublk is present (/dev/ublk-control) but not used yet: block devices are loop devices";
  return "this kernel has no ublk (/dev/ublk-control missing): block devices are loop devices";
}

std::size_t BlockDeviceManager::detach_stale() {
  std::size_t n = 0;
  std::vector<int> stale = loops_backed_under(options_.fuse_root + "/");
  // The record names the rest: a loop whose backing file is still the path
  // recorded, or that path seen from a detached mount ("/mapper/NAME").
  if (!options_.record.empty()) {
    // A log: "N PATH" when loop N was attached over PATH, "-(N+1) PATH" when
    // it was detached again; the last word on each path stands.
    std::map<std::string, int> live;
    std::ifstream in(options_.record);
    long long number;
    std::string path;
    while (in >> number >> path) {
      if (number >= 0 && number <= INT32_MAX) {
        live[path] = static_cast<int>(number);
      } else if (number < 0 && number >= -static_cast<long long>(INT32_MAX)) {
        if (auto it = live.find(path); it != live.end() && it->second == -number - 1) live.erase(it);
      }
    }
    for (const auto& [path, n] : live) {
      preferred_[path] = n;  // the same devno again after the restart, if free
      if (std::find(stale.begin(), stale.end(), n) != stale.end()) continue;
      const std::string backing = loop_backing_file(n);
      const std::string tail = path.starts_with(options_.fuse_root) ? path.substr(options_.fuse_root.size()) : path;
      if (!backing.empty() && (backing == path || backing == tail || backing == tail + " (deleted)"))
        stale.push_back(n);
    }
  }
  for (int number : stale) {
    const std::string backing = loop_backing_file(number);
    if (auto r = loop_detach(number); !r) {
      log_("cannot detach /dev/loop" + std::to_string(number) + " left by a previous udmd (" + backing +
           "): " + r.error().message);
      continue;
    }
    log_("detached /dev/loop" + std::to_string(number) + " left by a previous udmd (" + backing + ")");
    ++n;
  }
  if (!options_.record.empty()) ::unlink(options_.record.c_str());
  return n;
}

void BlockDeviceManager::rewrite_record_locked() {
  std::string text;
  {
    std::lock_guard g(lock_);
    for (const auto& [minor, e] : entries_) text += std::to_string(e.loop.number) + " " + e.backing + "\n";
  }
  const std::string tmp = options_.record + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out) return;
  }
  if (::rename(tmp.c_str(), options_.record.c_str()) == 0) record_lines_ = 0;
}

void BlockDeviceManager::note_in_record(int number, const std::string& backing, bool attached) {
  if (options_.record.empty()) return;
  std::lock_guard g(record_lock_);
  // One appended line per change (rewriting every loop per change made
  // 10,000 attaches write gigabytes); rewritten whole when the log holds
  // many more lines than loops.
  std::size_t loops;
  {
    std::lock_guard l(lock_);
    loops = entries_.size();
  }
  if (record_lines_ > 2 * loops + 256) {
    rewrite_record_locked();
    return;  // the rewrite is the current state, this change included
  }
  const std::string line =
      std::to_string(attached ? static_cast<long long>(number) : -static_cast<long long>(number) - 1) + " " + backing +
      "\n";
  int fd = ::open(options_.record.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return;
  if (::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size())) ++record_lines_;
  ::close(fd);
}

void BlockDeviceManager::write_record() {
  if (options_.record.empty()) return;
  std::lock_guard g(record_lock_);
  rewrite_record_locked();
}

void BlockDeviceManager::watch_suspended() {
  std::unique_lock g(lock_);
  while (started_) {
    pending_cv_.wait_for(g, std::chrono::milliseconds(50));
    std::vector<core::MappedDevicePtr> ready;
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (!(*it)->holds_io()) {
        ready.push_back(*it);
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
    if (ready.empty()) continue;
    g.unlock();
    for (auto& d : ready) sync(d);
    g.lock();
  }
}

void BlockDeviceManager::start() {
  {
    std::lock_guard g(lock_);
    if (started_) return;
    started_ = true;
  }
  registry_.set_remove_hook([this](const core::MappedDevicePtr& d) { return before_remove(d); });
  registry_.set_open_count_hook([this](const core::MappedDevice& d, std::int32_t raw) {
    int number = loop_of(d.devno().minor);
    if (number < 0) return raw;
    // The loop's own hold on the FUSE file is not a user; a holder of the loop is.
    return std::max<std::int32_t>(raw - 1, 0) + (loop_in_use(number) ? 1 : 0);
  });
  for (const auto& d : registry_.list()) sync(d);
  watcher_ = std::thread([this] { watch_suspended(); });
}

int BlockDeviceManager::loop_of(std::uint32_t minor) const {
  std::lock_guard g(lock_);
  auto it = entries_.find(minor);
  return it == entries_.end() ? -1 : it->second.loop.number;
}

void BlockDeviceManager::on_change(const core::DeviceRegistry::Change& change) {
  {
    std::lock_guard g(lock_);
    if (!started_) return;
  }
  using Kind = core::DeviceRegistry::Change::Kind;
  const auto& device = change.device;
  switch (change.kind) {
    case Kind::created:
      break;  // no live table yet
    case Kind::table:
      sync(device);
      break;
    case Kind::removed: {
      std::lock_guard g(lock_);
      std::erase(pending_, device);
    }
      release(device->devno().minor, device->name());
      break;
    case Kind::renamed:
    case Kind::uuid_set: {
      std::unique_lock g(lock_);
      auto it = entries_.find(device->devno().minor);
      if (it == entries_.end()) break;
      Entry entry = it->second;
      g.unlock();
      relink(entry, *device);
      g.lock();
      if (auto again = entries_.find(device->devno().minor); again != entries_.end()) again->second.links = entry.links;
      break;
    }
  }
}

void BlockDeviceManager::sync(const core::MappedDevicePtr& device) {
  const std::uint32_t minor = device->devno().minor;
  const std::uint64_t size = device->size();
  const std::string name = device->name();
  std::optional<Entry> entry;
  {
    std::lock_guard g(lock_);
    if (auto it = entries_.find(minor); it != entries_.end()) entry = it->second;
  }
  const std::string backing = options_.fuse_root + "/mapper/" + name;
  if (!entry) {
    if (size == 0) return;  // no live table: nothing to stand for yet
    if (device->holds_io()) {
      std::lock_guard g(lock_);
      if (std::find(pending_.begin(), pending_.end(), device) == pending_.end()) pending_.push_back(device);
      return;
    }
    LoopSetup setup{backing, device->limits().logical_block_size, device->read_only(), options_.direct_io};
    {
      std::lock_guard g(lock_);
      if (auto p = preferred_.find(backing); p != preferred_.end()) {
        setup.preferred = p->second;
        preferred_.erase(p);
      }
    }
    auto loop = loop_attach(setup);
    if (!loop) {
      log_(name + ": no block device: " + loop.error().message);
      return;
    }
    Entry e{*loop, {}, size, backing};
    registry_.set_block_devno(minor, loop->devno);
    relink(e, *device);
    {
      std::lock_guard g(lock_);
      entries_[minor] = e;
    }
    note_in_record(e.loop.number, e.backing, true);
    log_(name + ": block device " + loop->path() + " (" + loop->devno.to_string() + "), direct I/O " +
         (loop->direct_io ? "on" : "off"));
    return;
  }
  if (size == entry->size || size == 0) return;
  // The loop reads the size from the FUSE inode: a stat brings the new size
  // in (the export invalidated the old one).
  struct stat st{};
  ::stat(backing.c_str(), &st);
  if (auto r = loop_set_capacity(entry->loop.number); !r) {
    log_(name + ": block device not resized: " + r.error().message);
    return;
  }
  std::lock_guard g(lock_);
  if (auto it = entries_.find(minor); it != entries_.end()) it->second.size = size;
}

void BlockDeviceManager::relink(Entry& entry, const core::MappedDevice& device) {
  const auto wanted = dev_link_names(device.name(), device.uuid());
  const std::string node = entry.loop.path();
  for (const auto& old : entry.links)
    if (std::find(wanted.begin(), wanted.end(), old) == wanted.end()) links_.remove(old, node);
  entry.links.clear();
  for (const auto& link : wanted) {
    if (auto r = links_.add(link, node); !r) {
      log_(device.name() + ": " + r.error().message);
      continue;
    }
    entry.links.push_back(link);
  }
}

void BlockDeviceManager::release(std::uint32_t minor, const std::string& name) {
  Entry entry;
  {
    std::lock_guard g(lock_);
    auto it = entries_.find(minor);
    if (it == entries_.end()) return;
    entry = std::move(it->second);
    entries_.erase(it);
  }
  if (detach(minor, name, entry)) note_in_record(entry.loop.number, entry.backing, false);
}

bool BlockDeviceManager::detach(std::uint32_t minor, const std::string& name, const Entry& entry) {
  for (const auto& link : entry.links) links_.remove(link, entry.loop.path());
  auto r = loop_detach(entry.loop.number);
  if (!r) log_(name + ": " + r.error().message);
  registry_.set_block_devno(minor, DevNo{});
  return bool(r);
}

void BlockDeviceManager::wait_for_close(const core::MappedDevice& device, std::int32_t below) {
  // The loop lets go of the FUSE file at its last close; the FUSE release
  // reaches udmd a moment later.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (device.info(false).open_count >= below && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

Result<void> BlockDeviceManager::before_remove(const core::MappedDevicePtr& device) {
  const std::uint32_t minor = device->devno().minor;
  int number = loop_of(minor);
  if (number < 0) return {};
  const std::string name = device->name();
  if (loop_in_use(number))
    return fail(EBUSY, "device '" + name + "' is open (its block device /dev/loop" + std::to_string(number) +
                           " is in use)");
  const std::int32_t raw = device->info(false).open_count;
  if (raw > 1) return fail(EBUSY, "device '" + name + "' is open");
  release(minor, name);
  if (raw > 0) wait_for_close(*device, raw);
  return {};
}

void BlockDeviceManager::stop() {
  {
    std::lock_guard g(lock_);
    if (!started_) return;
    started_ = false;
  }
  pending_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
  {
    std::lock_guard g(lock_);
    pending_.clear();
  }
  registry_.set_remove_hook(nullptr);
  registry_.set_open_count_hook(nullptr);
  // Every loop at once: a LOOP_CLR_FD mostly waits (the queue frozen and
  // drained, the FUSE file closed), about 1.5 ms each; one after the other
  // that was 15 s for 10,000 devices. Detached by a few threads, the record
  // written once at the end with the loops that would not go.
  std::vector<std::pair<std::uint32_t, Entry>> all;
  {
    std::lock_guard g(lock_);
    for (auto& [m, e] : entries_) all.emplace_back(m, std::move(e));
    entries_.clear();
  }
  std::atomic<std::size_t> next{0};
  std::mutex failed_lock;
  std::vector<std::pair<std::uint32_t, Entry>> failed;
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < all.size();) {
      auto& [m, e] = all[i];
      auto d = registry_.find_by_devno(DevNo{UDM_BLOCK_MAJOR, m});
      if (!detach(m, d ? d->name() : std::to_string(m), e)) {
        std::lock_guard g(failed_lock);
        failed.emplace_back(m, e);
      }
    }
  };
  const std::size_t threads = std::min<std::size_t>(STOP_THREADS, (all.size() + 31) / 32);
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  {
    std::lock_guard g(lock_);
    for (auto& [m, e] : failed) entries_.emplace(m, std::move(e));  // still attached: the record keeps them
  }
  if (!all.empty()) write_record();
}

}  // namespace udm::blockdev
