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

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <unistd.h>

#include "base/result.hpp"
#include "core/device_registry.hpp"

namespace udm::exports {

// Who may use the exports: the run directory's owner, and its group when the
// daemon was given one (udmd --group). nbd.sock and the FUSE files get these
// modes explicitly, never the umask's.
struct ExportAccess {
  uid_t uid = ::geteuid();
  gid_t gid = ::getegid();
  bool group = false;
  mode_t file_mode() const { return group ? 0660 : 0600; }
  mode_t dir_mode() const { return group ? 0750 : 0700; }
};

struct ExportOptions {
  std::string rundir;                    // the daemon's run directory
  bool fuse = true;                      // mount <rundir>/dev
  bool nbd_unix = true;                  // listen on <rundir>/nbd.sock
  std::optional<std::string> nbd_tcp;    // "HOST:PORT" ("PORT" or ":PORT" mean 127.0.0.1)
  ExportAccess access;
  // TLS for NBD (required over TCP when given): an X.509 directory or a PSK file.
  std::string tls_creds;
  std::string tls_psk;
  bool nbd_insecure = false;             // plaintext NBD over TCP allowed
  std::uint64_t max_queued_bytes = std::uint64_t{64} << 20;         // per NBD connection
  std::uint64_t max_queued_bytes_total = std::uint64_t{256} << 20;  // every NBD connection
  // Called for every registry change after the FUSE tree has it (udmd's
  // block devices open the device's FUSE file).
  std::function<void(const core::DeviceRegistry::Change&)> after_update;
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

  // Re-reads the whole registry (O(n)); the listener keeps the exports up
  // to date without it. Never blocks on I/O.
  void refresh();

  // One device changed: what the registry's listener calls. O(1) in the
  // number of devices (the NBD export list is read from the registry at
  // NBD_OPT_LIST time and keeps no copy).
  void update(const core::MappedDevicePtr& device);

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
