// udmd's options, parsed by tools/udmd/main.cpp and usable in-process.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "abi/commands.hpp"
#include "base/result.hpp"

namespace udm::daemon {

// `--claim-version COMMAND=MAJ.MIN.PATCH` (test-only): the daemon behaves as
// a driver with that version of COMMAND (a command_id() or table name).
struct VersionClaim {
  abi::Command command;
  abi::CommandVersion version;
};
Result<VersionClaim> parse_version_claim(std::string_view text);

// Bounds on the control socket (--max-connections, --frame-timeout,
// --max-command-threads).
struct ControlLimits {
  std::size_t max_connections = 1024;        // more are accepted and closed at once, with a log line
  std::uint32_t frame_timeout_ms = 10000;    // a started frame must be whole by then (and a reply read)
  std::size_t max_command_threads = 64;      // commands running (or blocked) at once
};

struct DaemonOptions {
  std::string rundir;        // resolved: see resolve_rundir()
  bool foreground = false;   // else daemonize (main only)
  std::vector<VersionClaim> claims;
  bool fuse = true;          // --no-fuse clears
  bool nbd = true;           // --no-nbd clears
  std::optional<std::string> nbd_listen;  // HOST:PORT
  bool log_to_stderr = true; // false: <rundir>/udmd.log

  // Kernel block devices (loop devices) for mapped devices, with
  // DEVDIR/mapper/NAME and DEVDIR/VG/LV links: --block-devices forces them
  // on, --no-block-devices off; unset: on when udmd is root, DEVDIR is
  // writable and FUSE runs ($UDM_BLOCK_DEVICES=0 makes that default off).
  std::optional<bool> block_devices;

  // A listening control socket passed by systemd (listen_fds.hpp), -1: none.
  int control_fd = -1;
  std::string devdir = "/dev";

  // Access and NBD security (--group, --tls-creds, --tls-psk, --nbd-insecure,
  // --nbd-max-queued-bytes[-total]).
  std::string group;         // the run directory 0750 and its files 0660 for this group
  std::string tls_creds;     // X.509 directory: server-cert.pem, server-key.pem
  std::string tls_psk;       // PSK file, "username:hexkey" lines (psktool's format)
  bool nbd_insecure = false; // plaintext NBD over TCP
  std::uint64_t nbd_max_queued_bytes = std::uint64_t{64} << 20;         // per connection
  std::uint64_t nbd_max_queued_bytes_total = std::uint64_t{256} << 20;  // daemon-wide

  ControlLimits control;
  unsigned snapshot_copy_throttle = 100;  // percent of time (dm-snapshot's module parameter)

  // --thin-no-space-timeout: seconds a write to a full thin pool waits for
  // space before failing (0: forever); the kernel's no_space_timeout.
  std::uint32_t thin_no_space_timeout_s = 60;
  // How long I/O to an NBD backing device waits for a dropped connection to
  // come back before failing with EIO (--nbd-reconnect-hold; io/nbd_device.hpp).
  std::uint32_t nbd_reconnect_hold_s = 30;
};

// "65536", "64M", "1G" (K/M/G/T, binary); the option name goes in the error.
Result<std::uint64_t> parse_byte_size(std::string_view option, std::string_view text);

// NBD over TCP needs TLS credentials, or --nbd-insecure to serve plaintext;
// only one kind of credentials at a time.
Result<void> check_nbd_security(const DaemonOptions& options);

// --rundir if given, else $UDM_RUNDIR, else /run/udm as root, else
// $XDG_RUNTIME_DIR/udm (EINVAL when none of those is set).
Result<std::string> resolve_rundir(const std::string& flag);

}  // namespace udm::daemon
