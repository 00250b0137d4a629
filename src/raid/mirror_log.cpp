#include "raid/mirror_log.hpp"

#include <algorithm>
#include <string>

namespace udm::raid {

namespace {
std::uint64_t get(std::span<const std::byte> b, std::size_t off, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{std::to_integer<std::uint8_t>(b[off + i])} << (8 * i);
  return v;
}
void put(std::span<std::byte> b, std::size_t off, std::size_t n, std::uint64_t v) {
  for (std::size_t i = 0; i < n; ++i) b[off + i] = static_cast<std::byte>((v >> (8 * i)) & 0xff);
}
}  // namespace

Result<LogKind> decode_mirror_log_header(std::span<const std::byte> s, std::uint64_t regions, MirrorLogHeader& out) {
  if (s.size() < 16) return fail(EINVAL, "mirror log header: " + std::to_string(s.size()) + " bytes, need 16");
  MirrorLogHeader h;
  h.magic = static_cast<std::uint32_t>(get(s, 0, 4));
  if (h.magic != MIRROR_LOG_MAGIC) return LogKind::blank;
  h.version = static_cast<std::uint32_t>(get(s, 4, 4));
  h.nr_regions = get(s, 8, 8);
  // Version 1 stored the header in host byte order; on little-endian hosts the same bytes.
  if (h.version != 1 && h.version != MIRROR_LOG_VERSION)
    return fail(EINVAL, "mirror log: unsupported version " + std::to_string(h.version));
  if (h.nr_regions != regions)
    return fail(EINVAL, "mirror log: " + std::to_string(h.nr_regions) + " regions on disk, the table has " +
                            std::to_string(regions));
  out = h;
  return LogKind::valid;
}

void encode_mirror_log_header(const MirrorLogHeader& h, std::span<std::byte> s) {
  std::fill(s.begin(), s.end(), std::byte{0});
  put(s, 0, 4, h.magic);
  put(s, 4, 4, h.version);
  put(s, 8, 8, h.nr_regions);
}

}  // namespace udm::raid
