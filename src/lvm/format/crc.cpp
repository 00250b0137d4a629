#include "lvm/format/crc.hpp"

#include <array>
#include <bit>
#include <cstring>

namespace udm::lvm::format {

namespace {
// Slicing-by-8 tables: TABLES[0] is the classic byte table; TABLES[k] advances
// a byte that sits k positions earlier, so 8 bytes are folded per step (a
// 1000-LV text is ~280 KB, checksummed on every read and write).
using Tables = std::array<std::array<std::uint32_t, 256>, 8>;
constexpr Tables make_tables() {
  Tables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    t[0][i] = c;
  }
  for (std::size_t k = 1; k < 8; ++k)
    for (std::uint32_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
  return t;
}
constexpr Tables TABLES = make_tables();

std::uint32_t load_le32(const std::byte* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
  return v;
}
}  // namespace

std::uint32_t lvm_crc(std::span<const std::byte> data, std::uint32_t crc) {
  const std::byte* p = data.data();
  std::size_t n = data.size();
  const auto& t = TABLES;
  for (; n >= 8; n -= 8, p += 8) {
    const std::uint32_t one = crc ^ load_le32(p);
    const std::uint32_t two = load_le32(p + 4);
    crc = t[7][one & 0xff] ^ t[6][(one >> 8) & 0xff] ^ t[5][(one >> 16) & 0xff] ^ t[4][one >> 24] ^
          t[3][two & 0xff] ^ t[2][(two >> 8) & 0xff] ^ t[1][(two >> 16) & 0xff] ^ t[0][two >> 24];
  }
  for (; n; --n, ++p) crc = t[0][(crc ^ static_cast<std::uint8_t>(*p)) & 0xff] ^ (crc >> 8);
  return crc;
}

std::uint32_t lvm_crc(std::string_view data, std::uint32_t crc) {
  return lvm_crc(std::as_bytes(std::span(data.data(), data.size())), crc);
}

}  // namespace udm::lvm::format
