// Block checksums as dm-block-manager computes them: crc32c seeded with ~0,
// without the final inversion, xor a per-block-type salt.
#pragma once

#include <cstddef>
#include <cstdint>

namespace udm::pd {

// Raw CRC-32C update (Castagnoli), no pre/post inversion: the kernel's crc32c().
uint32_t crc32c_update(uint32_t crc, const uint8_t* data, size_t len);

inline uint32_t dm_checksum(const uint8_t* data, size_t len, uint32_t salt) {
  return crc32c_update(0xffffffffu, data, len) ^ salt;
}

inline constexpr uint32_t kSuperblockCsumXor = 160774;
inline constexpr uint32_t kBtreeCsumXor = 121107;
inline constexpr uint32_t kBitmapCsumXor = 240779;
inline constexpr uint32_t kIndexCsumXor = 160478;

}  // namespace udm::pd
