// Table lines as text: parsing dmsetup table syntax, and the kernel's
// parameter splitting.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "base/units.hpp"

namespace udm::core {

struct TableLine {
  sector_t start = 0;
  sector_t length = 0;
  std::string type;
  std::string params;  // as given, unsplit
  unsigned line_no = 0;  // 1-based line in the source, for messages
};

// dmsetup's table syntax: one target a line, blank lines and lines starting
// with '#' ignored, '#' elsewhere starts a comment. "Invalid format on line N
// of table SOURCE." for lines with fewer than three fields.
Result<std::vector<TableLine>> parse_table_text(std::string_view text, std::string_view source);

// The kernel's dm_split_args: whitespace separates, a backslash makes the
// next character literal.
std::vector<std::string> split_params(std::string_view params);

}  // namespace udm::core
