// Readers and builders of the keys a segment type keeps in Segment::unknown
// (lvm2's per-type keys: "region_size", "thin_pool", ...). Errors name the
// segment's type and the key: "raid1 segment: region_size must be a number".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::lvm::segtypes {

const ConfigNode* find_key(const Segment& seg, std::string_view key);
// Absent: nullopt; present but not a non-negative integer: an error.
Result<std::optional<std::uint64_t>> opt_num(const Segment& seg, std::string_view key);
Result<std::uint64_t> num_key(const Segment& seg, std::string_view key);
Result<std::string> str_key(const Segment& seg, std::string_view key);
Result<std::optional<std::string>> opt_str_key(const Segment& seg, std::string_view key);

ConfigNode num_node(std::string key, std::int64_t v);
ConfigNode str_node(std::string key, std::string v);

}  // namespace udm::lvm::segtypes
