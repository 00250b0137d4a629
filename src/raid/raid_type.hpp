// The raid types a dm-raid table names, with the MD level and layout they
// stand for (what the superblock records) and their device minimums.
#pragma once

#include <cstdint>
#include <string_view>

namespace udm::raid {

// MD's layout numbers (raid5.h "ALGORITHM_*").
enum Algorithm : std::uint32_t {
  LEFT_ASYMMETRIC = 0,
  RIGHT_ASYMMETRIC = 1,
  LEFT_SYMMETRIC = 2,
  RIGHT_SYMMETRIC = 3,
  PARITY_0 = 4,
  PARITY_N = 5,
  ROTATING_ZERO_RESTART = 8,
  ROTATING_N_RESTART = 9,
  ROTATING_N_CONTINUE = 10,
  LEFT_ASYMMETRIC_6 = 16,
  RIGHT_ASYMMETRIC_6 = 17,
  LEFT_SYMMETRIC_6 = 18,
  RIGHT_SYMMETRIC_6 = 19,
  PARITY_0_6 = 20,
};

struct RaidType {
  std::string_view name;
  unsigned parity_devs;  // 0, 1 (raid4/5) or 2 (raid6); raid1/raid10 copies are not parity
  unsigned min_devs;
  std::uint32_t level;
  std::uint32_t layout;  // raid10: near copies in the low byte, far copies << 8
};

// The type named `name` (case as the kernel: exact), or null.
const RaidType* find_raid_type(std::string_view name);
// The type a superblock's (level, layout) describes, or null.
const RaidType* find_raid_type(std::uint32_t level, std::uint32_t layout);

}  // namespace udm::raid
