#include "lvm/api/cmdline.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace udm::lvm::api {
namespace {

using S = OptionSpec;

const std::vector<OptionSpec> COMMON = {
    {0, "devices", true}, {0, "config", true},  {'v', "verbose", false}, {'q', "quiet", false},
    {'d', "debug", false}, {0, "driverloaded", true}, {'h', "help", false}, {0, "nolocking", false},
    {0, "lockopt", true}, {0, "longhelp", false}, {0, "version", false}, {0, "devicesfile", true},
    {'t', "test", false}, {0, "nohints", false}, {0, "commandprofile", true}, {0, "profile", true},
    {0, "ignorelockingfailure", false},
};

const std::vector<OptionSpec> REPORT = {
    {'o', "options", true}, {'O', "sort", true},       {0, "units", true},          {0, "noheadings", false},
    {0, "nosuffix", false}, {0, "separator", true},    {0, "aligned", false},       {0, "reportformat", true},
    {'a', "all", false},    {0, "segments", false},    {'S', "select", true},       {0, "unbuffered", false},
    {0, "rows", false},     {0, "binary", false},      {0, "nameprefixes", false},  {0, "unquoted", false},
    {'P', "partial", false}, {0, "readonly", false},   {0, "shared", false},        {0, "foreign", false},
};

std::vector<OptionSpec> with(std::initializer_list<std::vector<OptionSpec>> parts) {
  std::vector<OptionSpec> out = COMMON;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const std::map<std::string, std::vector<OptionSpec>, std::less<>>& table() {
  static const std::map<std::string, std::vector<OptionSpec>, std::less<>> t = {
      {"pvcreate", with({{{'f', "force", false}, {'y', "yes", false}, {'u', "uuid", true}, {0, "norestorefile", false},
                          {'Z', "zero", true}, {0, "metadatasize", true}, {0, "dataalignment", true},
                          {0, "pvmetadatacopies", true}, {0, "metadatacopies", true}, {0, "setphysicalvolumesize", true},
                          {0, "labelsector", true}, {0, "metadatatype", true}, {'M', "metadatatype", true}}})},
      {"pvremove", with({{{'f', "force", false}, {'y', "yes", false}}})},
      {"pvs", with({REPORT})},
      {"pvdisplay", with({{{'m', "maps", false}, {'c', "colon", false}, {'s', "short", false}, {0, "units", true},
                           {'C', "columns", false}, {'a', "all", false}, {'S', "select", true}}})},
      {"pvresize", with({{{0, "setphysicalvolumesize", true}, {'y', "yes", false}}})},
      {"vgcreate", with({{{'s', "physicalextentsize", true}, {'f', "force", false}, {'y', "yes", false},
                          {0, "shared", false}, {0, "locktype", true},
                          {'l', "maxlogicalvolumes", true}, {'p', "maxphysicalvolumes", true}, {0, "alloc", true},
                          {'A', "autobackup", true}, {0, "addtag", true}, {'Z', "zero", true},
                          {0, "vgmetadatacopies", true}, {0, "metadatacopies", true}, {'M', "metadatatype", true},
                          {0, "metadatasize", true}, {0, "pvmetadatacopies", true}, {0, "dataalignment", true}}})},
      {"vgextend", with({{{'f', "force", false}, {'y', "yes", false}, {'A', "autobackup", true}, {'Z', "zero", true},
                          {0, "metadatasize", true}, {0, "pvmetadatacopies", true}, {0, "dataalignment", true}}})},
      {"vgreduce", with({{{'a', "all", false}, {0, "removemissing", false}, {0, "mirrorsonly", false}, {'f', "force", false},
                          {'A', "autobackup", true}}})},
      {"vgremove", with({{{'f', "force", false}, {'y', "yes", false}}})},
      {"vgrename", with({{{'A', "autobackup", true}}})},
      {"vgs", with({REPORT})},
      {"vgdisplay", with({{{'c', "colon", false}, {'s', "short", false}, {'v', "verbose", false}, {0, "units", true},
                           {'C', "columns", false}, {'A', "activevolumegroups", false}, {'S', "select", true}}})},
      {"vgchange", with({{{'a', "activate", true}, {'y', "yes", false}, {0, "addtag", true}, {0, "deltag", true},
                          {0, "alloc", true}, {'A', "autobackup", true}, {0, "ignoreactivationskip", false},
                          {'K', "ignoreactivationskip", false}, {'x', "resizeable", true},
                          {'l', "logicalvolume", true}, {'p', "maxphysicalvolumes", true}, {'u', "uuid", false},
                          {'s', "physicalextentsize", true}, {'S', "select", true},
                          {0, "lockstart", false}, {0, "lockstop", false}, {0, "locktype", true}, {0, "activationmode", true},
                          {'P', "partial", false}}})},
      {"pvchange", with({{{'a', "all", false}, {'x', "allocatable", true}, {'u', "uuid", false}, {0, "addtag", true},
                          {0, "deltag", true}, {'A', "autobackup", true}, {'S', "select", true}}})},
      {"vgsplit", with({{{'n', "name", true}, {'A', "autobackup", true}, {'l', "maxlogicalvolumes", true},
                         {'p', "maxphysicalvolumes", true}, {0, "alloc", true}}})},
      {"vgmerge", with({{{'A', "autobackup", true}, {'l', "list", false}}})},
      {"vgexport", with({{{'a', "all", false}, {'S', "select", true}}})},
      {"vgimport", with({{{'a', "all", false}, {'S', "select", true}, {'f', "force", false}}})},
      {"vgimportclone", with({{{'n', "basevgname", true}, {'i', "import", false}}})},
      {"fullreport", with({{{0, "units", true}, {'a', "all", false}, {'S', "select", true}}})},
      {"vgmknodes", with({{{0, "ignorelockingfailure", false}, {0, "refresh", false}}})},
      {"vgck", with({{{0, "updatemetadata", false}}})},
      {"lvscan", with({{{'a', "all", false}, {'b', "blockdevice", false}, {0, "ignorelockingfailure", false},
                        {0, "readonly", false}, {0, "reportformat", true}}})},
      {"vgscan", with({{{0, "mknodes", false}, {0, "notifydbus", false}, {0, "reportformat", true}}})},
      {"pvscan", with({{{0, "cache", false}, {'a', "activate", true}, {'e', "exported", false},
                        {'n', "novolumegroup", false}, {'s', "short", false}, {'u', "uuid", false},
                        {0, "minor", true}, {0, "major", true}, {0, "reportformat", true}}})},
      {"segtypes", with({})},
      {"formats", with({})},
      {"tags", with({})},
      {"version", with({})},
      {"pvck", with({{{0, "dump", true}, {0, "settings", true}, {0, "file", true}, {0, "repairtype", true},
                      {0, "repair", false}, {0, "labelsector", true}, {0, "pvmetadatacopies", true}}})},
      {"lvmdiskscan", with({{{'l', "lvmpartition", false}, {0, "readonly", false}}})},
      {"lvmconfig", with({{{0, "type", true}, {0, "typeconfig", true}, {0, "validate", false}, {0, "mergedconfig", false},
                           {0, "withcomments", false}, {0, "withversions", false},
                           {0, "metadataprofile", true}, {'f', "file", true}}})},
      {"dumpconfig", with({{{0, "type", true}, {0, "typeconfig", true}, {0, "validate", false}, {0, "mergedconfig", false},
                           {0, "withcomments", false}, {0, "withversions", false},
                           {0, "metadataprofile", true}, {'f', "file", true}}})},
      {"config", with({{{0, "type", true}, {0, "typeconfig", true}, {0, "validate", false}, {0, "mergedconfig", false},
                           {0, "withcomments", false}, {0, "withversions", false},
                           {0, "metadataprofile", true}, {'f', "file", true}}})},
      {"vgcfgbackup", with({{{'f', "file", true}}})},
      {"vgmap", with({{{0, "svg", true}, {0, "color", true}}})},
      {"vgcfgrestore", with({{{'f', "file", true}, {'l', "list", false}, {0, "force", false}, {'y', "yes", false}}})},
      {"lvcreate", with({{{'L', "size", true}, {'l', "extents", true}, {'n', "name", true}, {'i', "stripes", true},
                          {'I', "stripesize", true}, {0, "type", true}, {'a', "activate", true}, {'Z', "zero", true},
                          {'W', "wipesignatures", true}, {'y', "yes", false}, {0, "alloc", true}, {'C', "contiguous", true},
                          {'A', "autobackup", true}, {0, "addtag", true}, {'p', "permission", true},
                          {'r', "readahead", true}, {'s', "snapshot", false}, {'T', "thin", false},
                          {'m', "mirrors", true}, {'V', "virtualsize", true}, {'k', "setactivationskip", true},
                          {'K', "ignoreactivationskip", false}, {0, "thinpool", true}, {0, "poolmetadatasize", true},
                          {'c', "chunksize", true}, {0, "discards", true}, {0, "errorwhenfull", true},
                          {0, "poolmetadataspare", true},
                          {0, "mirrorlog", true}, {'R', "regionsize", true}, {0, "nosync", false},
                          {0, "maxrecoveryrate", true}, {0, "minrecoveryrate", true}}})},
      {"pvmove", with({{{'n', "name", true}, {0, "abort", false}, {'b', "background", false}, {'i', "interval", true},
                        {0, "alloc", true}, {'A', "autobackup", true}, {0, "atomic", false}, {'y', "yes", false}}})},
      {"lvconvert", with({{{0, "merge", false}, {'i', "interval", true}, {'b', "background", false},
                           {0, "type", true}, {0, "poolmetadata", true}, {'c', "chunksize", true}, {'Z', "zero", true},
                           {0, "discards", true}, {0, "errorwhenfull", true}, {'y', "yes", false}, {'f', "force", false},
                           {'A', "autobackup", true}, {'m', "mirrors", true}, {0, "repair", false},
                           {'R', "regionsize", true}, {0, "usepolicies", false}, {0, "mirrorlog", true},
                           {0, "alloc", true}}})},
      {"lvextend", with({{{'L', "size", true}, {'l', "extents", true}, {'i', "stripes", true}, {'I', "stripesize", true},
                          {0, "poolmetadatasize", true}, {0, "alloc", true}, {'r', "resizefs", false}, {'f', "force", false}, {'y', "yes", false},
                          {'A', "autobackup", true}, {'n', "nofsck", false}}})},
      {"lvreduce", with({{{'L', "size", true}, {'l', "extents", true}, {'r', "resizefs", false}, {'f', "force", false},
                          {'y', "yes", false}, {'A', "autobackup", true}, {'n', "nofsck", false}}})},
      {"lvresize", with({{{'L', "size", true}, {'l', "extents", true}, {'i', "stripes", true}, {'I', "stripesize", true},
                          {0, "alloc", true}, {'r', "resizefs", false}, {'f', "force", false}, {'y', "yes", false},
                          {'A', "autobackup", true}, {'n', "nofsck", false}}})},
      {"lvremove", with({{{'f', "force", false}, {'y', "yes", false}, {'A', "autobackup", true}}})},
      {"lvrename", with({{{'A', "autobackup", true}}})},
      {"lvs", with({REPORT})},
      {"lvdisplay", with({{{'m', "maps", false}, {'c', "colon", false}, {0, "units", true}, {'a', "all", false},
                           {'C', "columns", false}, {'S', "select", true}}})},
      {"lvchange", with({{{'a', "activate", true}, {'y', "yes", false}, {0, "errorwhenfull", true}, {'p', "permission", true}, {0, "addtag", true},
                          {0, "deltag", true}, {0, "alloc", true}, {'A', "autobackup", true},
                          {'K', "ignoreactivationskip", false}, {0, "syncaction", true}, {0, "rebuild", true},
                          {0, "maxrecoveryrate", true}, {0, "minrecoveryrate", true}, {'r', "readahead", true},
                          {'C', "contiguous", true}, {'S', "select", true}, {0, "activationmode", true},
                          {'P', "partial", false}}})},
      {"lvscan", with({{{'a', "all", false}}})},
      {"vgscan", with({})},
      {"pvscan", with({{{'s', "short", false}}})},
  };
  return t;
}

}  // namespace

const std::vector<OptionSpec>* command_options(std::string_view command) {
  auto it = table().find(command);
  return it == table().end() ? nullptr : &it->second;
}

Result<CommandLine> parse_command_line(std::string_view command, const std::vector<std::string>& argv) {
  const auto* specs = command_options(command);
  if (!specs) return fail(EINVAL, fmt::format("{}: no such command.", command));
  CommandLine cl;
  cl.command = std::string(command);
  cl.text = cl.command;
  for (const auto& a : argv) cl.text += " " + a;
  auto by_long = [&](std::string_view n) -> const OptionSpec* {
    for (const auto& s : *specs)
      if (s.long_name == n) return &s;
    return nullptr;
  };
  auto by_short = [&](char c) -> const OptionSpec* {
    for (const auto& s : *specs)
      if (s.short_name == c) return &s;
    return nullptr;
  };
  bool only_args = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (only_args || a.size() < 2 || a[0] != '-') {
      cl.args.push_back(a);
      continue;
    }
    if (a == "--") {
      only_args = true;
      continue;
    }
    if (a.starts_with("--")) {
      std::string name = a.substr(2);
      std::optional<std::string> value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
      }
      std::erase(name, '-');  // as lvm2: --use-policies is --usepolicies
      const OptionSpec* s = by_long(name);
      if (!s) return fail(EINVAL, fmt::format("{}: unrecognized option '{}'", command, a));
      if (s->takes_value && !value) {
        if (i + 1 >= argv.size()) return fail(EINVAL, fmt::format("{}: option '{}' requires an argument", command, a));
        value = argv[++i];
      }
      cl.options[std::string(s->long_name)].push_back(value.value_or(""));
      continue;
    }
    for (std::size_t k = 1; k < a.size(); ++k) {
      const OptionSpec* s = by_short(a[k]);
      if (!s) return fail(EINVAL, fmt::format("{}: invalid option -- '{}'", command, a[k]));
      if (!s->takes_value) {
        cl.options[std::string(s->long_name)].push_back("");
        continue;
      }
      std::string value;
      if (k + 1 < a.size()) {
        value = a.substr(k + 1);
      } else if (i + 1 < argv.size()) {
        value = argv[++i];
      } else {
        return fail(EINVAL, fmt::format("{}: option requires an argument -- '{}'", command, a[k]));
      }
      cl.options[std::string(s->long_name)].push_back(value);
      break;
    }
  }
  return cl;
}

}  // namespace udm::lvm::api

// ------------------------------------------------------------------ help text

namespace udm::lvm::api {
namespace {

struct CommandDoc {
  std::string_view description;
  std::string_view required;  // positional arguments that must be given ("VG_new PV ...")
  std::string_view optional;  // positional arguments that may be given ("VG|LV|Tag ...")
};

const std::map<std::string_view, CommandDoc>& docs() {
  static const std::map<std::string_view, CommandDoc> d = {
      {"pvcreate", {"Initialize physical volume(s) for use by LVM", "PV ...", ""}},
      {"pvremove", {"Remove LVM label(s) from physical volume(s)", "PV ...", ""}},
      {"pvresize", {"Resize physical volume(s)", "PV ...", ""}},
      {"pvs", {"Display information about physical volumes", "", "PV|Tag ..."}},
      {"pvdisplay", {"Display various attributes of physical volume(s)", "", "PV|Tag ..."}},
      {"pvscan", {"List all physical volumes", "", ""}},
      {"pvmove", {"Move extents from one physical volume to another", "", "PV [PV ...]"}},
      {"vgcreate", {"Create a volume group", "VG_new PV ...", ""}},
      {"vgextend", {"Add physical volumes to a volume group", "VG PV ...", ""}},
      {"vgreduce", {"Remove physical volume(s) from a volume group", "VG", "PV ..."}},
      {"vgremove", {"Remove volume group(s)", "VG|Tag|Select ...", ""}},
      {"vgrename", {"Rename a volume group", "VG VG_new", ""}},
      {"vgs", {"Display information about volume groups", "", "VG|Tag ..."}},
      {"vgdisplay", {"Display volume group information", "", "VG|Tag ..."}},
      {"vgchange", {"Change volume group attributes", "", "VG|Tag|Select ..."}},
      {"vgck", {"Check the consistency of volume group(s)", "", "VG|Tag ..."}},
      {"vgcfgbackup", {"Backup volume group configuration(s)", "", "VG ..."}},
      {"vgcfgrestore", {"Restore volume group configuration", "VG", ""}},
      {"vgscan", {"Search for all volume groups", "", ""}},
      {"lvcreate", {"Create a logical volume", "VG", "PV ..."}},
      {"lvextend", {"Add space to a logical volume", "LV", "PV ..."}},
      {"lvreduce", {"Reduce the size of a logical volume", "LV", ""}},
      {"lvresize", {"Resize a logical volume", "LV", "PV ..."}},
      {"lvremove", {"Remove logical volume(s) from the system", "VG|LV|Tag|Select ...", ""}},
      {"lvrename", {"Rename a logical volume", "VG LV LV_new", ""}},
      {"lvs", {"Display information about logical volumes", "", "VG|LV|Tag ..."}},
      {"lvdisplay", {"Display information about a logical volume", "", "VG|LV|Tag ..."}},
      {"lvchange", {"Change the attributes of logical volume(s)", "VG|LV|Tag|Select ...", ""}},
      {"lvscan", {"List all logical volumes in all volume groups", "", ""}},
      {"help", {"Display help for commands", "", ""}},
      {"version", {"Display software and driver version information", "", ""}},
      {"pvck", {"Check metadata on physical volumes", "", "PV ..."}},
      {"pvchange", {"Change attributes of physical volume(s)", "", "PV ..."}},
      {"vgsplit", {"Move physical volumes into a new or existing volume group", "VG VG_new", "PV ..."}},
      {"vgmerge", {"Merge volume groups", "VG VG", ""}},
      {"vgexport", {"Unregister volume group(s) from the system", "", "VG|Tag|Select ..."}},
      {"vgimport", {"Register exported volume group with system", "", "VG|Tag|Select ..."}},
      {"vgimportclone", {"Import a VG from cloned PVs", "PV ...", ""}},
      {"fullreport", {"Display full report", "", "VG ..."}},
      {"vgmknodes", {"Create the special files for volume group devices in /dev", "", "VG|LV|Tag ..."}},
      {"lvmdiskscan", {"List devices that may be used as physical volumes", "", ""}},
      {"segtypes", {"List available segment types", "", ""}},
      {"formats", {"List available metadata formats", "", ""}},
      {"tags", {"List tags defined on this host", "", ""}},
      {"lvmconfig", {"Display and manipulate configuration information", "", "String ..."}},
      {"dumpconfig", {"Display and manipulate configuration information", "", "String ..."}},
      {"config", {"Display and manipulate configuration information", "", "String ..."}},
      {"vgmap", {"Draw the extent map of volume group(s)", "VG ...", ""}},
  };
  return d;
}

// The value placeholder lvm's usage shows for an option.
std::string_view value_name(std::string_view long_name) {
  static const std::map<std::string_view, std::string_view> v = {
      {"size", "Size[m|UNIT]"},
      {"virtualsize", "Size[m|UNIT]"},
      {"extents", "Number[PERCENT]"},
      {"stripes", "Number"},
      {"mirrors", "Number"},
      {"stripesize", "Size[k|UNIT]"},
      {"regionsize", "Size[m|UNIT]"},
      {"mirrorlog", "core|disk"},
      {"interval", "Number"},
      {"syncaction", "check|repair"},
      {"rebuild", "PV"},
      {"maxrecoveryrate", "Size[k|UNIT]"},
      {"minrecoveryrate", "Size[k|UNIT]"},
      {"physicalextentsize", "Size[m|UNIT]"},
      {"metadatasize", "Size[m|UNIT]"},
      {"dataalignment", "Size[k|UNIT]"},
      {"setphysicalvolumesize", "Size[m|UNIT]"},
      {"activate", "y|n|ay"},
      {"zero", "y|n"},
      {"wipesignatures", "y|n"},
      {"autobackup", "y|n"},
      {"contiguous", "y|n"},
      {"setactivationskip", "y|n"},
      {"driverloaded", "y|n"},
      {"permission", "rw|r"},
      {"alloc", "contiguous|cling|cling_by_tags|normal|anywhere|inherit"},
      {"type", "SegType"},
      {"units", "[Number]r|R|h|H|b|B|s|S|k|K|m|M|g|G|t|T|p|P|e|E"},
      {"reportformat", "basic|json"},
      {"maxlogicalvolumes", "Number"},
      {"maxphysicalvolumes", "Number"},
      {"pvmetadatacopies", "0|1|2"},
      {"metadatacopies", "all|unmanaged|Number"},
      {"vgmetadatacopies", "all|unmanaged|Number"},
      {"metadatatype", "lvm2"},
      {"labelsector", "Number"},
      {"readahead", "auto|none|Number"},
      {"devices", "PV"},
      {"file", "String"},
      {"svg", "File"},
      {"color", "auto|always|never"},
  };
  auto it = v.find(long_name);
  return it == v.end() ? std::string_view("String") : it->second;
}

std::string option_line(const OptionSpec& s) {
  std::string names = s.short_name ? fmt::format("-{}|--{}", s.short_name, s.long_name)
                                   : fmt::format("   --{}", s.long_name);
  if (s.takes_value) return fmt::format("\t[ {} {} ]\n", names, value_name(s.long_name));
  return fmt::format("\t[ {} ]\n", names);
}

bool is_common(const OptionSpec& s) {
  for (const auto& c : COMMON)
    if (c.long_name == s.long_name) return true;
  return false;
}

// One entry per long name, those with a short letter first (as lvm lists them).
std::vector<OptionSpec> listed(const std::vector<OptionSpec>& specs) {
  std::vector<OptionSpec> out;
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& s : specs) {
      if ((s.short_name != 0) != (pass == 0)) continue;
      bool seen = false;
      for (const auto& o : out) seen = seen || o.long_name == s.long_name;
      if (!seen) out.push_back(s);
    }
  return out;
}

}  // namespace

std::string_view command_description(std::string_view command) {
  auto it = docs().find(command);
  return it == docs().end() ? std::string_view{} : it->second.description;
}

std::string command_usage(std::string_view command) {
  const auto* specs = command_options(command);
  auto doc = docs().find(command);
  if (!specs || doc == docs().end()) return "";
  std::string out = fmt::format("  {} - {}\n\n  {}", command, doc->second.description, command);
  if (!doc->second.required.empty()) out += fmt::format(" {}", doc->second.required);
  out += "\n";
  std::vector<OptionSpec> own;
  for (const auto& s : *specs)
    if (!is_common(s)) own.push_back(s);
  for (const auto& s : listed(own)) out += option_line(s);
  out += "\t[ COMMON_OPTIONS ]\n";
  if (!doc->second.optional.empty()) out += fmt::format("\t[ {} ]\n", doc->second.optional);
  out += "\n  Common options for lvm:\n";
  for (const auto& s : listed(COMMON)) out += option_line(s);
  out += "\n";
  return out;
}

std::string commands_help(const std::vector<std::string_view>& names, std::string_view program) {
  std::string out = fmt::format("  Available lvm commands:\n  Use '{} help <command>' for more information\n   \n", program);
  std::vector<std::string_view> all = names;
  for (std::string_view extra : {"help", "version"})
    if (std::find(all.begin(), all.end(), extra) == all.end()) all.push_back(extra);
  std::sort(all.begin(), all.end());
  for (auto n : all) out += fmt::format("  {:<15} {}\n", n, command_description(n));
  return out;
}

}  // namespace udm::lvm::api
