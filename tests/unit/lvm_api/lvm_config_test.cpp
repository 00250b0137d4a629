// lvm.conf as lvm2 reads it: $LVM_SYSTEM_DIR/lvm.conf, udm's own file and
// --config merged in that order; lvm2's a|re| / r|re| filters.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "lvm/api/config.hpp"

namespace udm::lvm::api {
namespace {

class LvmConf : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("lvmconf_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_ + "/etc");
    setenv("LVM_SYSTEM_DIR", (dir_ + "/etc").c_str(), 1);
    setenv("UDM_LVM_CONFDIR", (dir_ + "/conf").c_str(), 1);
    unsetenv("UDM_LVM_CONFIG");
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    unsetenv("LVM_SYSTEM_DIR");
    unsetenv("UDM_LVM_CONFDIR");
  }
  void write(const std::string& path, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << text;
  }
  std::string dir_;
};

TEST_F(LvmConf, ReadsLvmSystemDirAndMergesCommandLine) {
  write(dir_ + "/etc/lvm.conf",
        "devices {\n  devices = [ \"/a\", \"/b\" ]\n  filter = [ \"r|/b$|\" ]\n}\n"
        "backup {\n  backup = 0\n  backup_dir = \"/bk\"\n}\n");
  auto c = load_config({});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->devices, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_FALSE(c->backup);
  EXPECT_TRUE(c->archive);
  EXPECT_EQ(c->backup_dir, "/bk");
  EXPECT_EQ(c->archive_dir, dir_ + "/conf/archive");  // UDM_LVM_CONFDIR still places the default
  EXPECT_TRUE(c->accepts("/a"));
  EXPECT_FALSE(c->accepts("/b"));

  // --config in both spellings, the last one winning key by key.
  c = load_config({}, {"backup/backup=1 devices/filter=[\"a|.*|\"]", "backup { archive = 0 }"});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->backup);
  EXPECT_FALSE(c->archive);
  EXPECT_TRUE(c->accepts("/b"));
  EXPECT_EQ(c->backup_dir, "/bk");
  ASSERT_NE(c->find("backup/backup"), nullptr);
  EXPECT_EQ(c->cli_tree.root.children.size(), 2u);  // backup, devices
}

TEST_F(LvmConf, UdmFileOverridesLvmConf) {
  write(dir_ + "/etc/lvm.conf", "devices { devices = \"/a\" }\nbackup { archive = 0 }\n");
  write(dir_ + "/conf/lvm.conf", "devices = /p,/q\n");
  auto c = load_config({});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->devices, (std::vector<std::string>{"/p", "/q"}));
  EXPECT_FALSE(c->archive);
  c = load_config({"/cli"});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->devices, (std::vector<std::string>{"/cli"}));
}

TEST_F(LvmConf, FilterFirstMatchWinsAndGlobalFilterToo) {
  ConfigNode n{.key = "filter", .is_section = false, .value = {}, .children = {}, .comment = {}};
  n.value = ConfigValue::of_array({ConfigValue::of_string("a|/dev/loop1$|"), ConfigValue::of_string("r|loop|"),
                                   ConfigValue::of_string("a|.*|")});
  auto rules = parse_filter(n);
  ASSERT_TRUE(rules) << rules.error().message;
  EXPECT_TRUE(filter_accepts(*rules, "/dev/loop1"));
  EXPECT_FALSE(filter_accepts(*rules, "/dev/loop10"));
  EXPECT_TRUE(filter_accepts(*rules, "/dev/sda"));
  EXPECT_TRUE(filter_accepts({}, "/dev/sda"));

  write(dir_ + "/etc/lvm.conf", "devices { global_filter = \"r|sda|\" filter = [ \"a|sda|\" ] }\n");
  auto c = load_config({});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_FALSE(c->accepts("/dev/sda"));  // both must accept
  EXPECT_TRUE(c->accepts("/dev/sdb"));
}

TEST_F(LvmConf, BadItemsAreErrorsNamingThem) {
  auto c = load_config({}, {"devices/filter=[\"x|y|\"]"});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "Invalid filter pattern \"x|y|\".");
  c = load_config({}, {"devices/filter=[\"a|(|\"]"});
  ASSERT_FALSE(c);
  write(dir_ + "/etc/lvm.conf", "devices {\n");
  c = load_config({});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("/etc/lvm.conf"), std::string::npos) << c.error().message;
}

}  // namespace
}  // namespace udm::lvm::api

namespace udm::lvm::api {
namespace {
// udm's file in the old one-line form: "devices = /a" parses as config
// syntax and still means devices/devices.
TEST_F(LvmConf, UdmFileTopLevelDevicesKey) {
  write(dir_ + "/conf/lvm.conf", "devices = /tmp/a.img\nbackup = 0\n");
  auto c = load_config({});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->devices, (std::vector<std::string>{"/tmp/a.img"}));
  EXPECT_FALSE(c->backup);
}
}  // namespace
}  // namespace udm::lvm::api
