// ulvm's configuration: which devices to scan and where archives/backups go.
//   confdir  $UDM_LVM_CONFDIR, default /etc/udm/lvm
//   config   $UDM_LVM_CONFIG, default <confdir>/lvm.conf; lvm config syntax
//            (`devices { devices = ["/a", "/b"] }`) or simple `devices = /a,/b`
//   devices  --devices (repeated or comma separated) replaces the config's list
// Archives of earlier VG versions go to <confdir>/archive, the latest
// version to <confdir>/backup/<vg> (as lvm's /etc/lvm/{archive,backup}); the
// config keys backup { backup = 0 archive = 0 } turn them off.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"

namespace udm::lvm::api {

struct Config {
  std::string confdir = "/etc/udm/lvm";
  std::vector<std::string> devices;
  bool backup = true;
  bool archive = true;
};

// Reads the environment and the config file (a missing file is not an error),
// then applies --devices values from the command line.
Result<Config> load_config(const std::vector<std::string>& cli_devices);

// Splits "a,b" lists and drops empty items.
std::vector<std::string> split_device_list(const std::vector<std::string>& values);

}  // namespace udm::lvm::api
