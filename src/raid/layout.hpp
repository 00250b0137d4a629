// Where MD puts things: the stripe layouts of raid4/5/6 (raid5.c's
// compute_sector), raid10's near copies (raid10.c's find_phys), and the
// parity arithmetic: XOR for P, the RAID-6 Q syndrome over GF(2^8)
// (polynomial 0x11d, generator 2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/units.hpp"

namespace udm::raid {

// One chunk of a parity set: which device holds it and where.
struct StripeMap {
  std::uint64_t stripe = 0;    // row number: the device sector is stripe * chunk + offset
  sector_t dev_sector = 0;     // on every device of the row (data offset not added)
  unsigned data_disk = 0;      // the device holding the chunk
  unsigned p_disk = 0;         // parity
  int q_disk = -1;             // raid6's Q, else -1
};

// For array sector `sector` of a raid4/5/6 set of `disks` devices.
StripeMap map_parity(std::uint32_t level, std::uint32_t layout, unsigned disks, sector_t chunk, sector_t sector);

// The row's layout only (p/q disks) for stripe `stripe`.
StripeMap row_parity(std::uint32_t level, std::uint32_t layout, unsigned disks, std::uint64_t stripe);

// Device index -> data slot (0..data_disks-1) of a row, -1 for P and Q: the
// position the device's chunk has in the array (and its Q coefficient).
std::vector<int> data_slots(std::uint32_t level, std::uint32_t layout, unsigned disks, std::uint64_t stripe);

// raid6's Q coefficient exponent for data device `disk` of `row`.
unsigned q_exponent(std::uint32_t layout, unsigned disks, const StripeMap& row, unsigned disk);

// raid10 near layout: the copies of array sector `sector`.
struct Copy {
  unsigned disk;
  sector_t dev_sector;
};
std::vector<Copy> map_raid10(unsigned disks, unsigned near_copies, sector_t chunk, sector_t sector);

// GF(2^8).
std::uint8_t gf_mul(std::uint8_t a, std::uint8_t b);
std::uint8_t gf_pow2(unsigned e);  // 2^e
std::uint8_t gf_inv(std::uint8_t a);
// dst ^= src
void xor_into(std::span<std::byte> dst, std::span<const std::byte> src);
// dst ^= c * src
void mul_xor_into(std::span<std::byte> dst, std::span<const std::byte> src, std::uint8_t c);

}  // namespace udm::raid
