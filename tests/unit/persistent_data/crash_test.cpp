// A crash at any write of a commit leaves the previous transaction or the
// new one, never a mix: the superblock is written last, after a flush, and
// no block of the previous transaction is written before it.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "persistent_data/thin_metadata.hpp"
#include "mappings.hpp"

namespace udm::pd {
namespace {

// The first transaction, then a second one with snapshots, overwrites,
// removes and a delete. Deterministic, so it can be replayed for each crash point.
void first(ThinMetadata& md) {
  for (uint32_t d = 0; d < 3; ++d) {
    ASSERT_TRUE(md.create_thin(d));
    for (uint64_t v = 0; v < 700; ++v) ASSERT_TRUE(md.provision(d, v * 3 + d));
  }
  ASSERT_TRUE(md.commit());
}
void second(ThinMetadata& md) {
  ASSERT_TRUE(md.create_snap(10, 0));
  std::mt19937_64 rng(3);
  for (int i = 0; i < 800; ++i) ASSERT_TRUE(md.provision(uint32_t(rng() % 2) * 10, rng() % 3000));
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(md.remove_block(1, rng() % 2100));
  ASSERT_TRUE(md.delete_device(2));
  ASSERT_TRUE(md.set_transaction_id(0, 1));
}

TEST(Crash, UncommittedChangesNeverTouchTheCommittedTransaction) {
  MemoryBlockDevice dev(4096);
  auto md = std::move(*ThinMetadata::format(dev, 128, 50000));
  first(*md);
  Mappings old = read_all(*md);
  uint64_t writes = dev.writes();
  second(*md);
  EXPECT_EQ(dev.writes(), writes);  // nothing reaches the device before commit
  auto view = ThinMetadata::open(dev);
  ASSERT_TRUE(view);
  EXPECT_EQ(read_all(**view), old);
  EXPECT_TRUE((*view)->verify());
}

TEST(Crash, EveryCrashPointLeavesOldOrNewTransaction) {
  Mappings old_state, new_state;
  uint64_t commit_writes = 0;
  {
    MemoryBlockDevice dev(4096);
    auto md = std::move(*ThinMetadata::format(dev, 128, 50000));
    first(*md);
    old_state = read_all(*md);
    second(*md);
    uint64_t before = dev.writes();
    ASSERT_TRUE(md->commit());
    commit_writes = dev.writes() - before;
    new_state = read_all(*md);
  }
  ASSERT_NE(old_state, new_state);
  ASSERT_GT(commit_writes, 10u);
  int saw_old = 0, saw_new = 0;
  for (uint64_t k = 0; k <= commit_writes; ++k) {
    MemoryBlockDevice dev(4096);
    auto md = std::move(*ThinMetadata::format(dev, 128, 50000));
    first(*md);
    second(*md);
    dev.crash_after_writes(k);
    ASSERT_TRUE(md->commit());  // the lost writes look fine to the writer
    md.reset();
    dev.recover();
    auto re = ThinMetadata::open(dev);
    ASSERT_TRUE(re) << "crash after " << k << " writes: " << re.error().message;
    Mappings got = read_all(**re);
    if (got == old_state) {
      ++saw_old;
      EXPECT_EQ((*re)->transaction_id(), 0u);
    } else {
      EXPECT_EQ(got, new_state) << "crash after " << k << " writes left a mix";
      EXPECT_EQ((*re)->transaction_id(), 1u);
      ++saw_new;
    }
    auto v = (*re)->verify();
    EXPECT_TRUE(v) << "crash after " << k << " writes: " << v.error().message;
    // And the survivor takes new transactions.
    ASSERT_TRUE((*re)->create_thin(99));
    ASSERT_TRUE((*re)->provision(99, 1));
    ASSERT_TRUE((*re)->commit());
    EXPECT_TRUE((*re)->verify());
  }
  EXPECT_EQ(saw_old, int(commit_writes));  // the superblock is the last write
  EXPECT_EQ(saw_new, 1);
}

}  // namespace
}  // namespace udm::pd
