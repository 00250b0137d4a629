#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "persistent_data/block_manager.hpp"
#include "persistent_data/checksum.hpp"
#include "persistent_data/endian.hpp"

namespace udm::pd {
namespace {

TEST(Checksum, Crc32cMatchesTheStandardCheckValue) {
  const char* s = "123456789";
  // The kernel's crc32c has no final inversion; the standard CRC-32C has.
  EXPECT_EQ(~crc32c_update(0xffffffffu, reinterpret_cast<const uint8_t*>(s), 9), 0xE3069283u);
}

TEST(Checksum, SaltsAreTheKernels) {
  EXPECT_EQ(kSuperblockValidator.salt, 160774u);
  EXPECT_EQ(kBtreeValidator.salt, 121107u);
  EXPECT_EQ(kBitmapValidator.salt, 240779u);
  EXPECT_EQ(kIndexValidator.salt, 160478u);
}

TEST(Checksum, SealedBlockChecksAndAnyFlipIsCaught) {
  std::vector<uint8_t> b(kBlockSize, 0);
  b[100] = 7;
  seal_block(b.data(), 42, kBtreeValidator);
  EXPECT_EQ(le64(b.data() + 8), 42u);
  EXPECT_EQ(le32(b.data()), dm_checksum(b.data() + 4, kBlockSize - 4, kBtreeCsumXor));
  EXPECT_TRUE(check_block(b.data(), 42, kBtreeValidator));
  auto wrong_place = check_block(b.data(), 43, kBtreeValidator);
  ASSERT_FALSE(wrong_place);
  EXPECT_NE(wrong_place.error().message.find("says it is block 42"), std::string::npos);
  EXPECT_FALSE(check_block(b.data(), 42, kBitmapValidator));  // other salt
  b[4000] ^= 1;
  auto bad = check_block(b.data(), 42, kBtreeValidator);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "btree node at block 42 has a bad checksum");
}

TEST(BlockManager, WriteLockIsExclusive) {
  MemoryBlockDevice dev(8);
  BlockManager bm(dev);
  auto w = bm.write_lock_zero(3, kBtreeValidator);
  ASSERT_TRUE(w);
  EXPECT_FALSE(bm.read_lock(3, kBtreeValidator));
  EXPECT_FALSE(bm.write_lock(3, kBtreeValidator));
  w = WriteRef();
  auto r1 = bm.read_lock(3, kBtreeValidator);
  ASSERT_TRUE(r1);
  auto r2 = bm.read_lock(3, kBtreeValidator);
  EXPECT_TRUE(r2);
  EXPECT_FALSE(bm.write_lock(3, kBtreeValidator));
}

TEST(BlockManager, DirtyBlocksReachTheDeviceSealedOnFlush) {
  MemoryBlockDevice dev(8);
  {
    BlockManager bm(dev);
    auto w = bm.write_lock_zero(5, kIndexValidator);
    ASSERT_TRUE(w);
    w->data()[64] = 9;
    w = WriteRef();
    EXPECT_EQ(dev.writes(), 0u);
    ASSERT_TRUE(bm.flush_dirty(0));
    EXPECT_EQ(dev.writes(), 1u);
  }
  BlockManager bm(dev);
  auto r = bm.read_lock(5, kIndexValidator);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->data()[64], 9);
  EXPECT_FALSE(bm.read_lock(4, kIndexValidator));  // zeroes: bad checksum
}

}  // namespace
}  // namespace udm::pd
