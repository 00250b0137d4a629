// lvm-style command lines: "-L 10M", "-L10M", "--size 10M", "--size=10M",
// flags "-y", option values glued to short options ("-ay", "-i2"). Which short
// letters take a value depends on the command (lvs -a is --all, vgchange -a is
// --activate), so each command declares its options.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace udm::lvm::api {

struct OptionSpec {
  char short_name;         // 0 = none
  std::string_view long_name;  // without "--"
  bool takes_value;
};

struct CommandLine {
  std::string command;  // "lvcreate"
  std::map<std::string, std::vector<std::string>> options;  // by long name, in order
  std::vector<std::string> args;                            // positional
  std::string text;  // the whole command line, for metadata descriptions

  bool has(std::string_view name) const { return options.count(std::string(name)) != 0; }
  std::optional<std::string> get(std::string_view name) const {
    auto it = options.find(std::string(name));
    if (it == options.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
  }
  std::vector<std::string> all(std::string_view name) const {
    auto it = options.find(std::string(name));
    return it == options.end() ? std::vector<std::string>{} : it->second;
  }
};

// The options `command` accepts (common ones included); empty when unknown.
const std::vector<OptionSpec>* command_options(std::string_view command);

// Parses argv (without the command word). Error messages follow lvm:
// "lvcreate: unrecognized option '--foo'".
Result<CommandLine> parse_command_line(std::string_view command, const std::vector<std::string>& argv);

// lvm's one-line description of `command` ("Create a logical volume"); empty
// when unknown.
std::string_view command_description(std::string_view command);

// `command --help` in lvm2's shape, generated from the option table: the
// description, the command with its positional arguments, one
// "\t[ -x|--long Value ]" line per option, then lvm's common options.
// Empty when the command is unknown.
std::string command_usage(std::string_view command);

// `lvm help`: every command in `names` with its description, as lvm lists them.
// `program` names the tool in "Use 'lvm help <command>' ...".
std::string commands_help(const std::vector<std::string_view>& names, std::string_view program);

}  // namespace udm::lvm::api
