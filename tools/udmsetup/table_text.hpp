// Table text for udmsetup's --table, files and stdin, through the one parser
// of dmsetup's syntax (base/table_text.hpp).
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
