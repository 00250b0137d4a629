#include <gtest/gtest.h>

#include <algorithm>

#include "core/table_line.hpp"
#include "exports/fuse/device_tree.hpp"
#include "harness.hpp"

namespace udm::exports::fuse {
namespace {

struct Bed {
  core::TargetRegistry targets;
  core::DeviceRegistry devices{targets};
  Bed() { udm::targets::register_builtin_targets(targets); }
  core::MappedDevicePtr make(const std::string& name, const std::string& uuid, sector_t sectors, bool live = true) {
    auto d = *devices.create(name, uuid);
    if (!live) return d;
    reload(d, sectors);
    return d;
  }
  void reload(const core::MappedDevicePtr& d, sector_t sectors) {
    auto lines = *core::parse_table_text("0 " + std::to_string(sectors) + " zero", "t");
    d->load(*devices.build_table(lines, false, *d));
    ASSERT_TRUE(d->resume());
  }
};

bool has_entry(const DeviceTree::Diff& diff, Ino parent, const std::string& name) {
  return std::ranges::find(diff.entries, std::pair{parent, name}) != diff.entries.end();
}

TEST(DeviceTree, ListsLiveDevicesUnderMapperAndLvmDevicesUnderVg) {
  Bed bed;
  bed.make("plain", "", 8);
  bed.make("my--vg-lv", "LVM-0123", 16);
  bed.make("vg-lv-real", "LVM-0124-real", 16);  // a layer: mapper only
  bed.make("empty", "", 0, /*live=*/false);       // no live table: hidden
  DeviceTree tree;
  tree.rebuild(bed.devices.list());
  const TreeNode* mapper = tree.child(ROOT_INO, "mapper");
  ASSERT_TRUE(mapper && mapper->directory);
  EXPECT_EQ(mapper->children.size(), 3u);
  const TreeNode* plain = tree.child(mapper->ino, "plain");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->size, 8u * 512);
  EXPECT_FALSE(tree.child(mapper->ino, "empty"));
  const TreeNode* vg = tree.child(ROOT_INO, "my-vg");
  ASSERT_TRUE(vg && vg->directory);
  const TreeNode* lv = tree.child(vg->ino, "lv");
  ASSERT_TRUE(lv);
  EXPECT_EQ(lv->device->name(), "my--vg-lv");
  EXPECT_FALSE(tree.child(ROOT_INO, "vg"));
}

TEST(DeviceTree, RenameKeepsInodeAndInvalidatesBothNames) {
  Bed bed;
  auto d = bed.make("old", "", 8);
  DeviceTree tree;
  tree.rebuild(bed.devices.list());
  Ino mapper = tree.child(ROOT_INO, "mapper")->ino;
  Ino ino = tree.child(mapper, "old")->ino;
  ASSERT_TRUE(bed.devices.rename(d, "new"));
  auto diff = tree.rebuild(bed.devices.list());
  EXPECT_TRUE(has_entry(diff, mapper, "old"));
  EXPECT_TRUE(has_entry(diff, mapper, "new"));
  EXPECT_FALSE(tree.child(mapper, "old"));
  ASSERT_TRUE(tree.child(mapper, "new"));
  EXPECT_EQ(tree.child(mapper, "new")->ino, ino);
}

TEST(DeviceTree, RemoveAndResizeAreReported) {
  Bed bed;
  auto a = bed.make("a", "", 8);
  auto b = bed.make("b", "LVM-x", 8);
  ASSERT_TRUE(bed.devices.rename(b, "vg-b"));
  DeviceTree tree;
  tree.rebuild(bed.devices.list());
  Ino mapper = tree.child(ROOT_INO, "mapper")->ino;
  Ino a_ino = tree.child(mapper, "a")->ino;
  ASSERT_TRUE(tree.child(ROOT_INO, "vg"));

  bed.reload(a, 32);
  auto diff = tree.rebuild(bed.devices.list());
  EXPECT_TRUE(diff.entries.empty());
  ASSERT_EQ(diff.inodes.size(), 1u);
  EXPECT_EQ(diff.inodes[0], a_ino);
  EXPECT_EQ(tree.find(a_ino)->size, 32u * 512);

  ASSERT_TRUE(bed.devices.remove(b, false));
  diff = tree.rebuild(bed.devices.list());
  EXPECT_TRUE(has_entry(diff, mapper, "vg-b"));
  EXPECT_TRUE(has_entry(diff, ROOT_INO, "vg"));
  EXPECT_FALSE(tree.child(ROOT_INO, "vg"));
}

// sync(): one device per change, the diff names only that device's entries.
TEST(DeviceTree, SyncTouchesOnlyTheChangedDevice) {
  Bed bed;
  DeviceTree tree;
  std::vector<core::MappedDevicePtr> all;
  for (int i = 0; i < 200; ++i) {
    all.push_back(bed.make("d" + std::to_string(i), "", 8));
    auto diff = tree.sync(all.back());
    ASSERT_EQ(diff.entries.size(), 1u);  // the new entry alone
  }
  Ino mapper = tree.child(ROOT_INO, "mapper")->ino;
  EXPECT_EQ(tree.find(mapper)->children.size(), 200u);
  Ino ino = tree.child(mapper, "d7")->ino;
  ASSERT_TRUE(bed.devices.rename(all[7], "seven"));
  auto diff = tree.sync(all[7]);
  EXPECT_EQ(diff.entries.size(), 2u);
  EXPECT_TRUE(has_entry(diff, mapper, "d7"));
  EXPECT_TRUE(has_entry(diff, mapper, "seven"));
  EXPECT_EQ(tree.child(mapper, "seven")->ino, ino);
  EXPECT_TRUE(tree.sync(all[7]).entries.empty());  // idempotent
  ASSERT_TRUE(bed.devices.remove(all[9], false));
  diff = tree.sync(all[9]);
  ASSERT_EQ(diff.entries.size(), 1u);
  EXPECT_TRUE(has_entry(diff, mapper, "d9"));
  EXPECT_FALSE(tree.child(mapper, "d9"));
  EXPECT_EQ(tree.find(mapper)->children.size(), 199u);
  EXPECT_EQ(tree.device_count(), 199u);
}

// The VG directory follows its LVs: renaming the only LV keeps it, moving it
// to another VG drops the empty one.
TEST(DeviceTree, SyncMovesLvsBetweenVgDirectories) {
  Bed bed;
  auto lv = bed.make("vg-a", "LVM-1", 8);
  DeviceTree tree;
  tree.sync(lv);
  Ino vg = tree.child(ROOT_INO, "vg")->ino;
  ASSERT_TRUE(bed.devices.rename(lv, "vg-b"));
  tree.sync(lv);
  ASSERT_TRUE(tree.child(ROOT_INO, "vg"));
  EXPECT_EQ(tree.child(ROOT_INO, "vg")->ino, vg);
  EXPECT_TRUE(tree.child(vg, "b"));
  EXPECT_FALSE(tree.child(vg, "a"));
  ASSERT_TRUE(bed.devices.rename(lv, "other-b"));
  auto diff = tree.sync(lv);
  EXPECT_TRUE(has_entry(diff, ROOT_INO, "vg"));
  EXPECT_FALSE(tree.child(ROOT_INO, "vg"));
  ASSERT_TRUE(tree.child(ROOT_INO, "other"));
  EXPECT_TRUE(tree.child(tree.child(ROOT_INO, "other")->ino, "b"));
  ASSERT_TRUE(bed.devices.remove(lv, false));
  tree.sync(lv);
  EXPECT_FALSE(tree.child(ROOT_INO, "other"));
  EXPECT_EQ(tree.find(ROOT_INO)->children.size(), 1u);  // mapper
}

// readdir resumes from a cookie: entries keep theirs while others come and
// go, so a listing in pieces sees every entry that stayed exactly once.
TEST(DeviceTree, ListingCookiesAreStable) {
  Bed bed;
  DeviceTree tree;
  std::vector<core::MappedDevicePtr> all;
  for (int i = 0; i < 10; ++i) {
    all.push_back(bed.make("d" + std::to_string(i), "", 8));
    tree.sync(all.back());
  }
  const TreeNode* mapper = tree.child(ROOT_INO, "mapper");
  std::uint64_t cookie5 = tree.child(mapper->ino, "d5")->cookie;
  ASSERT_TRUE(bed.devices.remove(all[2], false));
  tree.sync(all[2]);
  EXPECT_EQ(tree.child(mapper->ino, "d5")->cookie, cookie5);
  std::vector<std::string> after;
  for (auto it = mapper->listing.lower_bound(cookie5); it != mapper->listing.end(); ++it)
    after.push_back(tree.find(it->second)->name);
  EXPECT_EQ(after, (std::vector<std::string>{"d5", "d6", "d7", "d8", "d9"}));
  EXPECT_EQ(mapper->listing.size(), 9u);
  EXPECT_GE(mapper->listing.begin()->first, FIRST_COOKIE);
}

}  // namespace
}  // namespace udm::exports::fuse
