// Size display as lvm(8) --units does it: h/H (human, 1024/1000 based), r/R
// (human with a '<' mark where the shown value was rounded up; lvm 2.03's
// default), b/B bytes, s/S sectors, k..e (1024) and K..E (1000), and a custom
// unit "4m" shown with the suffix 'U'.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "base/units.hpp"

namespace udm::lvm::report {

struct Units {
  char type = 'r';          // one of hHrRbBsS kmgtpe KMGTPE, or 'U' for a custom multiple
  std::uint64_t factor = 0;  // bytes per unit for 'U'
  bool suffix = true;        // false with --nosuffix
};

// Parses an lvm --units argument ("h", "R", "s", "k", "4m"...).
Result<Units> parse_units(std::string_view text);

// `sectors` shown in the given units, exactly as lvm prints it.
std::string format_size(sector_t sectors, const Units& units);

}  // namespace udm::lvm::report
