// Where the shim sends things, read once from the environment:
//   UDM_RUNDIR   udmd's run directory (control socket <rundir>/control, FUSE
//                files <rundir>/dev/mapper/NAME); default as libudm's:
//                /run/udm for root, $XDG_RUNTIME_DIR/udm, else /tmp/udm-<uid>
//   DM_DEV_DIR   libdevmapper's device directory; nodes made under
//                <DM_DEV_DIR>/mapper/ become symlinks to the FUSE files
//   UDM_SHIM_MAJOR          the block major shown in /proc/devices (252)
//   UDM_SHIM_READ_AHEAD_KB  what /sys/dev/block/M:m/bdi/read_ahead_kb reads (128)
//   UDM_SHIM_DEBUG          print the daemon's error messages to stderr
#pragma once

#include <cstddef>

namespace udm::shim {

struct Config {
  char rundir[1024];
  char control_socket[1100];
  char node_prefix[4200];  // "<DM_DEV_DIR>/mapper/", "" when DM_DEV_DIR is unset
  std::size_t node_prefix_len;
  char devno_dir[4200];    // "<DM_DEV_DIR>/.udm-devno": records of the nodes we made
  unsigned major;
  unsigned read_ahead_kb;
  bool debug;
};

// Filled on first use; safe from any thread.
const Config& config() noexcept;

bool ends_with(const char* s, const char* suffix) noexcept;

}  // namespace udm::shim
