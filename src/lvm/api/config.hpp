// ulvm's configuration, read as lvm2 reads it, so one lvm.conf serves both:
//   $LVM_SYSTEM_DIR/lvm.conf (default /etc/lvm/lvm.conf), lvm2's syntax;
//   then udm's own file, if any: $UDM_LVM_CONFIG, default
//   $UDM_LVM_CONFDIR/lvm.conf ($UDM_LVM_CONFDIR default /etc/udm/lvm), in the
//   same syntax or the simple `devices = /a,/b` lines;
//   then each --config 'section/key=value' / 'section { key = value }'.
// Later trees override earlier ones key by key. Keys used:
//   devices/devices        udm's own: the devices and files to scan (lvm2
//                          ignores it); --devices replaces it
//   devices/filter, devices/global_filter   lvm2's ["a|re|", "r|re|"] lists
//   backup/backup, backup/archive, backup/backup_dir, backup/archive_dir
// Archives and backups go to backup/{archive,backup}_dir, by default
// <confdir>/archive and <confdir>/backup where confdir is $UDM_LVM_CONFDIR
// when set, else $LVM_SYSTEM_DIR (lvm2's /etc/lvm/{archive,backup}).
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "lvm/metadata/config_tree.hpp"

namespace udm::lvm::api {

// One lvm2 regex filter item: "a|re|" accepts, "r|re|" rejects.
struct FilterRule {
  bool accept = true;
  std::string regex;
  std::regex compiled;
};

struct Config {
  std::string system_dir = "/etc/lvm";  // $LVM_SYSTEM_DIR
  std::string confdir = "/etc/udm/lvm";
  std::vector<std::string> devices;
  bool backup = true;
  bool archive = true;
  std::string backup_dir;   // where `backup` writes the latest VG text
  std::string archive_dir;  // where earlier versions go
  std::vector<FilterRule> filter;
  std::vector<FilterRule> global_filter;
  ConfigTree file_tree;     // lvm.conf as read (lvm2's file)
  ConfigTree cli_tree;      // --config values, merged
  ConfigTree merged;        // everything, in override order

  // The value at "section/key" in the merged tree, or null.
  const ConfigNode* find(std::string_view path) const;
  // devices/filter then devices/global_filter, first match wins in each; a
  // device no item matches is accepted.
  bool accepts(std::string_view path) const;
};

// Reads the environment and the config files (a missing file is not an
// error), merges the --config values, then applies --devices values.
Result<Config> load_config(const std::vector<std::string>& cli_devices,
                           const std::vector<std::string>& cli_config = {});

// Splits "a,b" lists and drops empty items.
std::vector<std::string> split_device_list(const std::vector<std::string>& values);

// Parses --config text: lvm2 syntax where a key may be a path
// ("backup/backup=0"), turned into nested sections.
Result<ConfigTree> parse_config_text(std::string_view text);
// Merges `src` over `dst`: sections merge, keys replace.
void merge_config(ConfigNode& dst, const ConfigNode& src);
// The node at "a/b/c" below `root`, or null.
const ConfigNode* find_config_path(const ConfigNode& root, std::string_view path);
// Parses a filter list ["a|re|", ...]; an error names the bad item.
Result<std::vector<FilterRule>> parse_filter(const ConfigNode& node);
bool filter_accepts(const std::vector<FilterRule>& rules, std::string_view path);

}  // namespace udm::lvm::api
