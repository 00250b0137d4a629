// Real kernel block devices for mapped devices: each device with a live
// table gets a loop device over its FUSE file (<fuse root>/mapper/NAME) and
// the /dev links udev would make (DevLinks). The registry then reports the
// loop's devno for the device, resolves that devno (and paths of the loop)
// to the device itself, and does not count the loop's hold as an open.
//
// Attached when a device first gets a live table, resized when a new table
// changes the size, detached on remove (a remove is refused while the block
// device is in use, as dm refuses an open device) and at stop(). Every
// ioctl runs outside the manager's lock, on the thread of the command that
// changed that one device; no other device waits for it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "blockdev/dev_links.hpp"
#include "blockdev/loop_device.hpp"
#include "core/device_registry.hpp"

namespace udm::blockdev {

struct BlockDeviceOptions {
  std::string fuse_root;          // where the FUSE export is mounted (<rundir>/dev)
  std::string devdir = "/dev";    // where mapper/NAME and VG/LV links go
  bool direct_io = true;
  // A log of the loops attached ("N PATH") and detached ("-(N+1) PATH"),
  // one line appended per change: a killed udmd's loops are found by it
  // even after its FUSE mount is gone (the kernel then shows the backing
  // file as "/mapper/NAME"). "" : none.
  std::string record;
};

class BlockDeviceManager {
 public:
  using LogFn = std::function<void(const std::string&)>;
  BlockDeviceManager(BlockDeviceOptions options, core::DeviceRegistry& registry, LogFn log);
  ~BlockDeviceManager();  // stop()
  BlockDeviceManager(const BlockDeviceManager&) = delete;
  BlockDeviceManager& operator=(const BlockDeviceManager&) = delete;

  // Why block devices cannot work here ("" when they can): root, the dev
  // dir writable, /dev/loop-control present.
  static std::string unavailable_reason(const std::string& devdir);
  // A line for the log about ublk (/dev/ublk-control): present or not.
  static std::string ublk_note();

  // Detaches loops a previous udmd left over files under the FUSE root
  // (before the new FUSE mount replaces a stale one). Returns how many.
  std::size_t detach_stale();

  // Installs the registry hooks and attaches a block device for every
  // device that already has a live table (restored ones).
  void start();

  // A device changed (the exports' listener, after the FUSE tree has it).
  void on_change(const core::DeviceRegistry::Change& change);

  // Detaches every loop and removes the links. Idempotent.
  void stop();

  // The loop standing for a device (-1: none), for tests.
  int loop_of(std::uint32_t minor) const;

 private:
  struct Entry {
    Loop loop;
    std::vector<std::string> links;  // relative to the dev dir
    std::uint64_t size = 0;
    std::string backing;  // the FUSE file it was attached to
  };
  void sync(const core::MappedDevicePtr& device);
  void release(std::uint32_t minor, const std::string& name);
  Result<void> before_remove(const core::MappedDevicePtr& device);
  void relink(Entry& entry, const core::MappedDevice& device);
  void wait_for_close(const core::MappedDevice& device, std::int32_t below);
  bool detach(std::uint32_t minor, const std::string& name, const Entry& entry);  // false: still attached
  void note_in_record(int number, const std::string& backing, bool attached);
  void write_record();  // the whole record, as entries_ stand
  void rewrite_record_locked();
  void watch_suspended();  // attaches restored devices once they resume

  BlockDeviceOptions options_;
  core::DeviceRegistry& registry_;
  LogFn log_;
  DevLinks links_;
  mutable std::mutex lock_;
  std::map<std::uint32_t, Entry> entries_;  // by mapped minor
  std::map<std::string, int> preferred_;    // backing path -> loop number before a restart
  bool started_ = false;
  // A suspended device is never attached: LOOP_CONFIGURE flushes the FUSE
  // file, which would wait for its resume. Restored suspended devices wait here.
  std::vector<core::MappedDevicePtr> pending_;
  std::condition_variable pending_cv_;
  std::thread watcher_;
  std::mutex record_lock_;        // the record file; taken before lock_
  std::size_t record_lines_ = 0;  // lines appended since it was last written whole
  static constexpr std::size_t STOP_THREADS = 16;
};

}  // namespace udm::blockdev
