// /dev links for mapped devices, in a temporary dev dir (no root needed).
#include <gtest/gtest.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "blockdev/dev_links.hpp"

namespace udm::blockdev {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/udm-devlinks.XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string link_of(const fs::path& p) {
  std::error_code ec;
  auto t = fs::read_symlink(p, ec);
  return ec ? std::string() : t.string();
}

TEST(DevLinkNames, MapperAlwaysVgLvForLvmUuids) {
  EXPECT_EQ(dev_link_names("plain", ""), (std::vector<std::string>{"mapper/plain"}));
  EXPECT_EQ(dev_link_names("vg-lv", "CRYPT-x"), (std::vector<std::string>{"mapper/vg-lv"}));
  EXPECT_EQ(dev_link_names("vg-lv", "LVM-abc"), (std::vector<std::string>{"mapper/vg-lv", "vg/lv"}));
  EXPECT_EQ(dev_link_names("my--vg-lv--1", "LVM-abc"),
            (std::vector<std::string>{"mapper/my--vg-lv--1", "my-vg/lv-1"}));
  // A layer device (lvm2's -real, -tpool, ...) has no VG/LV path.
  EXPECT_EQ(dev_link_names("vg-lv-real", "LVM-abc-real"), (std::vector<std::string>{"mapper/vg-lv-real"}));
}

TEST(DevLinks, TargetsRelativeInsideDevOnly) {
  EXPECT_EQ(DevLinks("/dev").target_for("/dev/loop3", "mapper/x"), "../loop3");
  EXPECT_EQ(DevLinks("/dev").target_for("/dev/loop3", "vg/lv"), "../loop3");
  EXPECT_EQ(DevLinks("/tmp/d").target_for("/dev/loop3", "mapper/x"), "/dev/loop3");
}

TEST(DevLinks, AddReplacesStaleLoopLinksOnly) {
  TempDir t;
  DevLinks links(t.path.string());
  ASSERT_TRUE(links.add("mapper/a", "/dev/loop1"));
  EXPECT_EQ(link_of(t.path / "mapper/a"), "/dev/loop1");
  ASSERT_TRUE(links.add("mapper/a", "/dev/loop1"));  // again: nothing to do
  // A crashed udmd's link to another loop is replaced.
  ASSERT_TRUE(links.add("mapper/a", "/dev/loop7"));
  EXPECT_EQ(link_of(t.path / "mapper/a"), "/dev/loop7");
  // Someone else's link or node is left alone.
  fs::create_symlink("/dev/dm-0", t.path / "mapper/b");
  auto r = links.add("mapper/b", "/dev/loop2");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EEXIST);
  EXPECT_NE(r.error().message.find("mapper/b"), std::string::npos);
  EXPECT_EQ(link_of(t.path / "mapper/b"), "/dev/dm-0");
  std::ofstream(t.path / "mapper/c") << "x";
  EXPECT_FALSE(links.add("mapper/c", "/dev/loop2"));
}

TEST(DevLinks, RemoveOnlyOwnLinksAndEmptyVgDirs) {
  TempDir t;
  DevLinks links(t.path.string());
  ASSERT_TRUE(links.add("mapper/vg-a", "/dev/loop1"));
  ASSERT_TRUE(links.add("vg/a", "/dev/loop1"));
  ASSERT_TRUE(links.add("vg/b", "/dev/loop2"));
  links.remove("vg/a", "/dev/loop9");  // not pointing there: kept
  EXPECT_EQ(link_of(t.path / "vg/a"), "/dev/loop1");
  links.remove("vg/a", "/dev/loop1");
  EXPECT_FALSE(fs::exists(fs::symlink_status(t.path / "vg/a")));
  EXPECT_TRUE(fs::is_directory(t.path / "vg"));  // b is still there
  links.remove("vg/b", "/dev/loop2");
  EXPECT_FALSE(fs::exists(t.path / "vg"));
  links.remove("mapper/vg-a", "/dev/loop1");
  EXPECT_TRUE(fs::is_directory(t.path / "mapper"));  // never removed
}

}  // namespace
}  // namespace udm::blockdev
