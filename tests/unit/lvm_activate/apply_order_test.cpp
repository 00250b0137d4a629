// Driver::apply's order against an in-process udmd, as LVM2's deptree:
// new and changed tables load while the old ones still run (so a load that
// reads a lower device, as a raid table reads its _rmeta, never waits on a
// suspended one), then the changed devices are suspended top-down and
// resumed bottom-up; a lower device that grows runs its new size before the
// tables above it load; a failed load leaves the old stack running.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "daemon/in_process.hpp"
#include "lvm/activate/device_tree.hpp"
#include "lvm/activate/driver.hpp"

namespace udm::lvm::activate {
namespace {

class ApplyOrder : public daemon::test::InProcessDaemon {
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
  static DmDevice dev(std::string name, std::string uuid, std::vector<TableLine> table,
                      std::vector<std::string> deps = {}) {
    DmDevice d;
    d.name = std::move(name);
    d.uuid = std::move(uuid);
    d.table = std::move(table);
    d.deps = std::move(deps);
    return d;
  }
  TableLine linear(std::uint64_t start, std::uint64_t len, std::uint64_t at) const {
    return {start, len, "linear", file_ + " " + std::to_string(at)};
  }
  // A raid1 LV of two legs on the file: _rmeta_N (1 MiB) and _rimage_N (2 MiB).
  // `meta0_split` plans _rmeta_0 as two lines (the same sectors, a new table);
  // `params` are the raid parameters after the chunk size.
  DeviceTree raid(bool meta0_split, const std::string& params) const {
    DeviceTree t;
    if (meta0_split)
      t.add(dev("vg-r_rmeta_0", "R-m0", {linear(0, 1024, 0), linear(1024, 1024, 1024)}));
    else
      t.add(dev("vg-r_rmeta_0", "R-m0", {linear(0, 2048, 0)}));
    t.add(dev("vg-r_rimage_0", "R-i0", {linear(0, 4096, 2048)}));
    t.add(dev("vg-r_rmeta_1", "R-m1", {linear(0, 2048, 6144)}));
    t.add(dev("vg-r_rimage_1", "R-i1", {linear(0, 4096, 8192)}));
    std::size_t words = 2;
    for (char c : params) words += c == ' ';
    const std::string legs = "2 " + device_ref("R-m0") + " " + device_ref("R-i0") + " " + device_ref("R-m1") + " " +
                             device_ref("R-i1");
    t.add(dev("vg-r", "R", {{0, 4096, "raid", "raid1 " + std::to_string(words) + " 0 " + params + " " + legs}},
              {"R-m0", "R-i0", "R-m1", "R-i1"}));
    return t;
  }

  std::unique_ptr<daemon::Daemon> daemon_;
  std::unique_ptr<Driver> drv_;
  std::string file_;
};

TEST_F(ApplyOrder, TablesLoadBeforeTheSuspendAndTheHookSeesThemSuspended) {
  DeviceTree a;
  a.add(dev("vg-lv-real", "U-real", {linear(0, 1024, 0)}));
  a.add(dev("vg-lv", "U", {{0, 1024, "linear", device_ref("U-real") + " 0"}}, {"U-real"}));
  ASSERT_TRUE(drv_->apply(a));
  DeviceTree b;
  b.add(dev("vg-lv-real", "U-real", {linear(0, 1024, 2048)}));
  b.add(dev("vg-lv", "U",
            {{0, 512, "linear", device_ref("U-real") + " 0"}, {512, 512, "linear", device_ref("U-real") + " 512"}},
            {"U-real"}));
  ApplyOptions o;
  int calls = 0;
  o.while_suspended = [&]() -> Result<void> {
    ++calls;
    for (const char* u : {"U", "U-real"}) {
      auto i = drv_->info(u);
      EXPECT_TRUE(i && i->suspended) << u << " is suspended";
      EXPECT_TRUE(i && i->inactive_table) << u << "'s new table is loaded already";
    }
    return {};
  };
  ASSERT_TRUE(drv_->apply(b, o));
  EXPECT_EQ(calls, 1);
  for (const char* u : {"U", "U-real"}) {
    auto i = drv_->info(u);
    ASSERT_TRUE(i && i->exists);
    EXPECT_FALSE(i->suspended) << u;
    EXPECT_FALSE(i->inactive_table) << u;
  }
  EXPECT_EQ((*drv_->table("U-real"))[0].params, file_ + " 2048");
}

TEST_F(ApplyOrder, ARaidTableLoadsWhileItsChangedMetadataDevicesRun) {
  // The raid table's load reads every _rmeta: with _rmeta_0 changing too, a
  // suspend before the loads would hold that read (and the apply) forever.
  ASSERT_TRUE(drv_->apply(raid(false, "nosync region_size 1024")));
  ASSERT_TRUE(drv_->apply(raid(true, "nosync region_size 1024 max_recovery_rate 1000")));
  auto top = drv_->table("R");
  ASSERT_TRUE(top);
  EXPECT_NE((*top)[0].params.find("max_recovery_rate 1000"), std::string::npos) << (*top)[0].params;
  EXPECT_EQ(drv_->table("R-m0")->size(), 2u);
  auto st = drv_->status("R");
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)[0].params.substr(0, 11), "raid1 2 AA ") << (*st)[0].params;
  for (const char* u : {"R", "R-m0", "R-i0", "R-m1", "R-i1"}) EXPECT_FALSE(drv_->info(u)->suspended) << u;
}

TEST_F(ApplyOrder, AGrowingLowerDeviceRunsItsNewSizeBeforeTheTopLoads) {
  DeviceTree a;
  a.add(dev("vg-lv-real", "U-real", {linear(0, 1024, 0)}));
  a.add(dev("vg-lv", "U", {{0, 1024, "linear", device_ref("U-real") + " 0"}}, {"U-real"}));
  ASSERT_TRUE(drv_->apply(a));
  DeviceTree b;
  b.add(dev("vg-lv-real", "U-real", {linear(0, 4096, 0)}));
  b.add(dev("vg-lv", "U", {{0, 4096, "linear", device_ref("U-real") + " 0"}}, {"U-real"}));
  ASSERT_TRUE(drv_->apply(b));
  EXPECT_EQ((*drv_->table("U"))[0].length, 4096u);
  EXPECT_EQ((*drv_->table("U-real"))[0].length, 4096u);
  EXPECT_FALSE(drv_->info("U")->suspended);
}

TEST_F(ApplyOrder, ANewLowerDeviceThatKeepsStateComesUpWithTheOldStackSuspended) {
  // A -real layer taking an origin's stateful table over (here `delay`, not
  // one of the plain mappings) must not run beside the old top: the top is
  // suspended first, then the layer made and the top loaded over it.
  DeviceTree a;
  a.add(dev("vg-lv", "U", {linear(0, 1024, 0)}));
  ASSERT_TRUE(drv_->apply(a));
  DeviceTree b;
  b.add(dev("vg-lv-real", "U-real", {{0, 1024, "delay", file_ + " 0 0"}}));
  b.add(dev("vg-lv", "U", {{0, 1024, "linear", device_ref("U-real") + " 0"}}, {"U-real"}));
  ApplyOptions o;
  o.suspend_too = {"U"};
  int calls = 0;
  o.while_suspended = [&]() -> Result<void> {
    ++calls;
    auto i = drv_->info("U");
    EXPECT_TRUE(i && i->suspended && i->inactive_table);
    return {};
  };
  ASSERT_TRUE(drv_->apply(b, o));
  EXPECT_EQ(calls, 1);
  for (const char* u : {"U", "U-real"}) {
    auto i = drv_->info(u);
    ASSERT_TRUE(i && i->exists) << u;
    EXPECT_FALSE(i->suspended) << u;
    EXPECT_FALSE(i->inactive_table) << u;
  }
  EXPECT_EQ((*drv_->table("U-real"))[0].type, "delay");
}

TEST_F(ApplyOrder, AFailedTopLoadClearsTheLowerNewTableAndKeepsTheOldStack) {
  DeviceTree a;
  a.add(dev("vg-lv-real", "U-real", {linear(0, 1024, 0)}));
  a.add(dev("vg-lv", "U", {{0, 1024, "linear", device_ref("U-real") + " 0"}}, {"U-real"}));
  ASSERT_TRUE(drv_->apply(a));
  DeviceTree b;
  b.add(dev("vg-lv-real", "U-real", {linear(0, 1024, 2048)}));
  b.add(dev("vg-lv-new", "U-new", {linear(0, 1024, 4096)}));
  b.add(dev("vg-lv", "U", {{0, 1024, "no-such-target", device_ref("U-real") + " 0"}}, {"U-real", "U-new"}));
  ApplyOptions o;
  bool ran = false;
  o.while_suspended = [&]() -> Result<void> {
    ran = true;
    return {};
  };
  EXPECT_FALSE(drv_->apply(b, o));
  EXPECT_FALSE(ran) << "nothing was suspended: the load failed first";
  for (const char* u : {"U", "U-real"}) {
    auto i = drv_->info(u);
    ASSERT_TRUE(i && i->exists) << u;
    EXPECT_FALSE(i->suspended) << u;
    EXPECT_FALSE(i->inactive_table) << u;
  }
  EXPECT_EQ((*drv_->table("U-real"))[0].params, file_ + " 0");
  EXPECT_FALSE(drv_->info("U-new")->exists) << "the new device is removed again";
}

TEST_F(ApplyOrder, AFailingHookResumesTheOldTables) {
  DeviceTree a;
  a.add(dev("vg-lv", "U", {linear(0, 1024, 0)}));
  ASSERT_TRUE(drv_->apply(a));
  DeviceTree b;
  b.add(dev("vg-lv", "U", {linear(0, 1024, 2048)}));
  ApplyOptions o;
  o.while_suspended = []() -> Result<void> { return fail(EIO, "the hook failed"); };
  auto r = drv_->apply(b, o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "the hook failed");
  auto i = drv_->info("U");
  ASSERT_TRUE(i && i->exists);
  EXPECT_FALSE(i->suspended);
  EXPECT_FALSE(i->inactive_table);
  EXPECT_EQ((*drv_->table("U"))[0].params, file_ + " 0");
}

}  // namespace
}  // namespace udm::lvm::activate
