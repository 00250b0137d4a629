// dmsetup's table syntax (_parse_line): one target per line, `start length
// type params...`; blank lines and lines starting with '#' are skipped, a '#'
// in the parameters starts a comment, no line continuation.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <udm/client.hpp>

#include "base/result.hpp"

namespace udm::udmsetup {

// `source` names the table in messages the way dmsetup does: "" for --table
// ("Invalid format on line 1 of table ."), "on stdin", or the file name.
Result<std::vector<client::TableLine>> parse_table(std::string_view text, std::string_view source);

}  // namespace udm::udmsetup
