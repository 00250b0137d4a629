// The checksum of LVM2's label, mda_header and metadata text: reflected
// CRC-32 (polynomial 0xEDB88320, zlib's table) started at 0xF597A6CF, with no
// final XOR (LVM2-FORMAT.md §2). Feed pieces in order to checksum joined data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace udm::lvm::format {

inline constexpr std::uint32_t LVM_CRC_INITIAL = 0xF597A6CF;

std::uint32_t lvm_crc(std::span<const std::byte> data, std::uint32_t crc = LVM_CRC_INITIAL);
std::uint32_t lvm_crc(std::string_view data, std::uint32_t crc = LVM_CRC_INITIAL);

}  // namespace udm::lvm::format
