#include <gtest/gtest.h>

#include <map>
#include <random>

#include "persistent_data/endian.hpp"
#include "persistent_data/thin_metadata.hpp"
#include "mappings.hpp"

namespace udm::pd {
namespace {

TEST(ThinMetadata, FormatOpenAndSuperblockFields) {
  MemoryBlockDevice dev(1024);
  auto md = ThinMetadata::format(dev, 128, 5000);
  ASSERT_TRUE(md) << md.error().message;
  EXPECT_EQ((*md)->nr_data_blocks(), 5000u);
  EXPECT_EQ((*md)->used_data_blocks(), 0u);
  EXPECT_EQ((*md)->nr_metadata_blocks(), 1024u);
  EXPECT_TRUE((*md)->verify());
  const auto& sb = dev.raw(0);
  EXPECT_EQ(le64(sb.data() + 32), kThinMagic);
  EXPECT_EQ(le32(sb.data() + 40), 2u);
  EXPECT_EQ(le32(sb.data() + 336), 128u);
  EXPECT_EQ(le32(sb.data() + 340), 8u);
  EXPECT_EQ(le64(sb.data() + 344), 1024u);
  auto again = ThinMetadata::open(dev);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ((*again)->used_metadata_blocks(), (*md)->used_metadata_blocks());
  EXPECT_FALSE(ThinMetadata::format(dev, 100, 10));
}

TEST(ThinMetadata, ThinsSnapshotsSharingAndDetails) {
  MemoryBlockDevice dev(4096);
  auto md = std::move(*ThinMetadata::format(dev, 128, 100000));
  ASSERT_TRUE(md->create_thin(1));
  EXPECT_EQ(md->create_thin(1).error().code, EEXIST);
  for (uint64_t v = 0; v < 3000; ++v) ASSERT_TRUE(md->provision(1, v * 2));
  auto m = md->lookup(1, 200);
  ASSERT_TRUE(m && *m);
  EXPECT_FALSE((*m)->shared);
  ASSERT_TRUE(md->create_snap(2, 1));
  // Both see the same blocks, now shared; the data block is counted once
  // (one leaf holds it), the subtree root twice.
  auto o = md->lookup(1, 200), s = md->lookup(2, 200);
  ASSERT_TRUE(o && *o && s && *s);
  EXPECT_EQ((*o)->data_block, (*s)->data_block);
  EXPECT_TRUE((*o)->shared);
  EXPECT_TRUE((*s)->shared);
  EXPECT_EQ(*md->data_block_count((*o)->data_block), 1u);
  EXPECT_EQ(md->details(2)->mapped_blocks, 3000u);
  EXPECT_EQ(md->details(1)->snapshotted_time, 1u);
  EXPECT_EQ(md->details(2)->creation_time, 1u);
  // Breaking sharing: the snapshot gets its own block, the origin keeps its.
  uint64_t old = (*o)->data_block;
  auto nb = md->provision(2, 200);
  ASSERT_TRUE(nb);
  EXPECT_EQ((*md->lookup(1, 200))->data_block, old);
  EXPECT_EQ((*md->lookup(2, 200))->data_block, *nb);
  EXPECT_FALSE((*md->lookup(2, 200))->shared);
  EXPECT_EQ(*md->data_block_count(old), 1u);
  EXPECT_EQ(*md->data_block_count((*md->lookup(2, 202))->data_block), 2u);  // two leaves now
  ASSERT_TRUE(md->remove_block(1, 202));
  EXPECT_FALSE(*md->lookup(1, 202));
  EXPECT_TRUE(*md->lookup(2, 202));
  EXPECT_EQ(md->details(1)->mapped_blocks, 2999u);
  ASSERT_TRUE(md->set_transaction_id(0, 5));
  EXPECT_FALSE(md->set_transaction_id(0, 6));
  ASSERT_TRUE(md->commit());
  ASSERT_TRUE(md->verify()) << md->verify().error().message;
  Mappings before = read_all(*md);

  // Reopen: the same, and deleting the origin keeps the snapshot whole.
  md.reset();
  md = std::move(*ThinMetadata::open(dev));
  EXPECT_EQ(md->transaction_id(), 5u);
  EXPECT_EQ(read_all(*md), before);
  ASSERT_TRUE(md->delete_device(1));
  EXPECT_EQ(md->lookup(1, 0).error().code, ENODATA);
  ASSERT_TRUE(md->commit());
  ASSERT_TRUE(md->verify()) << md->verify().error().message;
  EXPECT_EQ(read_all(*md)[2], before[2]);
  // 3001 blocks were allocated; origin-only block 200 went with device 1.
  EXPECT_EQ(md->used_data_blocks(), 3000u);
}

TEST(ThinMetadata, RandomWorkloadKeepsCountsExact) {
  MemoryBlockDevice dev(8192);
  auto md = std::move(*ThinMetadata::format(dev, 128, 200000));
  Mappings model;
  std::mt19937_64 rng(11);
  uint32_t next = 0;
  for (int i = 0; i < 40000; ++i) {
    unsigned op = unsigned(rng() % 1000);
    auto pick = [&] { auto it = model.begin(); std::advance(it, rng() % model.size()); return it->first; };
    if (model.empty() || op < 3) {
      ASSERT_TRUE(md->create_thin(next));
      model[next++];
    } else if (op < 7) {
      uint32_t o = pick();
      ASSERT_TRUE(md->create_snap(next, o));
      model[next++] = model[o];
    } else if (op < 8 && model.size() > 3) {
      uint32_t d = pick();
      ASSERT_TRUE(md->delete_device(d));
      model.erase(d);
    } else if (op < 15) {
      ASSERT_TRUE(md->commit());
    } else if (op < 700) {
      uint32_t d = pick();
      uint64_t v = rng() % 10000;
      auto b = md->provision(d, v);
      ASSERT_TRUE(b) << b.error().message;
      model[d][v] = *b;
    } else {
      uint32_t d = pick();
      if (model[d].empty()) continue;
      auto it = model[d].begin();
      std::advance(it, rng() % model[d].size());
      ASSERT_TRUE(*md->remove_block(d, it->first));
      model[d].erase(it);
    }
  }
  ASSERT_TRUE(md->commit());
  ASSERT_TRUE(md->verify()) << md->verify().error().message;
  EXPECT_EQ(read_all(*md), model);
  for (auto& [d, m] : model) EXPECT_EQ(md->details(d)->mapped_blocks, m.size());
  md.reset();
  auto re = ThinMetadata::open(dev);
  ASSERT_TRUE(re);
  EXPECT_EQ(read_all(**re), model);
  ASSERT_TRUE((*re)->verify());
}

TEST(ThinMetadata, HeldMetadataSnapshotKeepsTheOldTrees) {
  MemoryBlockDevice dev(4096);
  auto md = std::move(*ThinMetadata::format(dev, 128, 10000));
  ASSERT_TRUE(md->create_thin(3));
  for (uint64_t v = 0; v < 1000; ++v) ASSERT_TRUE(md->provision(3, v));
  ASSERT_TRUE(md->reserve_metadata_snap());
  EXPECT_EQ(md->reserve_metadata_snap().error().code, EBUSY);
  auto first = (*md->lookup(3, 5))->data_block;
  ASSERT_TRUE(md->remove_block(3, 5));
  ASSERT_TRUE(md->delete_device(3));
  ASSERT_TRUE(md->commit());
  ASSERT_TRUE(md->verify()) << md->verify().error().message;
  EXPECT_EQ(*md->data_block_count(first), 1u);  // the held tree still maps it
  EXPECT_EQ(md->used_data_blocks(), 1000u);
  ASSERT_TRUE(md->release_metadata_snap());
  ASSERT_TRUE(md->commit());
  ASSERT_TRUE(md->verify()) << md->verify().error().message;
  EXPECT_EQ(md->used_data_blocks(), 0u);
  EXPECT_EQ(md->held_root(), 0u);
}

TEST(ThinMetadata, ResizeDataAndMetadata) {
  MemoryBlockDevice dev(2048);
  auto md = std::move(*ThinMetadata::format(dev, 128, 100));
  ASSERT_TRUE(md->create_thin(0));
  for (uint64_t v = 0; v < 100; ++v) ASSERT_TRUE(md->provision(0, v));
  EXPECT_EQ(md->provision(0, 100).error().code, ENOSPC);
  ASSERT_TRUE(md->commit());
  ASSERT_FALSE(md->resize_data(50));
  ASSERT_TRUE(md->resize_data(40000));  // several bitmaps now
  for (uint64_t v = 100; v < 20000; ++v) ASSERT_TRUE(md->provision(0, v));
  dev.set_nr_blocks(4096);
  ASSERT_TRUE(md->resize_metadata(4096));
  ASSERT_TRUE(md->commit());
  ASSERT_TRUE(md->verify()) << md->verify().error().message;
  md.reset();
  auto re = ThinMetadata::open(dev);
  ASSERT_TRUE(re) << re.error().message;
  EXPECT_EQ((*re)->nr_data_blocks(), 40000u);
  EXPECT_EQ((*re)->nr_metadata_blocks(), 4096u);
  EXPECT_EQ((*re)->used_data_blocks(), 20000u);
}

TEST(ThinMetadata, BadMetadataIsRefusedWithoutWrites) {
  MemoryBlockDevice dev(1024);
  { auto md = ThinMetadata::format(dev, 128, 1000); ASSERT_TRUE(md); }
  uint64_t writes = dev.writes();
  dev.raw(0)[40] = 9;  // version, checksum now wrong
  auto r = ThinMetadata::open(dev);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "superblock at block 0 has a bad checksum");
  MemoryBlockDevice empty(1024);
  auto z = ThinMetadata::open(empty);
  ASSERT_FALSE(z);
  EXPECT_EQ(dev.writes(), writes);
}

TEST(ThinMetadata, NeedsCheckIsRefused) {
  MemoryBlockDevice dev(1024);
  auto md = std::move(*ThinMetadata::format(dev, 128, 1000));
  ASSERT_TRUE(md->set_needs_check());
  auto r = ThinMetadata::open(dev);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EUCLEAN);
  auto ro = ThinMetadata::open(dev, ThinMetadata::Mode::read_only);
  ASSERT_TRUE(ro) << ro.error().message;
  EXPECT_TRUE((*ro)->needs_check());
  auto w = (*ro)->create_thin(1);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, EROFS);
  EXPECT_EQ((*ro)->commit().error().message, "metadata is open read-only");
}

}  // namespace
}  // namespace udm::pd
