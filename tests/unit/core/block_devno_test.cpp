// The registry's view of udmd's kernel block devices: the block devno is
// reported for the device and resolves to it; the remove and open-count
// hooks let the block device's own hold not count as a user.
#include "testing.hpp"

namespace udm::core {
namespace {

using testing::TestBed;

TEST(BlockDevno, ReportedAndResolved) {
  TestBed bed;
  auto a = *bed.devices.create("a", "");
  const DevNo loop{7, 42};
  EXPECT_EQ(bed.devices.reported_devno(a->devno()), a->devno());
  EXPECT_EQ(bed.devices.find_by_devno(loop), nullptr);
  bed.devices.set_block_devno(a->devno().minor, loop);
  EXPECT_EQ(bed.devices.reported_devno(a->devno()), loop);
  EXPECT_EQ(bed.devices.find_by_devno(loop), a);
  EXPECT_EQ(bed.devices.find_by_devno(a->devno()), a);
  // A table naming the block device stacks on the mapped device itself.
  auto opened = bed.devices.open("7:42", 0, 0);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ((*opened)->devno(), a->devno());
  EXPECT_EQ(a->info(false).open_count, 1);
  opened->reset();
  // ... and may not name the device it is loaded into.
  auto self = bed.devices.open_for("7:42", 0, 0, a->devno());
  ASSERT_FALSE(self);
  EXPECT_EQ(self.error().code, EINVAL);
  bed.devices.set_block_devno(a->devno().minor, DevNo{});
  EXPECT_EQ(bed.devices.find_by_devno(loop), nullptr);
  EXPECT_EQ(bed.devices.reported_devno(a->devno()), a->devno());
}

TEST(BlockDevno, ClearedOnRemove) {
  TestBed bed;
  auto a = *bed.devices.create("a", "");
  bed.devices.set_block_devno(a->devno().minor, DevNo{7, 1});
  ASSERT_TRUE(bed.devices.remove(a, false));
  EXPECT_EQ(bed.devices.find_by_devno(DevNo{7, 1}), nullptr);
  auto b = *bed.devices.create("b", "");  // same minor again
  EXPECT_EQ(bed.devices.reported_devno(b->devno()), b->devno());
}

TEST(BlockDevno, RemoveHookRefusesOrReleases) {
  TestBed bed;
  auto a = *bed.devices.create("a", "");
  a->open();  // the block device's hold
  bool busy = true;
  bed.devices.set_remove_hook([&](const MappedDevicePtr& d) -> Result<void> {
    if (busy) return fail(EBUSY, "device '" + d->name() + "' is open");
    d->close();  // detached: the hold goes
    return {};
  });
  auto r = bed.devices.remove(a, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EBUSY);
  EXPECT_EQ(bed.devices.find_by_name("a"), a);
  EXPECT_EQ(bed.devices.remove_all(false), 1u);
  busy = false;
  EXPECT_EQ(bed.devices.remove_all(false), 0u);
  EXPECT_EQ(bed.devices.find_by_name("a"), nullptr);
}

TEST(BlockDevno, DeferredRemoveWhileBusyIsMarked) {
  TestBed bed;
  auto a = *bed.devices.create("a", "");
  bed.devices.set_remove_hook([](const MappedDevicePtr&) -> Result<void> { return fail(EBUSY, "busy"); });
  ASSERT_TRUE(bed.devices.remove(a, true));
  EXPECT_TRUE(a->info(false).deferred_remove);
  EXPECT_EQ(bed.devices.find_by_name("a"), a);
}

TEST(BlockDevno, OpenCountHookOnlyWithABlockDevice) {
  TestBed bed;
  auto a = *bed.devices.create("a", "");
  bed.devices.set_open_count_hook([](const MappedDevice&, std::int32_t raw) { return raw - 1; });
  EXPECT_EQ(bed.devices.reported_open_count(*a, 3), 3);
  bed.devices.set_block_devno(a->devno().minor, DevNo{7, 3});
  EXPECT_EQ(bed.devices.reported_open_count(*a, 3), 2);
}

}  // namespace
}  // namespace udm::core
