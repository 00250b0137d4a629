// udmd's options, parsed by tools/udmd/main.cpp and usable in-process.
#pragma once

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
  ControlLimits control;
};

// --rundir if given, else $UDM_RUNDIR, else /run/udm as root, else
// $XDG_RUNTIME_DIR/udm (EINVAL when none of those is set).
Result<std::string> resolve_rundir(const std::string& flag);

}  // namespace udm::daemon
