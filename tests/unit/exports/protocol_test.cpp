#include <gtest/gtest.h>

#include <array>
#include <cerrno>

#include "exports/lvm_name.hpp"
#include "exports/nbd/handshake.hpp"
#include "exports/nbd/protocol.hpp"
#include "exports/nbd/request_decoder.hpp"
#include "exports/nbd/wire.hpp"

namespace udm::exports {
namespace {

using namespace nbd;

std::array<std::byte, 28> header(std::uint32_t magic, std::uint16_t flags, std::uint16_t type, std::uint64_t cookie,
                                 std::uint64_t offset, std::uint32_t length) {
  std::array<std::byte, 28> h;
  std::byte* p = store_be(h.data(), magic);
  p = store_be(p, flags);
  p = store_be(p, type);
  p = store_be(p, cookie);
  p = store_be(p, offset);
  store_be(p, length);
  return h;
}

TEST(NbdDecoder, DecodesAWriteHeader) {
  auto h = header(REQUEST_MAGIC, CMD_FLAG_FUA, CMD_WRITE, 0x1122334455667788ull, 4096, 8192);
  auto r = decode_request(h);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->flags, CMD_FLAG_FUA);
  EXPECT_EQ(r->type, CMD_WRITE);
  EXPECT_EQ(r->cookie, 0x1122334455667788ull);
  EXPECT_EQ(r->offset, 4096u);
  EXPECT_EQ(r->length, 8192u);
  EXPECT_TRUE(has_payload(*r));
}

TEST(NbdDecoder, RefusesShortAndBadMagic) {
  auto good = header(REQUEST_MAGIC, 0, CMD_READ, 1, 0, 512);
  EXPECT_FALSE(decode_request(std::span(good).first(27)));
  EXPECT_FALSE(decode_request(header(0x25609514, 0, CMD_READ, 1, 0, 512)));
  auto e = decode_request(header(0, 0, 0, 0, 0, 0));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, EINVAL);
  EXPECT_NE(e.error().message.find("magic"), std::string::npos);
}

// The stream is still in step after these: they are answered with EINVAL.
TEST(NbdDecoder, MarksUnknownFlagsAndOverflowEinval) {
  for (auto h : {header(REQUEST_MAGIC, 1u << 9, CMD_READ, 1, 0, 512),
                 header(REQUEST_MAGIC, 0, CMD_READ, 1, ~0ull - 100, 512),
                 header(REQUEST_MAGIC, 0, CMD_READ, 1, 1ull << 63, 0)}) {
    auto r = decode_request(h);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->error, EINVAL);
  }
  auto ok = decode_request(header(REQUEST_MAGIC, CMD_FLAG_FUA, CMD_WRITE, 1, (1ull << 63) - 512, 512));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->error, 0);
}

TEST(NbdBlockSizes, FromTheDeviceLimits) {
  using nbd::block_sizes;
  auto s = block_sizes({});
  EXPECT_EQ(s.minimum, 512u);
  EXPECT_EQ(s.preferred, 512u);
  EXPECT_EQ(s.maximum, nbd::MAX_PAYLOAD);
  s = block_sizes({.logical_block_size = 4096, .physical_block_size = 4096});
  EXPECT_EQ(s.minimum, 4096u);
  EXPECT_EQ(s.preferred, 4096u);
  s = block_sizes({.logical_block_size = 512, .physical_block_size = 4096, .io_min = 65536, .io_opt = 131072});
  EXPECT_EQ(s.minimum, 512u);
  EXPECT_EQ(s.preferred, 131072u);
  // io_opt not a power of two (three 64 KiB stripes) or past the payload limit: io_min.
  s = block_sizes({.physical_block_size = 4096, .io_min = 65536, .io_opt = 3 * 65536});
  EXPECT_EQ(s.preferred, 65536u);
  s = block_sizes({.io_min = 4096, .io_opt = 64u << 20});
  EXPECT_EQ(s.preferred, 4096u);
}

TEST(NbdDecoder, ErrnoMapping) {
  EXPECT_EQ(errno_to_nbd(EROFS), NBD_EPERM);
  EXPECT_EQ(errno_to_nbd(ENOSPC), NBD_ENOSPC);
  EXPECT_EQ(errno_to_nbd(ENOTSUP), NBD_ENOTSUP);
  EXPECT_EQ(errno_to_nbd(EINVAL), NBD_EINVAL);
  EXPECT_EQ(errno_to_nbd(ENXIO), NBD_EIO);
}

TEST(LvmName, SplitsAsLvmNamesDevices) {
  auto a = split_lvm_name("vg-lv");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->vg, "vg");
  EXPECT_EQ(a->lv, "lv");
  auto b = split_lvm_name("my--vg-lv");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->vg, "my-vg");
  EXPECT_EQ(b->lv, "lv");
  auto c = split_lvm_name("vg-my--lv--x");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->vg, "vg");
  EXPECT_EQ(c->lv, "my-lv-x");
  EXPECT_FALSE(split_lvm_name("plain"));
  EXPECT_FALSE(split_lvm_name("vg-lv-real"));  // a layer
  EXPECT_FALSE(split_lvm_name("-lv"));
  EXPECT_FALSE(split_lvm_name("vg-"));
  EXPECT_FALSE(split_lvm_name("a--b"));
  EXPECT_TRUE(is_lvm_uuid("LVM-abc"));
  EXPECT_FALSE(is_lvm_uuid("CRYPT-abc"));
}

}  // namespace
}  // namespace udm::exports
