#include <gtest/gtest.h>

#include "lvm/format/crc.hpp"
#include "lvm/format/mda_text.hpp"

using namespace udm::lvm::format;

namespace {
MdaHeader small_mda() {
  MdaHeader h;
  h.start = 4096;
  h.size = 61440;  // the spec's wrap example area
  return h;
}
}  // namespace

TEST(LvmMdaText, MaxCopySize) {
  EXPECT_EQ(max_text_size(1044480), 521472u);
}

TEST(LvmMdaText, PlacementFollowsCommittedCopy) {
  auto h = small_mda();
  EXPECT_EQ(next_text_offset(h, 1000).value(), 512u);
  h.committed = {512, 1000, 0, 0};
  EXPECT_EQ(next_text_offset(h, 1000).value(), 1536u);
  h.committed = {1536, 1024, 0, 0};
  EXPECT_EQ(next_text_offset(h, 1000).value(), 2560u);
  // Ignored slot 0: start again at 512.
  h.committed.flags = RAW_LOCN_IGNORED;
  EXPECT_EQ(next_text_offset(h, 1000).value(), 512u);
  // Fewer than 512 bytes left before the end: back to 512.
  h.committed = {60000, 1000, 0, 0};
  EXPECT_EQ(next_text_offset(h, 1000).value(), 512u);
  // After a wrapped copy: just after its second part. Spec: {55296, 10237} in 61440.
  h.committed = {55296, 10237, 0, 0};
  EXPECT_EQ(next_text_offset(h, 1000).value(), 4608u);  // 4093 bytes at 512 end at 4605
  // Too large for the area.
  EXPECT_FALSE(next_text_offset(h, max_text_size(h.size) + 1).has_value());
}

TEST(LvmMdaText, WrapWriteAndRead) {
  MemoryPvDevice dev("mem0", 1 << 20);
  auto h = small_mda();
  // Fill the area with 0xFF: old bytes in the buffer are normal.
  std::fill(dev.bytes().begin() + 4096, dev.bytes().begin() + 4096 + 61440, std::byte{0xff});
  std::string text(10236, 'x');
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>('a' + i % 26);
  h.committed = {40960, 4000, 0, 0};  // old copy; the new one goes after it and wraps
  h.committed = {50688, 4500, 0, 0};
  auto off = next_text_offset(h, text.size() + 1);
  ASSERT_TRUE(off.has_value());
  EXPECT_EQ(*off, 55296u);
  auto locn = write_mda_text(dev, h, *off, text);
  ASSERT_TRUE(locn.has_value()) << locn.error().message;
  EXPECT_EQ(locn->offset, 55296u);
  EXPECT_EQ(locn->size, 10237u);
  // 6144 bytes at the end, 4093 at offset 512, then zero padding to 512+4096.
  EXPECT_EQ(static_cast<char>(dev.bytes()[4096 + 512]), text[6144]);
  EXPECT_EQ(dev.bytes()[4096 + 512 + 4092], std::byte{0});
  EXPECT_EQ(dev.bytes()[4096 + 512 + 4095], std::byte{0});
  EXPECT_EQ(dev.bytes()[4096 + 512 + 4096], std::byte{0xff});
  std::string joined = text + '\0';
  EXPECT_EQ(locn->checksum, lvm_crc(std::string_view(joined)));
  h.committed = *locn;
  auto back = read_mda_text(dev, h, h.committed);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, text);
  // A flipped byte in the second part is a checksum error naming the offset.
  dev.bytes()[4096 + 600] ^= std::byte{1};
  auto bad = read_mda_text(dev, h, h.committed);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("checksum error at offset 59392"), std::string::npos) << bad.error().message;
}

TEST(LvmMdaText, RefusesToOverwriteCommittedCopy) {
  MemoryPvDevice dev("mem0", 1 << 20);
  auto h = small_mda();
  h.committed = {512, 20000, 0, 0};
  EXPECT_FALSE(write_mda_text(dev, h, 512, std::string(100, 'a')).has_value());
  EXPECT_FALSE(write_mda_text(dev, h, 10240, std::string(100, 'a')).has_value());
  EXPECT_TRUE(write_mda_text(dev, h, 20992, std::string(100, 'a')).has_value());
}

TEST(LvmMdaText, TruncatedOrOutOfBoundsCopy) {
  MemoryPvDevice dev("mem0", 8192);  // the area claims more than the device has
  MdaHeader h;
  h.start = 4096;
  h.size = 61440;
  h.committed = {512, 100, 0, 0};
  auto r = read_mda_text(dev, h, h.committed);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("runs past the end of the device"), std::string::npos) << r.error().message;
}
