#include "lvm/api/cmdline.hpp"

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
                           {'C', "columns", false}, {'a', "all", false}}})},
      {"pvresize", with({{{0, "setphysicalvolumesize", true}, {'y', "yes", false}}})},
      {"vgcreate", with({{{'s', "physicalextentsize", true}, {'f', "force", false}, {'y', "yes", false},
                          {'l', "maxlogicalvolumes", true}, {'p', "maxphysicalvolumes", true}, {0, "alloc", true},
                          {'A', "autobackup", true}, {0, "addtag", true}, {'Z', "zero", true},
                          {0, "vgmetadatacopies", true}, {0, "metadatacopies", true}, {'M', "metadatatype", true}}})},
      {"vgextend", with({{{'f', "force", false}, {'y', "yes", false}, {'A', "autobackup", true}, {'Z', "zero", true}}})},
      {"vgreduce", with({{{'a', "all", false}, {0, "removemissing", false}, {'f', "force", false}, {'A', "autobackup", true}}})},
      {"vgremove", with({{{'f', "force", false}, {'y', "yes", false}}})},
      {"vgrename", with({{{'A', "autobackup", true}}})},
      {"vgs", with({REPORT})},
      {"vgdisplay", with({{{'c', "colon", false}, {'s', "short", false}, {'v', "verbose", false}, {0, "units", true},
                           {'C', "columns", false}, {'A', "activevolumegroups", false}}})},
      {"vgchange", with({{{'a', "activate", true}, {'y', "yes", false}, {0, "addtag", true}, {0, "deltag", true},
                          {0, "alloc", true}, {'A', "autobackup", true}, {0, "ignoreactivationskip", false},
                          {'K', "ignoreactivationskip", false}}})},
      {"vgck", with({{{0, "updatemetadata", false}}})},
      {"vgcfgbackup", with({{{'f', "file", true}}})},
      {"vgcfgrestore", with({{{'f', "file", true}, {'l', "list", false}, {0, "force", false}, {'y', "yes", false}}})},
      {"lvcreate", with({{{'L', "size", true}, {'l', "extents", true}, {'n', "name", true}, {'i', "stripes", true},
                          {'I', "stripesize", true}, {0, "type", true}, {'a', "activate", true}, {'Z', "zero", true},
                          {'W', "wipesignatures", true}, {'y', "yes", false}, {0, "alloc", true}, {'C', "contiguous", true},
                          {'A', "autobackup", true}, {0, "addtag", true}, {'p', "permission", true},
                          {'r', "readahead", true}, {'s', "snapshot", false}, {'T', "thin", false},
                          {'m', "mirrors", true}, {'V', "virtualsize", true}, {'k', "setactivationskip", true},
                          {'K', "ignoreactivationskip", false}, {0, "thinpool", true}, {0, "poolmetadatasize", true},
                          {'c', "chunksize", true}, {0, "discards", true}, {0, "errorwhenfull", true},
                          {0, "poolmetadataspare", true}}})},
      {"lvconvert", with({{{0, "merge", false}, {'i', "interval", true}, {'b', "background", false},
                           {0, "type", true}, {0, "poolmetadata", true}, {'c', "chunksize", true}, {'Z', "zero", true},
                           {0, "discards", true}, {0, "errorwhenfull", true}, {'y', "yes", false}, {'f', "force", false},
                           {'A', "autobackup", true}}})},
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
                           {'C', "columns", false}}})},
      {"lvchange", with({{{'a', "activate", true}, {'y', "yes", false}, {0, "errorwhenfull", true}, {'p', "permission", true}, {0, "addtag", true},
                          {0, "deltag", true}, {0, "alloc", true}, {'A', "autobackup", true},
                          {'K', "ignoreactivationskip", false}}})},
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
