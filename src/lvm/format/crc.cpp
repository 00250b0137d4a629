#include "lvm/format/crc.hpp"

#include <array>

namespace udm::lvm::format {

namespace {
constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto TABLE = make_table();
}  // namespace

std::uint32_t lvm_crc(std::span<const std::byte> data, std::uint32_t crc) {
  for (std::byte b : data) crc = TABLE[(crc ^ static_cast<std::uint8_t>(b)) & 0xff] ^ (crc >> 8);
  return crc;
}

std::uint32_t lvm_crc(std::string_view data, std::uint32_t crc) {
  return lvm_crc(std::as_bytes(std::span(data.data(), data.size())), crc);
}

}  // namespace udm::lvm::format
