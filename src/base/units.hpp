// Sizes on the block layer. Device-mapper counts in 512-byte sectors; byte
// counts are used where the outside world does (NBD, FUSE, files).
#pragma once

#include <cstdint>

namespace udm {

using sector_t = std::uint64_t;    // a count or index of 512-byte sectors
using byte_count = std::uint64_t;  // a count or offset in bytes

inline constexpr unsigned SECTOR_SHIFT = 9;
inline constexpr byte_count SECTOR_SIZE = 512;

constexpr byte_count sectors_to_bytes(sector_t s) { return s << SECTOR_SHIFT; }
constexpr sector_t bytes_to_sectors(byte_count b) { return b >> SECTOR_SHIFT; }

// 2^63 bytes is the largest device the kernel (and so dm) can describe.
inline constexpr sector_t MAX_DEVICE_SECTORS = (std::uint64_t{1} << 63) >> SECTOR_SHIFT;

}  // namespace udm
