#include "raid/superblock.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace udm::raid {
namespace {

// Little-endian field access at byte offsets of the kernel's packed structs.
template <class T>
T get(std::span<const std::byte> b, std::size_t off) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<T>(std::to_integer<std::uint8_t>(b[off + i])) << (8 * i));
  return v;
}
template <class T>
void put(std::span<std::byte> b, std::size_t off, T v) {
  using U = std::make_unsigned_t<T>;
  const U u = static_cast<U>(v);
  for (std::size_t i = 0; i < sizeof(T); ++i) b[off + i] = static_cast<std::byte>((u >> (8 * i)) & 0xff);
}

bool all_zero(std::span<const std::byte> b) {
  return std::all_of(b.begin(), b.end(), [](std::byte x) { return x == std::byte{0}; });
}

std::string hex(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

bool known_level(std::uint32_t level) {
  return level == 0 || level == 1 || level == 4 || level == 5 || level == 6 || level == 10;
}

}  // namespace

Result<SbKind> decode_superblock(std::span<const std::byte> page, Superblock& out) {
  if (page.size() < SB_STRUCT_BYTES)
    return fail(EINVAL, "dm-raid superblock: " + std::to_string(page.size()) + " bytes, need " +
                            std::to_string(SB_STRUCT_BYTES));
  if (all_zero(page.first(SB_STRUCT_BYTES))) return SbKind::blank;
  Superblock sb;
  sb.magic = get<std::uint32_t>(page, 0);
  if (sb.magic != SB_MAGIC)
    return fail(EINVAL, "not a dm-raid superblock: magic " + hex(sb.magic) + ", expected " + hex(SB_MAGIC));
  sb.compat_features = get<std::uint32_t>(page, 4);
  sb.num_devices = get<std::uint32_t>(page, 8);
  sb.array_position = get<std::uint32_t>(page, 12);
  sb.events = get<std::uint64_t>(page, 16);
  sb.failed[0] = get<std::uint64_t>(page, 24);
  sb.disk_recovery_offset = get<std::uint64_t>(page, 32);
  sb.array_resync_offset = get<std::uint64_t>(page, 40);
  sb.level = get<std::uint32_t>(page, 48);
  sb.layout = get<std::uint32_t>(page, 52);
  sb.stripe_sectors = get<std::uint32_t>(page, 56);
  if (sb.compat_features & FEATURE_SUPPORTS_V190) {
    sb.flags = get<std::uint32_t>(page, 60);
    sb.reshape_position = get<std::uint64_t>(page, 64);
    sb.new_level = get<std::uint32_t>(page, 72);
    sb.new_layout = get<std::uint32_t>(page, 76);
    sb.new_stripe_sectors = get<std::uint32_t>(page, 80);
    sb.delta_disks = get<std::int32_t>(page, 84);
    sb.array_sectors = get<std::uint64_t>(page, 88);
    sb.data_offset = get<std::uint64_t>(page, 96);
    sb.new_data_offset = get<std::uint64_t>(page, 104);
    sb.sectors = get<std::uint64_t>(page, 112);
    for (unsigned i = 1; i < FAILED_WORDS; ++i) sb.failed[i] = get<std::uint64_t>(page, 120 + 8 * (i - 1));
    sb.incompat_features = get<std::uint32_t>(page, 144);
  } else {
    sb.reshape_position = MAX_SECTOR;
    sb.new_level = sb.level;
    sb.new_layout = sb.layout;
    sb.new_stripe_sectors = sb.stripe_sectors;
  }
  if (sb.num_devices == 0 || sb.num_devices > MAX_DEVICES)
    return fail(EINVAL, "dm-raid superblock: num_devices " + std::to_string(sb.num_devices) + " is not in 1.." +
                            std::to_string(MAX_DEVICES));
  if (sb.array_position >= sb.num_devices)
    return fail(EINVAL, "dm-raid superblock: array_position " + std::to_string(sb.array_position) +
                            " is not below num_devices " + std::to_string(sb.num_devices));
  if (!known_level(sb.level)) return fail(EINVAL, "dm-raid superblock: unknown raid level " + std::to_string(sb.level));
  if (sb.incompat_features)
    return fail(EINVAL, "dm-raid superblock: unsupported incompat_features " + hex(sb.incompat_features));
  out = sb;
  return SbKind::valid;
}

void encode_superblock(const Superblock& sb, std::span<std::byte, SB_BYTES> page) {
  std::fill(page.begin(), page.end(), std::byte{0});
  std::span<std::byte> p(page);
  put(p, 0, sb.magic);
  put(p, 4, sb.compat_features);
  put(p, 8, sb.num_devices);
  put(p, 12, sb.array_position);
  put(p, 16, sb.events);
  put(p, 24, sb.failed[0]);
  put(p, 32, sb.disk_recovery_offset);
  put(p, 40, sb.array_resync_offset);
  put(p, 48, sb.level);
  put(p, 52, sb.layout);
  put(p, 56, sb.stripe_sectors);
  if (!(sb.compat_features & FEATURE_SUPPORTS_V190)) return;
  put(p, 60, sb.flags);
  put(p, 64, sb.reshape_position);
  put(p, 72, sb.new_level);
  put(p, 76, sb.new_layout);
  put(p, 80, sb.new_stripe_sectors);
  put(p, 84, sb.delta_disks);
  put(p, 88, sb.array_sectors);
  put(p, 96, sb.data_offset);
  put(p, 104, sb.new_data_offset);
  put(p, 112, sb.sectors);
  for (unsigned i = 1; i < FAILED_WORDS; ++i) put(p, 120 + 8 * (i - 1), sb.failed[i]);
  put(p, 144, sb.incompat_features);
}

Result<SbKind> decode_bitmap_super(std::span<const std::byte> b, BitmapSuper& out) {
  if (b.size() < BITMAP_SB_BYTES)
    return fail(EINVAL, "bitmap superblock: " + std::to_string(b.size()) + " bytes, need " +
                            std::to_string(BITMAP_SB_BYTES));
  if (all_zero(b.first(BITMAP_SB_BYTES))) return SbKind::blank;
  BitmapSuper s;
  s.magic = get<std::uint32_t>(b, 0);
  if (s.magic != BITMAP_MAGIC)
    return fail(EINVAL, "not an MD bitmap superblock: magic " + hex(s.magic) + ", expected " + hex(BITMAP_MAGIC));
  s.version = get<std::uint32_t>(b, 4);
  // 3 is the host-endian variant: on little-endian hosts the same bits.
  if (s.version != 3 && s.version != 4)
    return fail(EINVAL, "MD bitmap superblock: unsupported version " + std::to_string(s.version));
  for (std::size_t i = 0; i < 16; ++i) s.uuid[i] = std::to_integer<std::uint8_t>(b[8 + i]);
  s.events = get<std::uint64_t>(b, 24);
  s.events_cleared = get<std::uint64_t>(b, 32);
  s.sync_size = get<std::uint64_t>(b, 40);
  s.state = get<std::uint32_t>(b, 48);
  s.chunksize = get<std::uint32_t>(b, 52);
  s.daemon_sleep = get<std::uint32_t>(b, 56);
  s.write_behind = get<std::uint32_t>(b, 60);
  s.sectors_reserved = get<std::uint32_t>(b, 64);
  s.nodes = get<std::uint32_t>(b, 68);
  if (s.chunksize < 512 || (s.chunksize & (s.chunksize - 1)))
    return fail(EINVAL, "MD bitmap superblock: chunksize " + std::to_string(s.chunksize) +
                            " is not a power of two of at least 512");
  out = s;
  return SbKind::valid;
}

void encode_bitmap_super(const BitmapSuper& s, std::span<std::byte, BITMAP_SB_BYTES> bytes) {
  std::fill(bytes.begin(), bytes.end(), std::byte{0});
  std::span<std::byte> b(bytes);
  put(b, 0, s.magic);
  put(b, 4, s.version);
  for (std::size_t i = 0; i < 16; ++i) b[8 + i] = static_cast<std::byte>(s.uuid[i]);
  put(b, 24, s.events);
  put(b, 32, s.events_cleared);
  put(b, 40, s.sync_size);
  put(b, 48, s.state);
  put(b, 52, s.chunksize);
  put(b, 56, s.daemon_sleep);
  put(b, 60, s.write_behind);
  put(b, 64, s.sectors_reserved);
  put(b, 68, s.nodes);
}

}  // namespace udm::raid
