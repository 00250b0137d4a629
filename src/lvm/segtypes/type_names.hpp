// The `type = "..."` words of segments udm gives a handler, as LVM2 spells
// them in metadata and in `--type`. Only src/lvm/segtypes and the model's
// defaults use them; everything else asks the handler (segment_type.hpp).
#pragma once

#include <string_view>

namespace udm::lvm::segtypes {

inline constexpr std::string_view STRIPED = "striped";  // linear LVs are striped with one area in metadata
inline constexpr std::string_view LINEAR = "linear";    // lvcreate --type and report name only
inline constexpr std::string_view ZERO = "zero";
inline constexpr std::string_view ERROR = "error";
inline constexpr std::string_view MIRROR = "mirror";
inline constexpr std::string_view SNAPSHOT = "snapshot";

}  // namespace udm::lvm::segtypes
