// dmstats' region groups: libdevmapper keeps a group in the aux_data of its
// lowest region (the leader) as "DMS_GROUP=<alias>:<members>#<user data>",
// members a list such as "0-1" or "1,3-4". Tools that read it (dmstats,
// udmstats) show members under the group's id and alias; the driver only
// stores the string.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace udm::udmsetup {

inline constexpr std::string_view STATS_GROUP_TAG = "DMS_GROUP=";

struct StatsGroupTag {
  std::string alias;                  // empty: none
  std::vector<std::uint64_t> members; // ascending, no duplicates
  std::string user_data;              // what follows '#' ("-" read as empty)
};

// dm_bitset_parse_list: "N" and "N-M" items separated by commas. Members above
// `max_id` are refused (a list may not make a reader allocate without bound).
Result<std::vector<std::uint64_t>> parse_region_list(std::string_view text, std::uint64_t max_id = 1u << 20);

// "0-1", "1,3-4": ascending ids with runs of two or more written as ranges.
std::string format_region_list(const std::vector<std::uint64_t>& members);

// The tag in a region's aux_data: nullopt without one, an error when it is
// malformed (no ':' after the alias, a bad member list).
Result<std::optional<StatsGroupTag>> parse_group_tag(std::string_view aux_data);

// The aux_data a leader carries: tag, '#', the user data or "-".
std::string format_group_tag(const StatsGroupTag& tag);

}  // namespace udm::udmsetup
