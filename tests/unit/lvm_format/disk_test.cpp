#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "fixtures.hpp"
#include "lvm/format/crc.hpp"
#include "lvm/format/disk.hpp"

using namespace udm::lvm::format;
using lvm_format_test::fixture_hex;
using lvm_format_test::fixture_text;

TEST(LvmCrc, KnownValues) {
  // Check values from the spec's formula: ~zlib.crc32(d, ~0xF597A6CF).
  EXPECT_EQ(lvm_crc(std::string_view("")), 0xF597A6CFu);
  EXPECT_EQ(lvm_crc(std::string_view("123456789")), 0x4991cf02u);
  // Pieces fed in order give the CRC of the joined data (wrapped text).
  EXPECT_EQ(lvm_crc(std::string_view("6789"), lvm_crc(std::string_view("12345"))), 0x4991cf02u);
}

// The 8-bytes-at-a-time CRC equals the plain bytewise definition for every
// length and starting alignment (the tail and the unaligned loads).
TEST(LvmCrc, EqualsBytewiseReference) {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    table[i] = c;
  }
  std::vector<std::byte> data(4096 + 16);
  std::uint32_t x = 12345;
  for (auto& b : data) b = static_cast<std::byte>((x = x * 1103515245u + 12345u) >> 24);
  for (std::size_t start = 0; start < 9; ++start)
    for (std::size_t len : {0, 1, 7, 8, 9, 15, 16, 17, 63, 511, 4096}) {
      std::uint32_t ref = LVM_CRC_INITIAL;
      for (std::size_t i = start; i < start + len; ++i)
        ref = table[(ref ^ static_cast<std::uint8_t>(data[i])) & 0xff] ^ (ref >> 8);
      EXPECT_EQ(lvm_crc(std::span<const std::byte>(data).subspan(start, len)), ref) << start << "+" << len;
    }
}

TEST(LvmCrc, MatchesRealMetadataText) {
  // The mda header real lvm2 wrote points at fx1.vg: size and CRC include the NUL.
  auto hdr_bytes = fixture_hex("fx1-pv0-mda1.hex");
  auto h = decode_mda_header(hdr_bytes, DiskLocn{4096, 1044480});
  ASSERT_TRUE(h.has_value()) << h.error().message;
  std::string text = fixture_text("fx1.vg");
  text.push_back('\0');
  EXPECT_EQ(h->committed.size, text.size());
  EXPECT_EQ(h->committed.checksum, lvm_crc(std::string_view(text)));
}

TEST(LvmLabel, DecodesRealTwoMdaLabel) {
  auto sector = fixture_hex("fx1-pv2-label.hex");
  ASSERT_EQ(sector.size(), 512u);
  ASSERT_TRUE(looks_like_label(sector));
  auto l = decode_label(sector, 1);
  ASSERT_TRUE(l.has_value()) << l.error().message;
  EXPECT_EQ(l->sector, 1u);
  EXPECT_EQ(l->pv_id.size(), 32u);
  EXPECT_EQ(l->device_size, 64u << 20);
  ASSERT_EQ(l->data_areas.size(), 1u);
  EXPECT_EQ(l->data_areas[0], (DiskLocn{1048576, 0}));
  ASSERT_EQ(l->metadata_areas.size(), 2u);
  EXPECT_EQ(l->metadata_areas[0], (DiskLocn{4096, 1044480}));
  EXPECT_EQ(l->metadata_areas[1], (DiskLocn{(64u << 20) - 1048576, 1048576}));
  EXPECT_EQ(l->ext_version, 2u);
  EXPECT_TRUE(l->in_use());
  EXPECT_TRUE(l->bootloader_areas.empty());
  // Encoding the decoded label gives back the same 512 bytes, CRC included.
  auto again = encode_label(*l);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(std::equal(again->begin(), again->end(), sector.begin()));
  // The second mda's header decodes against its own disk_locn.
  auto mda2 = fixture_hex("fx1-pv2-mda2.hex");
  auto h2 = decode_mda_header(mda2, l->metadata_areas[1]);
  ASSERT_TRUE(h2.has_value()) << h2.error().message;
  EXPECT_FALSE(h2->committed.empty());
  auto h2_again = encode_mda_header(*h2);
  EXPECT_TRUE(std::equal(h2_again.begin(), h2_again.end(), mda2.begin()));
}

TEST(LvmLabel, RoundTripWithBootloaderArea) {
  PvLabel l;
  l.sector = 2;
  l.pv_id = "0wuPr2cLMOykT1B02DTxItV854Y1dtnB";
  l.device_size = 1 << 30;
  l.data_areas = {{2097152, 0}};
  l.metadata_areas = {{4096, 1044480}};
  l.ext_flags = PV_EXT_USED;
  l.bootloader_areas = {{1048576, 1048576}};
  auto bytes = encode_label(l);
  ASSERT_TRUE(bytes.has_value());
  auto back = decode_label(*bytes, 2);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, l);
  // The sector number is part of the label: read at another sector, it is refused.
  EXPECT_FALSE(decode_label(*bytes, 1).has_value());
}

TEST(LvmLabel, CorruptionGivesOneClearError) {
  auto sector = fixture_hex("fx1-pv2-label.hex");
  auto flipped = sector;
  flipped[0x30] ^= std::byte{1};
  auto r = decode_label(flipped, 1);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("label in sector 1: bad CRC"), std::string::npos) << r.error().message;

  auto bad_id = sector;
  bad_id[0] = std::byte{'X'};
  r = decode_label(bad_id, 1);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("no LABELONE"), std::string::npos);

  // A metadata area list that never terminates: lengths past the sector.
  PvLabel l;
  l.pv_id = "0wuPr2cLMOykT1B02DTxItV854Y1dtnB";
  for (int i = 0; i < 40; ++i) l.metadata_areas.push_back({4096u + i, 1044480});
  EXPECT_FALSE(encode_label(l).has_value());
}

TEST(LvmMdaHeader, RoundTripAndChecks) {
  MdaHeader h;
  h.start = 4096;
  h.size = 1044480;
  h.committed = {7680, 2001, 0x3ea75a99, 0};
  h.precommitted = {10240, 2100, 0x12345678, 0};
  auto bytes = encode_mda_header(h);
  auto back = decode_mda_header(bytes, DiskLocn{4096, 1044480});
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, h);

  auto r = decode_mda_header(bytes, DiskLocn{8192, 1044480});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("start 4096 does not match"), std::string::npos) << r.error().message;

  auto bad_magic = bytes;
  bad_magic[6] ^= std::byte{1};
  r = decode_mda_header(bad_magic, DiskLocn{4096, 1044480});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("wrong checksum"), std::string::npos) << r.error().message;

  // Magic wrong but CRC right: the magic check names it.
  h.committed = {};
  h.precommitted = {};
  auto b2 = encode_mda_header(h);
  b2[4] = std::byte{'X'};
  put_le32(b2.data(), lvm_crc(std::span<const std::byte>(b2).subspan(4)));
  r = decode_mda_header(b2, DiskLocn{4096, 1044480});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("wrong magic"), std::string::npos) << r.error().message;

  // A committed copy past the end of the area.
  h.committed = {1044000, 4000, 0, 0};
  auto past = encode_mda_header(h);
  EXPECT_TRUE(decode_mda_header(past, DiskLocn{4096, 1044480}).has_value());  // wraps: allowed
  h.committed = {1044480, 100, 0, 0};
  past = encode_mda_header(h);
  r = decode_mda_header(past, DiskLocn{4096, 1044480});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("outside the area"), std::string::npos) << r.error().message;
}
