// The on-disk metadata of a dm-raid set, as Linux's dm-raid writes it on each
// leg's metadata device: sector 0 holds the dm-raid superblock (one 4 KiB
// page, little-endian, magic "DmRd"), 4 KiB further the MD write-intent
// bitmap superblock (256 bytes, magic "bitm", version 4), then the bitmap:
// one bit per region, little-endian bit order, a set bit meaning "writes may
// have reached some legs but not all: resync this region after a crash".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/result.hpp"

namespace udm::raid {

inline constexpr std::uint32_t SB_MAGIC = 0x64526D44;      // "DmRd" as little-endian bytes 44 6d 52 64
inline constexpr std::uint32_t BITMAP_MAGIC = 0x6d746962;  // "bitm"
inline constexpr std::uint32_t BITMAP_VERSION = 4;         // MD's BITMAP_MAJOR_HI: little-endian bits
inline constexpr std::uint32_t FEATURE_SUPPORTS_V190 = 0x1;  // compat_features: the extended fields exist
inline constexpr std::uint64_t MAX_SECTOR = ~std::uint64_t{0};  // MD's MaxSector: "done"/"in sync"
inline constexpr std::size_t SB_BYTES = 4096;           // the superblock page
inline constexpr std::size_t SB_STRUCT_BYTES = 148;     // the fields below; the rest of the page is zero
inline constexpr std::size_t BITMAP_OFFSET = 4096;      // bitmap superblock, from the metadata device start
inline constexpr std::size_t BITMAP_SB_BYTES = 256;     // bitmap superblock; the bits follow it
inline constexpr std::size_t BITS_OFFSET = BITMAP_OFFSET + BITMAP_SB_BYTES;
inline constexpr std::size_t HEAD_BYTES = BITMAP_OFFSET + 512;  // both superblocks, in whole sectors
inline constexpr unsigned MAX_DEVICES = 253;
inline constexpr unsigned FAILED_WORDS = 4;  // 256 bits of failed devices: one word + 3 extended

// struct dm_raid_superblock (1.9.0 layout), field by field.
struct Superblock {
  std::uint32_t magic = SB_MAGIC;
  std::uint32_t compat_features = FEATURE_SUPPORTS_V190;
  std::uint32_t num_devices = 0;
  std::uint32_t array_position = 0;
  std::uint64_t events = 0;
  std::array<std::uint64_t, FAILED_WORDS> failed{};  // failed_devices + extended_failed_devices[3]
  std::uint64_t disk_recovery_offset = MAX_SECTOR;  // this leg's recovery progress
  std::uint64_t array_resync_offset = MAX_SECTOR;   // the set's resync progress
  std::uint32_t level = 0;
  std::uint32_t layout = 0;
  std::uint32_t stripe_sectors = 0;
  // 1.9.0 extensions
  std::uint32_t flags = 0;
  std::uint64_t reshape_position = MAX_SECTOR;
  std::uint32_t new_level = 0;
  std::uint32_t new_layout = 0;
  std::uint32_t new_stripe_sectors = 0;
  std::int32_t delta_disks = 0;
  std::uint64_t array_sectors = 0;
  std::uint64_t data_offset = 0;
  std::uint64_t new_data_offset = 0;
  std::uint64_t sectors = 0;  // used size of each data device
  std::uint32_t incompat_features = 0;

  bool failed_bit(unsigned i) const { return i < 64 * FAILED_WORDS && (failed[i / 64] >> (i % 64)) & 1; }
  void set_failed(unsigned i, bool on) {
    if (i >= 64 * FAILED_WORDS) return;
    if (on) failed[i / 64] |= std::uint64_t{1} << (i % 64);
    else failed[i / 64] &= ~(std::uint64_t{1} << (i % 64));
  }
  bool operator==(const Superblock&) const = default;
};

// bitmap_super_t.
struct BitmapSuper {
  std::uint32_t magic = BITMAP_MAGIC;
  std::uint32_t version = BITMAP_VERSION;
  std::array<std::uint8_t, 16> uuid{};
  std::uint64_t events = 0;
  std::uint64_t events_cleared = 0;
  std::uint64_t sync_size = 0;  // sectors covered by the bitmap
  std::uint32_t state = 0;
  std::uint32_t chunksize = 0;  // bytes per bit (the region size)
  std::uint32_t daemon_sleep = 0;  // seconds
  std::uint32_t write_behind = 0;
  std::uint32_t sectors_reserved = 0;
  std::uint32_t nodes = 0;
  bool operator==(const BitmapSuper&) const = default;
};

inline constexpr std::uint32_t BITMAP_STATE_STALE = 1u << 1;  // MD's BITMAP_STALE bit (1)

// What sector 0 of a metadata device holds.
enum class SbKind { blank, valid };

// Decodes a superblock page (at least SB_STRUCT_BYTES). An all-zero page is
// `blank` (a new metadata device); a wrong magic or impossible fields are
// errors naming the field, so a foreign device is refused, never overwritten.
Result<SbKind> decode_superblock(std::span<const std::byte> page, Superblock& out);
// The full 4 KiB page.
void encode_superblock(const Superblock& sb, std::span<std::byte, SB_BYTES> page);

// Decodes the bitmap superblock (at least BITMAP_SB_BYTES): blank when all
// zero, an error for a wrong magic or version, a zero or non-power-of-two
// chunk size.
Result<SbKind> decode_bitmap_super(std::span<const std::byte> bytes, BitmapSuper& out);
void encode_bitmap_super(const BitmapSuper& sb, std::span<std::byte, BITMAP_SB_BYTES> bytes);

// Bits of the bitmap, as bytes after the bitmap superblock.
inline bool bitmap_test(std::span<const std::uint8_t> bits, std::uint64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }
inline void bitmap_set(std::span<std::uint8_t> bits, std::uint64_t i, bool on) {
  if (on) bits[i >> 3] = static_cast<std::uint8_t>(bits[i >> 3] | (1u << (i & 7)));
  else bits[i >> 3] = static_cast<std::uint8_t>(bits[i >> 3] & ~(1u << (i & 7)));
}
inline std::uint64_t bitmap_bytes(std::uint64_t regions) { return (regions + 7) / 8; }

}  // namespace udm::raid
