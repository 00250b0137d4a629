#include <gtest/gtest.h>

#include <vector>

#include "persistent_data/sm_disk.hpp"

namespace udm::pd {
namespace {

TEST(RefCounts, CountsAboveTwoAndBack) {
  RefCounts c("data", 100);
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(c.inc(10));
  EXPECT_EQ(*c.get(10), 7u);
  EXPECT_EQ(c.nr_allocated(), 1u);
  EXPECT_TRUE(c.dirty_overflow().count(10));
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(c.dec(10));
  EXPECT_EQ(*c.get(10), 0u);
  EXPECT_EQ(c.nr_allocated(), 0u);
  auto e = c.dec(10);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "data space map: block 10 is already free");
  EXPECT_FALSE(c.get(100));
}

TEST(RefCounts, BlockFreedInATransactionIsNotReusedBeforeCommit) {
  RefCounts c("data", 3);
  c.committed();
  auto a = c.alloc(), b = c.alloc();
  ASSERT_TRUE(a && b);
  c.committed();
  ASSERT_TRUE(c.dec(*a));
  auto n = c.alloc();
  ASSERT_TRUE(n);
  EXPECT_NE(*n, *a);
  EXPECT_FALSE(c.alloc());  // a is free but belongs to the committed transaction
  c.committed();
  auto again = c.alloc();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *a);
}

TEST(RefCounts, BitmapBitOrderIsTheKernels) {
  // Entry i: bit 2i (little-endian) is the high bit, bit 2i+1 the low bit.
  RefCounts c("data", 8);
  ASSERT_TRUE(c.inc(0));               // 1 -> byte 0 bits: 10
  ASSERT_TRUE(c.inc(1));
  ASSERT_TRUE(c.inc(1));               // 2 -> 01
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.inc(2));  // overflow -> 11
  std::vector<uint8_t> b(kBlockSize, 0);
  c.fill_bitmap(0, b.data());
  EXPECT_EQ(b[16], 0b00110110);
  uint32_t nr_free, nfb;
  c.index_entry(0, nr_free, nfb);
  EXPECT_EQ(nr_free, kEntriesPerBitmap - 3);
  EXPECT_EQ(nfb, 3u);
  RefCounts back("data", 8);
  load_bitmap(back, 0, b.data());
  EXPECT_EQ(*back.get(0), 1u);
  EXPECT_EQ(*back.get(1), 2u);
  EXPECT_EQ(*back.get(2), 3u);  // until the overflow tree is read
}

TEST(SpaceMaps, RoundTripThroughDiskWithOverflowAndManyBitmaps) {
  MemoryBlockDevice dev(2000);
  BlockManager bm(dev);
  RefCounts meta("metadata", 2000);
  TransactionManager tm(bm, meta);
  ASSERT_TRUE(meta.inc(0));
  auto msm = MetadataSpaceMap::create(tm);
  ASSERT_TRUE(msm);
  auto dsm = DataSpaceMap::create(tm, 100000);  // 7 bitmaps
  ASSERT_TRUE(dsm);
  for (uint64_t b = 0; b < 100000; b += 7) ASSERT_TRUE((*dsm)->counts().inc(b));
  for (int i = 0; i < 300; ++i) ASSERT_TRUE((*dsm)->counts().inc(99996));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(meta.inc(1999));
  ASSERT_TRUE((*dsm)->save(tm));
  ASSERT_TRUE((*msm)->save(tm));
  SmRoot droot = (*dsm)->root(), mroot = (*msm)->root(meta);
  ASSERT_TRUE(bm.flush_dirty(UINT64_MAX));

  BlockManager bm2(dev);
  RefCounts meta2("metadata", mroot.nr_blocks);
  TransactionManager tm2(bm2, meta2);
  auto msm2 = MetadataSpaceMap::open(tm2, mroot);
  ASSERT_TRUE(msm2) << msm2.error().message;
  auto dsm2 = DataSpaceMap::open(tm2, droot);
  ASSERT_TRUE(dsm2) << dsm2.error().message;
  RefCounts& d = (*dsm2)->counts();
  EXPECT_EQ(d.nr_allocated(), (*dsm)->counts().nr_allocated());
  for (uint64_t b = 0; b < 100000; ++b)
    ASSERT_EQ(*d.get(b), *(*dsm)->counts().get(b)) << "data block " << b;
  EXPECT_EQ(*d.get(99996), 300u);
  EXPECT_EQ(*meta2.get(1999), 4u);
  for (uint64_t b = 0; b < 2000; ++b) ASSERT_EQ(*meta2.get(b), *meta.get(b)) << "metadata block " << b;
}

}  // namespace
}  // namespace udm::pd
