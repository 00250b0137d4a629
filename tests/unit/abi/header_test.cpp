#include <gtest/gtest.h>

#include <cstring>
#include <linux/dm-ioctl.h>

#include "abi/codec.hpp"
#include "abi/commands.hpp"
#include "base/devno.hpp"

using namespace udm::abi;

TEST(Header, RoundTripMatchesKernelStruct) {
  Header h;
  h.version = {4, 0, 0};
  h.flags = EXISTS_FLAG | PERSISTENT_DEV_FLAG;
  h.event_nr = 0x0d4d0001;
  h.dev = udm::DevNo{252, 300}.to_huge();
  h.name = "vg-lv";
  h.uuid = "LVM-abc";
  auto buf = encode_request(h, {}, 16384);
  ASSERT_TRUE(buf);
  ASSERT_EQ(buf->size(), 16384u);
  dm_ioctl k;
  std::memcpy(&k, buf->data(), sizeof k);
  EXPECT_EQ(k.version[0], 4u);
  EXPECT_EQ(k.data_size, 16384u);
  EXPECT_EQ(k.data_start, 312u);
  EXPECT_EQ(k.flags, h.flags);
  EXPECT_EQ(k.event_nr, 0x0d4d0001u);
  EXPECT_EQ(k.dev, (300u & 0xff) | (252u << 8) | ((300u & ~0xffu) << 12));
  EXPECT_STREQ(k.name, "vg-lv");
  EXPECT_STREQ(k.uuid, "LVM-abc");
  auto back = decode_header(*buf);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->name, "vg-lv");
  EXPECT_EQ(back->uuid, "LVM-abc");
  EXPECT_EQ(back->dev, h.dev);
  EXPECT_EQ(back->data_size, 16384u);
  EXPECT_EQ(back->version, (CommandVersion{4, 0, 0}));
}

TEST(Header, GoldenBytesOfFixedFields) {
  Header h;
  h.version = {4, 48, 0};
  h.target_count = 2;
  h.open_count = -1;
  h.flags = 0x4;
  h.event_nr = 7;
  h.dev = 0xfc01;
  h.name = "x";
  std::vector<std::uint8_t> buf(305, 0xee);
  ASSERT_TRUE(encode_header(h, buf));
  const std::uint8_t expect[] = {4, 0, 0, 0, 48, 0, 0, 0, 0, 0, 0, 0,     // version
                                 0, 0, 0, 0, 0, 0, 0, 0,                  // data_size, data_start
                                 2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,      // target_count, open_count
                                 4, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0,      // flags, event_nr, padding
                                 0x01, 0xfc, 0, 0, 0, 0, 0, 0, 'x', 0};   // dev, name
  ASSERT_EQ(0, std::memcmp(buf.data(), expect, sizeof expect));
  for (std::size_t i = 50; i < 305; ++i) ASSERT_EQ(buf[i], 0) << i;
}

TEST(Header, NameWithoutNulIsCutLikeTheKernel) {
  std::vector<std::uint8_t> buf(312, 'a');
  auto h = decode_header(buf);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->name.size(), 127u);
  EXPECT_EQ(h->uuid.size(), 128u);
}

TEST(Header, ShortBuffersAreRefused) {
  std::vector<std::uint8_t> buf(304, 0);
  EXPECT_EQ(decode_header(buf).error().code, EINVAL);
  EXPECT_TRUE(decode_version(std::span(buf).first(12)));
  EXPECT_FALSE(decode_version(std::span(buf).first(11)));
  Header h;
  EXPECT_FALSE(encode_header(h, buf));
}

TEST(Header, OverlongNamesAreRefused) {
  Header h;
  h.name = std::string(128, 'n');
  EXPECT_FALSE(encode_request(h, {}));
  h.name = std::string(127, 'n');
  EXPECT_TRUE(encode_request(h, {}));
  h.uuid = std::string(129, 'u');
  EXPECT_FALSE(encode_request(h, {}));
}

TEST(Commands, TableNamesAndFeatures) {
  EXPECT_EQ(find_command_by_name("list_devices")->command, CMD_LIST_DEVICES);
  EXPECT_EQ(find_command_by_name("names")->command, CMD_LIST_DEVICES);
  EXPECT_EQ(find_command_by_name("nope"), nullptr);
  for (const auto& c : COMMANDS) {
    EXPECT_EQ(find_command_by_name(command_id(c.command)), &c);
    // Every flag feature a command accepts is within its own version.
    EXPECT_LE(min_minor_for_flags(c.command, 0xffffffffu), c.version.major == 4 ? c.version.minor : 0u)
        << c.name;
  }
  EXPECT_EQ(min_minor_for_flags(CMD_DEV_RENAME, UUID_FLAG), 19u);
  EXPECT_EQ(min_minor_for_flags(CMD_LIST_DEVICES, UUID_FLAG), 45u);
  EXPECT_EQ(min_minor_for_flags(CMD_DEV_STATUS, EXISTS_FLAG), 0u);
}
