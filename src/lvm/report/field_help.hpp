// lvm2 2.03.16's catalogue of report fields: the sections, names,
// descriptions and value types that `-o help`, `-S help` and an unknown field
// print, and the value type selection (-S) compares a field as.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace udm::lvm::report {

struct FieldHelp {
  std::string_view name;
  std::string_view description;
  std::string_view type;  // "string", "string list", "number", "size", "percent", "time", "unselectable number"
};

struct FieldSection {
  std::string_view title;       // "Logical Volume Fields"
  std::string_view all_prefix;  // "lv" for lv_all; empty for the special fields
  std::span<const FieldHelp> fields;
};

std::span<const FieldSection> field_sections();
const FieldHelp* find_field_help(std::string_view name);
// The section of a field ("lv_all" names every field of its section).
const FieldSection* find_field_section_all(std::string_view all_name);

// Fields lvm2 shows as a word when set ("fixed minor", "allocatable") and as
// 1/0 with --binary or report/binary_values_as_numeric.
bool is_binary_field(std::string_view name);

// The field list as lvm2 prints it, each line without lvm's two-space
// indent: with "X_all" lines (-o help) or with "[type]" after each
// description (-S help, unknown selection field).
std::string fields_help_text(bool with_types);
// What -S help prints after the field list: operands, reserved values, operators.
std::string_view selection_help_tail();

}  // namespace udm::lvm::report
