// Parser for LVM text metadata in libdm config syntax (LVM2-FORMAT.md §8):
//   file    := item*
//   item    := name '=' value | name '{' item* '}'
//   value   := scalar | '[' [scalar (',' scalar)*] ']'
//   scalar  := integer (strtoll base 0) | float | "string" (\" and \\ escapes)
//            | 'string' (no escapes) | bare word
// '#' starts a comment to the end of the line; a comment on the same line as a
// `key = value` is kept in ConfigNode::comment. Errors name byte and line.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"
#include "lvm/metadata/config_tree.hpp"

namespace udm::lvm::format {

Result<ConfigTree> parse_config(std::string_view text);

// Quote a string for output: "..." with \" and \\ escaped.
std::string quote_config_string(std::string_view s);

}  // namespace udm::lvm::format
