// LVM2 label sector (label_header + pv_header + extension) and mda_header
// decoders on arbitrary sectors. The first input byte chooses whether the
// harness fixes the CRCs up first, so the fuzzer also reaches the field
// checks behind them.
#include <array>
#include <cstdint>
#include <cstring>

#include "lvm/format/crc.hpp"
#include "lvm/format/disk.hpp"

using namespace udm::lvm::format;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  bool fix_crc = data[0] & 1;
  std::uint64_t sector = (data[0] >> 1) & 3;
  ++data;
  --size;
  std::array<std::byte, 512> s{};
  std::memcpy(s.data(), data, size < s.size() ? size : s.size());

  std::array<std::byte, 512> label = s;
  if (fix_crc) put_le32(&label[16], lvm_crc(std::span<const std::byte>(label).subspan(20)));
  (void)looks_like_label(label);
  if (auto l = decode_label(label, sector); l) (void)encode_label(*l);

  std::array<std::byte, 512> mda = s;
  if (fix_crc) put_le32(&mda[0], lvm_crc(std::span<const std::byte>(mda).subspan(4)));
  DiskLocn expected{get_le64(&mda[24]), get_le64(&mda[32])};
  if (auto h = decode_mda_header(mda, expected); h) (void)encode_mda_header(*h);
  (void)classify_mda_header(mda, expected);
  (void)decode_mda_header(mda, DiskLocn{4096, 1 << 20});
  // Also at the input's own length, for the short-buffer paths.
  (void)decode_label(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size), sector);
  (void)decode_mda_header(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size), expected);
  (void)classify_mda_header(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size), expected);
  return 0;
}
