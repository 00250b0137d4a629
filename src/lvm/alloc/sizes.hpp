// Size and extent arguments of lvm's commands, and the rounding lvm applies
// (with the messages it prints).
//   -L/--size  "10", "10m", "1.5G", "+4m", "-1g": binary units k m g t p e
//              (either case), b bytes, s sectors; default unit m.
//   -l/--extents "10", "+2", "50%FREE", "100%VG", "20%PVS", "10%ORIGIN".
//   vgcreate -s: a power of 2 of at least 1 KiB, or a multiple of 128 KiB.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "lvm/metadata/model.hpp"

namespace udm::lvm::alloc {

enum class Sign : char { none = 0, plus = '+', minus = '-' };

struct SizeArg {
  Sign sign = Sign::none;
  sector_t sectors = 0;  // rounded up to whole sectors
};
// `default_unit` is lvm's: 'm' for -L, 'k' for --stripesize.
Result<SizeArg> parse_size(std::string_view text, char default_unit = 'm');

enum class Percent : std::uint8_t { none, free, vg, pvs, origin };
struct ExtentsArg {
  Sign sign = Sign::none;
  std::uint64_t value = 0;  // extents, or a percentage with `percent`
  Percent percent = Percent::none;
};
Result<ExtentsArg> parse_extents(std::string_view text);

// Validates vgcreate -s (sectors). Errors name the value.
Result<void> check_extent_size(sector_t sectors);

// Extents for a percentage of the VG: `free` and `pvs` count only `pv_names`
// when given. Rounded down as lvm does, at least 1 when the percentage > 0.
extent_t percent_extents(const VolumeGroup& vg, Percent p, std::uint64_t percent,
                         const std::vector<std::string>& pv_names = {});

// Human size for messages, as lvm prints in them: "12.00 MiB".
std::string message_size(sector_t sectors);

// Rounds `sectors` up to whole extents; when it changed, `note` gets lvm's
// "Rounding up size to full physical extent 12.00 MiB".
extent_t round_to_extents(sector_t sectors, sector_t extent_size, std::string* note);
// Rounds up to a multiple of `stripes`; when it changed, `note` gets
// "Rounding size 12.00 MiB (3 extents) up to stripe boundary size 16.00 MiB (4 extents)."
extent_t round_to_stripes(extent_t extents, unsigned stripes, sector_t extent_size, std::string* note);

}  // namespace udm::lvm::alloc
