// The raid status line as lvs reads it: fields, Cpy%Sync as lvm2 rounds it,
// in-sync, and lines the driver could send that are refused by name.
#include <gtest/gtest.h>

#include "lvm/api/raid_activate.hpp"

namespace udm::lvm::api::detail {
namespace {

TEST(RaidStatus, ParsesTheKernelsLine) {
  auto s = parse_raid_status("raid1 2 aA 1024/4096 resync 0 0 -");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->type, "raid1");
  EXPECT_EQ(s->health, "aA");
  EXPECT_EQ(s->in_sync, 1024u);
  EXPECT_EQ(s->total, 4096u);
  EXPECT_EQ(s->action, "resync");
  EXPECT_EQ(raid_copy_percent(*s), "25.00");
  EXPECT_FALSE(raid_in_sync(*s));
  auto done = parse_raid_status("raid5_ls 3 AAA 8192/8192 idle 128 0 -");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->mismatches, 128u);
  EXPECT_EQ(raid_copy_percent(*done), "100.00");
  EXPECT_TRUE(raid_in_sync(*done));
  // Almost done is not shown as 100 (lvm2's dm_make_percent).
  EXPECT_EQ(raid_copy_percent(*parse_raid_status("raid1 2 aA 8191/8192 recover 0 0 -")), "99.99");
  EXPECT_FALSE(raid_in_sync(*parse_raid_status("raid1 2 AD 8192/8192 idle 0 0 -")));
}

TEST(RaidStatus, RefusesBadLines) {
  EXPECT_FALSE(parse_raid_status(""));
  EXPECT_FALSE(parse_raid_status("raid1 2 AAA 1/2 idle 0"));   // health longer than the count
  EXPECT_FALSE(parse_raid_status("raid1 2 AX 1/2 idle 0"));    // unknown health character
  EXPECT_FALSE(parse_raid_status("raid1 2 AA 3/2 idle 0"));    // past the end
  EXPECT_FALSE(parse_raid_status("raid1 2 AA 12 idle 0"));     // no ratio
  EXPECT_FALSE(parse_raid_status("raid1 0 AA 1/2 idle 0"));
  EXPECT_FALSE(parse_raid_status("raid1 2 AA 1/2 idle -1"));
  EXPECT_EQ(parse_raid_status("raid1 2 AA").error().message, "raid status \"raid1 2 AA\": too few fields");
}

}  // namespace
}  // namespace udm::lvm::api::detail
