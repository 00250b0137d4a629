// The activation device tree: planning an LV into dm devices, and carrying a
// layered plan out against a real udmd started in-process.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "daemon/in_process.hpp"
#include "lvm/activate/device_tree.hpp"
#include "lvm/activate/driver.hpp"
#include "lvm/metadata/dm_names.hpp"
#include "udm/client.hpp"

namespace udm::lvm::activate {
namespace {

VolumeGroup two_pv_vg() {
  VolumeGroup vg;
  vg.name = "my-vg";
  vg.id = std::string(32, 'V');
  vg.extent_size = 8;  // 4 KiB extents keep files small
  for (int i = 0; i < 2; ++i) {
    PhysicalVolume pv;
    pv.name = "pv" + std::to_string(i);
    pv.id = std::string(32, static_cast<char>('A' + i));
    pv.pe_start = 2048;
    pv.pe_count = 256;
    vg.pvs.push_back(pv);
  }
  LogicalVolume lv;
  lv.name = "lv-1";
  lv.id = std::string(32, 'L');
  Segment s1;
  s1.extent_count = 16;
  s1.stripes = {{"pv0", 0}};
  Segment s2;
  s2.start_extent = 16;
  s2.extent_count = 8;
  s2.stripes = {{"pv1", 4}};
  lv.segments = {s1, s2};
  vg.lvs.push_back(lv);
  return vg;
}

TEST(DeviceTree, LinearLvIsOneDeviceWithLvm2NameAndUuid) {
  VolumeGroup vg = two_pv_vg();
  auto tree = plan_lv(vg, vg.lvs[0], {{"pv0", "/dev/a"}, {"pv1", "/dev/b"}});
  ASSERT_TRUE(tree) << tree.error().message;
  ASSERT_EQ(tree->devices().size(), 1u);
  const DmDevice& d = tree->top();
  EXPECT_EQ(d.name, "my--vg-lv--1");
  EXPECT_EQ(d.uuid, "LVM-" + std::string(32, 'V') + std::string(32, 'L'));
  EXPECT_TRUE(d.deps.empty());
  ASSERT_EQ(d.table.size(), 2u);
  EXPECT_EQ(d.table[0], (TableLine{0, 128, "linear", "/dev/a 2048"}));
  EXPECT_EQ(d.table[1], (TableLine{128, 64, "linear", "/dev/b 2080"}));
  EXPECT_FALSE(d.read_only);
}

TEST(DeviceTree, MissingPvIsAnErrorNamingIt) {
  VolumeGroup vg = two_pv_vg();
  auto tree = plan_lv(vg, vg.lvs[0], {{"pv0", "/dev/a"}});
  ASSERT_FALSE(tree);
  EXPECT_EQ(tree.error().message, "Cannot activate my-vg/lv-1: PV BBBBBB-BBBB-BBBB-BBBB-BBBB-BBBB-BBBBBB () is missing");
}

TEST(DeviceTree, LayerNamesAndUuidsAsLvm2) {
  EXPECT_EQ(dm_device_name("vg", "my-lv", "real"), "vg-my--lv-real");
  EXPECT_EQ(dm_device_uuid("V", "L", "cow"), "LVM-VL-cow");
  EXPECT_EQ(dm_device_name("vg", "lv"), "vg-lv");
}

TEST(DeviceTree, RefsResolveToDevnosAndUnknownOnesFail) {
  std::map<std::string, std::string, std::less<>> devnos{{"LVM-a-real", "253:4"}, {"LVM-b-cow", "253:7"}};
  auto r = resolve_refs(device_ref("LVM-a-real") + " " + device_ref("LVM-b-cow") + " P 8", devnos);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "253:4 253:7 P 8");
  EXPECT_FALSE(resolve_refs(device_ref("LVM-x"), devnos));
  EXPECT_EQ(*resolve_refs("/dev/a 0", devnos), "/dev/a 0");
}

TEST(DeviceTree, AddKeepsTheFirstDeviceOfAUuid) {
  DeviceTree t;
  DmDevice a, b;
  a.name = "a";
  a.uuid = b.uuid = "U1";
  b.name = "b";
  EXPECT_EQ(t.add(a), device_ref("U1"));
  EXPECT_EQ(t.add(b), device_ref("U1"));
  ASSERT_EQ(t.devices().size(), 1u);
  EXPECT_EQ(t.devices()[0].name, "a");
}

// ---------------------------------------------------------------- against udmd

class DriverTest : public daemon::test::InProcessDaemon {
 protected:
  void SetUp() override {
    InProcessDaemon::SetUp();
    auto d = daemon::Daemon::start(opts_, *log_);
    ASSERT_TRUE(d) << d.error().message;
    daemon_ = std::move(*d);
    ::setenv("UDM_RUNDIR", opts_.rundir.c_str(), 1);
    auto drv = Driver::connect(false);
    ASSERT_TRUE(drv) << drv.error().message;
    drv_ = std::move(*drv);
    file_ = dir_ + "/pv.img";
    int fd = ::open(file_.c_str(), O_CREAT | O_RDWR, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, 8 << 20), 0);
    ::close(fd);
  }
  void TearDown() override {
    drv_.reset();
    daemon_.reset();
    ::unsetenv("UDM_RUNDIR");
    InProcessDaemon::TearDown();
  }
  static DmDevice dev(std::string name, std::string uuid, std::string params, std::vector<std::string> deps = {}) {
    DmDevice d;
    d.name = std::move(name);
    d.uuid = std::move(uuid);
    d.table = {{0, 1024, "linear", std::move(params)}};
    d.deps = std::move(deps);
    return d;
  }
  std::string devno(const std::string& uuid) {
    auto i = drv_->info(uuid);
    EXPECT_TRUE(i && i->exists);
    return i ? std::to_string(i->major) + ":" + std::to_string(i->minor) : "";
  }

  std::unique_ptr<daemon::Daemon> daemon_;
  std::unique_ptr<Driver> drv_;
  std::string file_;
};

TEST_F(DriverTest, LayeredTreeLoadsBottomUpAndRemovesTopDown) {
  DeviceTree t;
  t.add(dev("vg-lv-real", "U-real", file_ + " 0"));
  t.add(dev("vg-lv", "U", device_ref("U-real") + " 0", {"U-real"}));
  ASSERT_TRUE(drv_->apply(t)) << "apply";
  auto top = drv_->table("U");
  ASSERT_TRUE(top);
  ASSERT_EQ(top->size(), 1u);
  EXPECT_EQ((*top)[0].params, devno("U-real") + " 0");
  auto lower = drv_->info("U-real");
  ASSERT_TRUE(lower);
  EXPECT_EQ(lower->open_count, 1) << "the top device holds its layer";

  // Applying the same plan again changes nothing (no reload, same event number).
  const auto before = drv_->info("U")->event_nr;
  ASSERT_TRUE(drv_->apply(t));
  EXPECT_EQ(drv_->info("U")->event_nr, before);

  ASSERT_TRUE(drv_->remove(t, "vg/lv"));
  EXPECT_FALSE(drv_->info("U")->exists);
  EXPECT_FALSE(drv_->info("U-real")->exists);
}

TEST_F(DriverTest, ChangedTopIsReloadedOverANewLayerAndResumed) {
  DeviceTree plain;
  plain.add(dev("vg-lv", "U", file_ + " 0"));
  ASSERT_TRUE(drv_->apply(plain));
  DeviceTree layered;
  layered.add(dev("vg-lv-real", "U-real", file_ + " 0"));
  layered.add(dev("vg-lv", "U", device_ref("U-real") + " 0", {"U-real"}));
  ASSERT_TRUE(drv_->apply(layered));
  auto i = drv_->info("U");
  ASSERT_TRUE(i);
  EXPECT_FALSE(i->suspended);
  EXPECT_FALSE(i->inactive_table);
  EXPECT_EQ((*drv_->table("U"))[0].params, devno("U-real") + " 0");
}

TEST_F(DriverTest, FailedLoadLeavesThePreviousStackRunning) {
  DeviceTree plain;
  plain.add(dev("vg-lv", "U", file_ + " 0"));
  ASSERT_TRUE(drv_->apply(plain));
  DeviceTree bad;
  bad.add(dev("vg-lv-real", "U-real", file_ + " 0"));
  DmDevice top = dev("vg-lv", "U", device_ref("U-real") + " 0", {"U-real"});
  top.table[0].type = "no-such-target";
  bad.add(top);
  EXPECT_FALSE(drv_->apply(bad));
  auto i = drv_->info("U");
  ASSERT_TRUE(i && i->exists);
  EXPECT_FALSE(i->suspended);
  EXPECT_FALSE(i->inactive_table);
  EXPECT_EQ((*drv_->table("U"))[0].params, file_ + " 0");
  EXPECT_FALSE(drv_->info("U-real")->exists) << "the new layer is removed again";
}

TEST_F(DriverTest, LowerDeviceHeldByAnotherStaysOnRemove) {
  DeviceTree a;
  a.add(dev("vg-lv-real", "U-real", file_ + " 0"));
  a.add(dev("vg-lv", "U", device_ref("U-real") + " 0", {"U-real"}));
  DeviceTree b;
  b.add(dev("vg-lv-real", "U-real", file_ + " 0"));
  b.add(dev("vg-snap", "S", device_ref("U-real") + " 0", {"U-real"}));
  ASSERT_TRUE(drv_->apply(a));
  ASSERT_TRUE(drv_->apply(b));
  ASSERT_TRUE(drv_->remove(a, "vg/lv"));
  EXPECT_FALSE(drv_->info("U")->exists);
  EXPECT_TRUE(drv_->info("U-real")->exists) << "vg-snap still uses it";
  ASSERT_TRUE(drv_->remove(b, "vg/snap"));
  EXPECT_FALSE(drv_->info("U-real")->exists);
}

TEST_F(DriverTest, OpenTopIsRefused) {
  DeviceTree a;
  a.add(dev("vg-lv", "U", file_ + " 0"));
  DeviceTree b;
  b.add(dev("vg-lv", "U", file_ + " 0"));
  b.add(dev("vg-up", "UP", device_ref("U") + " 0", {"U"}));
  ASSERT_TRUE(drv_->apply(a));
  ASSERT_TRUE(drv_->apply(b));
  auto r = drv_->remove(a, "vg/lv");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "Logical volume vg/lv in use.");
}

}  // namespace
}  // namespace udm::lvm::activate

// ---------------------------------------------------------------- pipelined batches

namespace udm::lvm::activate {
namespace {

// The devices udmd has, asked on a connection of its own (the driver's
// calls would carry out the batch first).
std::vector<std::string> names_on_udmd() {
  client::ConnectOptions o;
  o.kind = client::ConnectOptions::Kind::udmd;
  o.autostart = false;
  auto c = client::Client::connect(o);
  if (!c) return {"(no connection)"};
  client::Task t(**c, client::TaskType::list);
  if (!t.run()) return {"(list failed)"};
  std::vector<std::string> out;
  for (const auto& n : t.names()) out.push_back(n.name);
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(DriverTest, PipelinedBatchMakesEveryTreeAtItsEnd) {
  ASSERT_TRUE(drv_->begin_batch(true));
  for (int i = 0; i < 40; ++i) {
    const std::string n = std::to_string(i);
    DeviceTree t;
    if (i % 2) {  // a layer under the top: two levels
      t.add(dev("vg-l" + n + "-real", "U" + n + "-real", file_ + " " + n));
      t.add(dev("vg-l" + n, "U" + n, device_ref("U" + n + "-real") + " 0", {"U" + n + "-real"}));
    } else {
      t.add(dev("vg-l" + n, "U" + n, file_ + " " + n));
    }
    ASSERT_TRUE(drv_->apply_in_batch(std::move(t), "vg/l" + n));
  }
  EXPECT_TRUE(names_on_udmd().empty()) << "nothing is made before the batch ends";
  EXPECT_TRUE(drv_->end_batch().empty());
  EXPECT_EQ(names_on_udmd().size(), 60u);
  for (int i = 0; i < 40; ++i) {
    const std::string n = std::to_string(i);
    auto top = drv_->info("U" + n);
    ASSERT_TRUE(top && top->exists);
    EXPECT_TRUE(top->live_table);
    EXPECT_FALSE(top->suspended);
    EXPECT_EQ((*drv_->table("U" + n))[0].params, i % 2 ? devno("U" + n + "-real") + " 0" : file_ + " " + n);
  }
}

TEST_F(DriverTest, PipelinedBatchReportsAFailedTreeAndRemovesWhatItMade) {
  ASSERT_TRUE(drv_->begin_batch(true));
  DeviceTree good;
  good.add(dev("vg-good", "G", file_ + " 0"));
  DeviceTree bad;
  bad.add(dev("vg-bad-real", "B-real", file_ + " 0"));
  DmDevice top = dev("vg-bad", "B", device_ref("B-real") + " 0", {"B-real"});
  top.table[0].type = "no-such-target";
  bad.add(top);
  ASSERT_TRUE(drv_->apply_in_batch(bad, "vg/bad"));
  ASSERT_TRUE(drv_->apply_in_batch(good, "vg/good"));
  auto failures = drv_->end_batch();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].lv, "vg/bad");
  // What apply() says of the same tree outside a batch.
  auto alone = drv_->apply(bad);
  ASSERT_FALSE(alone);
  EXPECT_EQ(failures[0].error.message, alone.error().message);
  EXPECT_EQ(names_on_udmd(), std::vector<std::string>{"vg-good"});
}

TEST_F(DriverTest, AnyOtherCallCarriesOutTheBatchFirst) {
  ASSERT_TRUE(drv_->begin_batch(true));
  DeviceTree t;
  t.add(dev("vg-lv", "U", file_ + " 0"));
  ASSERT_TRUE(drv_->apply_in_batch(t, "vg/lv"));
  auto i = drv_->info("U");
  ASSERT_TRUE(i);
  EXPECT_TRUE(i->exists);
  // A tree whose devices exist already is applied at once, as apply() does.
  ASSERT_TRUE(drv_->apply_in_batch(t, "vg/lv"));
  EXPECT_TRUE(drv_->end_batch().empty());
}

}  // namespace
}  // namespace udm::lvm::activate
