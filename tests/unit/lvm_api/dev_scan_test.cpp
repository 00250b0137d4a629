// The /dev scan as lvm2 2.03.16 does it, on a fake /dev, /sys and /proc
// tree: aliases, the regex filters over every name, the type, sysfs, LV,
// size and partition filters, each with lvm2's reason.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "lvm/api/dev_scan.hpp"

namespace udm::lvm::api {
namespace {

namespace fs = std::filesystem;

class DevScan : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for mknod";
    root_ = (fs::temp_directory_path() / ("devscan_test_" + std::to_string(getpid()))).string();
    fs::remove_all(root_);
    dev_ = root_ + "/dev";
    node("loop0", 7, 0, 64 << 20);
    node("loop1", 7, 1, 64 << 20);
    node("loop2", 7, 2, 1 << 20);       // below pv_min_size
    node("loop3", 7, 3, 64 << 20);      // udm's LV device
    node("loop4", 7, 4, 64 << 20, false);  // no sysfs entry
    node("zram0", 253, 0, 64 << 20);    // a driver lvm2 does not know
    node("vda", 254, 0, 1 << 30);       // partitioned
    node("vda1", 254, 1, 512 << 20);
    fs::create_directories(dev_ + "/disk/by-id");
    fs::create_symlink("../../loop1", dev_ + "/disk/by-id/virtio-one");
    fs::create_directories(dev_ + "/fdlink-target");
    fs::create_directory_symlink(dev_ + "/fdlink-target", dev_ + "/fd");  // not followed
    write(root_ + "/sys/dev/block/7:3/loop/backing_file", "/run/udm/dev/mapper/vg-lv\n");
    write(root_ + "/sys/dev/block/254:0/vda1/partition", "1\n");
    write(root_ + "/sys/dev/block/254:1/partition", "1\n");
    write(root_ + "/proc/devices", "Character devices:\n  1 mem\n  7 vcs\n\nBlock devices:\n  7 loop\n253 zram\n254 virtblk\n");
    env_.sys_root = root_ + "/sys";
    env_.proc_root = root_ + "/proc";
    env_.size = [this](const std::string& p) -> std::optional<std::uint64_t> {
      auto it = sizes_.find(p);
      if (it == sizes_.end()) return std::nullopt;
      return it->second;
    };
    env_.is_udm_file = [](const std::string& f) { return f.starts_with("/run/udm/"); };
  }
  void TearDown() override {
    if (!root_.empty()) fs::remove_all(root_);
  }
  void write(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
  }
  void node(const std::string& name, unsigned maj, unsigned min, std::uint64_t size, bool sysfs = true) {
    fs::create_directories(dev_);
    const std::string p = dev_ + "/" + name;
    ASSERT_EQ(::mknod(p.c_str(), S_IFBLK | 0600, makedev(maj, min)), 0) << p;
    sizes_[p] = size;
    if (sysfs) fs::create_directories(root_ + "/sys/dev/block/" + std::to_string(maj) + ":" + std::to_string(min));
  }
  Config config(const std::string& text) {
    Config c;
    auto tree = parse_config_text(text);
    EXPECT_TRUE(tree) << tree.error().message;
    for (auto [key, rules] : {std::pair{"filter", &c.filter}, std::pair{"global_filter", &c.global_filter}})
      if (const ConfigNode* n = find_config_path(tree->root, key)) {
        auto r = parse_filter(*n);
        EXPECT_TRUE(r) << r.error().message;
        if (r) *rules = *r;
      }
    return c;
  }
  std::map<std::string, std::string> reasons(const DeviceScan& s) {
    std::map<std::string, std::string> out;
    for (const auto& d : s.devices) out[d.name.substr(dev_.size() + 1)] = d.reason;
    return out;
  }
  std::string root_, dev_;
  std::map<std::string, std::uint64_t> sizes_;
  ScanEnv env_;
};

TEST_F(DevScan, FiltersAsLvm2WithItsReasons) {
  auto s = scan_block_devices(config(""), {dev_}, env_);
  std::map<std::string, std::string> want = {
      {"loop0", ""},
      {"loop1", ""},
      {"loop2", "device is too small (pv_min_size)"},
      {"loop3", "device is an LV"},
      {"loop4", "device is missing sysfs info"},
      {"zram0", "device type is unknown"},
      {"vda", "device is partitioned"},
      {"vda1", ""},
  };
  EXPECT_EQ(reasons(s), want);
  EXPECT_EQ(s.usable(), (std::vector<std::string>{dev_ + "/loop0", dev_ + "/loop1", dev_ + "/vda1"}));
  // One device per number, its symlink an alias after the shorter name.
  const BlockDevice* d = s.find(dev_ + "/disk/by-id/virtio-one");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->aliases, (std::vector<std::string>{dev_ + "/loop1", dev_ + "/disk/by-id/virtio-one"}));
  EXPECT_EQ(s.find(dev_ + "/nothing"), nullptr);
}

TEST_F(DevScan, ConfigKeysWidenTheScan) {
  Config c = config("");
  c.types = {"zram"};
  c.scan_lvs = true;
  c.sysfs_scan = false;
  c.pv_min_size_kib = 512;
  auto r = reasons(scan_block_devices(c, {dev_}, env_));
  EXPECT_EQ(r["zram0"], "");
  EXPECT_EQ(r["loop3"], "");
  EXPECT_EQ(r["loop4"], "");
  EXPECT_EQ(r["loop2"], "");
}

TEST_F(DevScan, RegexFilterAcceptsADeviceByAnyOfItsNames) {
  // Only by-id names: loop1 passes through its symlink and takes that name.
  auto s = scan_block_devices(config(R"(filter = [ "a|/disk/by-id/|", "r|.*|" ])"), {dev_}, env_);
  auto r = reasons(s);
  EXPECT_EQ(r["disk/by-id/virtio-one"], "");
  EXPECT_EQ(r["loop0"], "device is rejected by filter config");
  EXPECT_EQ(s.usable(), std::vector<std::string>{dev_ + "/disk/by-id/virtio-one"});
  // A name rejected and no name accepted: rejected, whatever other names match nothing.
  r = reasons(scan_block_devices(config(R"(global_filter = [ "r|loop1$|" ])"), {dev_}, env_));
  EXPECT_EQ(r["loop1"], "device is rejected by filter config");
  EXPECT_EQ(r["loop0"], "");
  // global_filter first, then filter; brackets as delimiters.
  r = reasons(scan_block_devices(config(R"~(global_filter = "a(loop)" filter = [ "r{loop0}" ])~"), {dev_}, env_));
  EXPECT_EQ(r["loop0"], "device is rejected by filter config");
  EXPECT_EQ(r["loop1"], "");
}

TEST(DevScanNames, Lvm2PreferredNameOrder) {
  EXPECT_TRUE(preferred_name("/dev/sda", "/dev/disk/by-id/x"));
  EXPECT_TRUE(preferred_name("/dev/mapper/vg-lv", "/dev/dm-3"));
  EXPECT_TRUE(preferred_name("/dev/vg/lv", "/dev/mapper/vg-lv"));
  EXPECT_TRUE(preferred_name("/dev/disk/by-id/x", "/dev/block/7:0"));
  EXPECT_TRUE(preferred_name("/dev/null", "/dev/zero"));
  EXPECT_FALSE(preferred_name("/dev/zero", "/dev/null"));
  EXPECT_TRUE(preferred_name("/dev/stdin", "/dev/null"));  // a symlink
  EXPECT_FALSE(preferred_name("/dev/null", "/dev/stdin"));
}

TEST(DevScanNames, FirstMatchingItemDecidesPerName) {
  auto rules = parse_filter(*parse_config_text(R"(f = [ "r|a|", "a|.*|" ])")->root.find("f"));
  ASSERT_TRUE(rules);
  std::string name = "/dev/a";
  EXPECT_FALSE(regex_filter_passes(*rules, {"/dev/a"}, name));
  EXPECT_TRUE(regex_filter_passes(*rules, {"/dev/a", "/dev/b"}, name));
  EXPECT_EQ(name, "/dev/b");
  EXPECT_TRUE(regex_filter_passes({}, {"/dev/a"}, name));
}

}  // namespace
}  // namespace udm::lvm::api
