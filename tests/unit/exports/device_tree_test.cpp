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

}  // namespace
}  // namespace udm::exports::fuse
