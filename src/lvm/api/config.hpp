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

#include <cstdint>
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
  // devices/devices or --devices: when set, the only devices scanned (a
  // directory in it is scanned as a devices/scan directory); else ulvm scans
  // the devices/scan directories as lvm2 does.
  std::vector<std::string> devices;
  bool devices_from_cli = false;      // --devices (lvm2 skips the regex filters then)
  std::vector<std::string> scan_dirs = {"/dev"};  // devices/scan
  std::vector<std::string> types;     // devices/types: extra driver names
  bool sysfs_scan = true;             // devices/sysfs_scan
  bool scan_lvs = false;              // devices/scan_lvs
  std::uint64_t pv_min_size_kib = 2048;  // devices/pv_min_size
  bool backup = true;
  bool archive = true;
  std::string backup_dir;   // where `backup` writes the latest VG text
  std::string archive_dir;  // where earlier versions go
  std::vector<FilterRule> filter;
  std::vector<FilterRule> global_filter;
  ConfigTree file_tree;     // lvm.conf as read (lvm2's file)
  ConfigTree shown;         // lvm.conf then lvmlocal.conf (then udm's file) merged as
                            // lvm2 merges them: what `lvmconfig` prints
  ConfigTree profile_tree;  // the --profile/--commandprofile/--metadataprofile file
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
// `profile` names $LVM_SYSTEM_DIR/profile/NAME.profile (lvm2's profile_dir),
// merged over the files and under --config; a missing one is lvm2's error.
Result<Config> load_config(const std::vector<std::string>& cli_devices,
                           const std::vector<std::string>& cli_config = {}, const std::string& profile = {});
// The profile named by --commandprofile, --profile or --metadataprofile.
template <class CommandLineT>
std::string profile_of(const CommandLineT& cl) {
  for (const char* o : {"commandprofile", "profile", "metadataprofile"})
    if (auto v = cl.get(o)) return *v;
  return {};
}

// Splits "a,b" lists and drops empty items.
std::vector<std::string> split_device_list(const std::vector<std::string>& values);

// Parses --config text: lvm2 syntax where a key may be a path
// ("backup/backup=0"), turned into nested sections.
Result<ConfigTree> parse_config_text(std::string_view text);
// Merges `src` over `dst`: sections merge, keys replace.
void merge_config(ConfigNode& dst, const ConfigNode& src);
// lvm2's own merge of one configuration tree over another (its cascade of
// lvm.conf, lvmlocal.conf, profiles): a key present keeps its place and
// takes the new value; a new key or section goes right after the first one
// of its parent; a subsection inside an existing section is dropped.
// `loading` (a file over the files before it): the tags sections are left
// out and devices/filter, devices/types, activation/volume_list add up.
void merge_config_lvm2(ConfigNode& dst, const ConfigNode& src, bool loading = false);
// The node at "a/b/c" below `root`, or null.
const ConfigNode* find_config_path(const ConfigNode& root, std::string_view path);
// Parses a filter list ["a|re|", ...]; an error names the bad item.
Result<std::vector<FilterRule>> parse_filter(const ConfigNode& node);
bool filter_accepts(const std::vector<FilterRule>& rules, std::string_view path);

}  // namespace udm::lvm::api
