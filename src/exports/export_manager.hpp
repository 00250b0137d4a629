// Exports: every mapped device as a regular file in a FUSE mount and as an
// NBD export named after the device. The daemon owns one ExportManager.
//
//   <rundir>/dev/mapper/NAME   every device with a live table (size = table length)
//   <rundir>/dev/VG/LV         devices whose uuid starts with "LVM-"
//   <rundir>/nbd.sock          NBD (fixed newstyle), export name = device name:
//                              nbd+unix:///NAME?socket=<rundir>/nbd.sock
//
// Thread safety: start(), refresh() and stop() may be called from any thread,
// but not concurrently with each other's start()/stop().
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "core/device_registry.hpp"

namespace udm::exports {

struct ExportOptions {
  std::string rundir;                    // the daemon's run directory
  bool fuse = true;                      // mount <rundir>/dev
  bool nbd_unix = true;                  // listen on <rundir>/nbd.sock
  std::optional<std::string> nbd_tcp;    // "HOST:PORT" ("PORT" alone means 127.0.0.1)
};

class ExportManager {
 public:
  ExportManager(ExportOptions options, core::DeviceRegistry& registry);
  ~ExportManager();  // calls stop()
  ExportManager(const ExportManager&) = delete;
  ExportManager& operator=(const ExportManager&) = delete;

  // Mounts FUSE and opens the NBD listeners. Errors name the path or address.
  // Installs itself as the registry's listener (DeviceRegistry::set_listener),
  // so creates, removes (deferred ones too) and renames refresh the exports
  // without help; stop() clears it.
  Result<void> start();

  // Re-reads the registry: call after a table change (resume, which may change
  // size or presence); harmless after anything else. Cheap; never blocks on I/O.
  void refresh();

  // Unmounts FUSE, closes listeners and connections. Safe to call twice.
  void stop();

  // Paths, for `udmsetup info` and tests.
  std::string fuse_mountpoint() const;  // <rundir>/dev
  std::string nbd_socket_path() const;  // <rundir>/nbd.sock

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace udm::exports
