#include "raid/raid_type.hpp"

#include <array>

namespace udm::raid {
namespace {

constexpr std::array<RaidType, 19> TYPES{{
    {"raid0", 0, 2, 0, 0},
    {"raid1", 0, 2, 1, 0},
    {"raid10", 0, 2, 10, 0x102},  // near, 2 copies (raid10_copies changes the low byte)
    {"raid4", 1, 2, 4, PARITY_N},
    {"raid5_n", 1, 2, 5, PARITY_N},
    {"raid5_la", 1, 2, 5, LEFT_ASYMMETRIC},
    {"raid5_ra", 1, 2, 5, RIGHT_ASYMMETRIC},
    {"raid5_ls", 1, 2, 5, LEFT_SYMMETRIC},
    {"raid5_rs", 1, 2, 5, RIGHT_SYMMETRIC},
    {"raid6_zr", 2, 4, 6, ROTATING_ZERO_RESTART},
    {"raid6_nr", 2, 4, 6, ROTATING_N_RESTART},
    {"raid6_nc", 2, 4, 6, ROTATING_N_CONTINUE},
    {"raid6_n_6", 2, 4, 6, PARITY_N},
    {"raid6_la_6", 2, 4, 6, LEFT_ASYMMETRIC_6},
    {"raid6_ra_6", 2, 4, 6, RIGHT_ASYMMETRIC_6},
    {"raid6_ls_6", 2, 4, 6, LEFT_SYMMETRIC_6},
    {"raid6_rs_6", 2, 4, 6, RIGHT_SYMMETRIC_6},
    {"raid5_0", 1, 2, 5, PARITY_0},  // not a dm-raid name; kept for superblock lookups only
    {"raid6_0_6", 2, 4, 6, PARITY_0_6},
}};

}  // namespace

const RaidType* find_raid_type(std::string_view name) {
  for (const auto& t : TYPES)
    if (t.name == name && t.name != "raid5_0" && t.name != "raid6_0_6") return &t;
  return nullptr;
}

const RaidType* find_raid_type(std::uint32_t level, std::uint32_t layout) {
  for (const auto& t : TYPES) {
    if (t.level != level) continue;
    if (level == 10 || level == 0 || level == 1 || t.layout == layout) return &t;
  }
  return nullptr;
}

}  // namespace udm::raid
