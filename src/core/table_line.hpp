// Table lines as text: dmsetup's table syntax, and the kernel's parameter
// splitting.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "base/table_text.hpp"
#include "base/units.hpp"

namespace udm::core {

// Table text is parsed by the one parser of dmsetup's syntax (base/table_text.hpp),
// shared with udmsetup: "Invalid format on line N of table SOURCE." for
// lines with fewer than three fields.
using TableLine = udm::TableTextLine;
using udm::parse_table_text;

// The kernel's dm_split_args: whitespace separates, a backslash makes the
// next character literal.
std::vector<std::string> split_params(std::string_view params);

}  // namespace udm::core
