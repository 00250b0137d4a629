// lvmlockd's sanlock layout as measured on lvm2 2.03.16 (vgcreate --shared,
// lvcreate): lock_args, lease offsets inside lvmlock, where lvmlock lies.
#include <gtest/gtest.h>

#include "lvm/locking/lease_device.hpp"
#include "lvm/locking/sanlock_layout.hpp"

namespace sl = udm::lvm::locking::sanlock;
using udm::lvm::LogicalVolume;
using udm::lvm::VolumeGroup;

TEST(SanlockLayout, LockArgsAsLvm2WritesThem) {
  EXPECT_EQ(sl::vg_lock_args(), "1.0.0:lvmlock");
  EXPECT_EQ(sl::lv_lock_args(70254592), "1.0.0:70254592");  // lvm2's first LV: 67 MiB
  EXPECT_EQ(sl::lockspace_name("vg1"), "lvm_vg1");
}

TEST(SanlockLayout, ParsesOnlyLeaseSlots) {
  EXPECT_EQ(*sl::parse_lv_lock_args("1.0.0:71303168"), 71303168u);
  EXPECT_FALSE(sl::parse_lv_lock_args("1.0.0:lvmlock"));
  EXPECT_FALSE(sl::parse_lv_lock_args("2.0.0:70254592"));          // unknown major version
  EXPECT_FALSE(sl::parse_lv_lock_args("1.0.0:69206016"));          // the VG lock's slot
  EXPECT_FALSE(sl::parse_lv_lock_args("1.0.0:70254593"));          // not aligned
  EXPECT_FALSE(sl::parse_lv_lock_args("1.0.0:99999999999999999999999"));
  EXPECT_FALSE(sl::parse_lv_lock_args("70254592"));
  auto e = sl::parse_lv_lock_args("1.0.0:x");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("1.0.0:x"), std::string::npos);
}

VolumeGroup shared_vg() {
  VolumeGroup vg;
  vg.name = "vg1";
  vg.lock_type = "sanlock";
  udm::lvm::PhysicalVolume pv;
  pv.name = "pv0";
  pv.pe_start = 2048;
  pv.pe_count = 255;
  vg.pvs.push_back(pv);
  LogicalVolume lock = sl::make_lock_lv("x", 0, "h");
  udm::lvm::Segment s;
  s.extent_count = 64;
  s.stripes.push_back({"pv0", 0});
  lock.segments.push_back(s);
  vg.lvs.push_back(lock);
  return vg;
}

TEST(SanlockLayout, LeaseAreaIsLvmlockOnItsPv) {
  VolumeGroup vg = shared_vg();
  auto a = sl::lease_area(vg, {{"pv0", "/dev/loop5"}});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->path, "/dev/loop5");
  EXPECT_EQ(a->offset, 1048576u);    // pe_start
  EXPECT_EQ(a->size, 268435456u);    // 64 extents of 4 MiB
  EXPECT_FALSE(sl::lease_area(vg, {}));  // PV missing
  EXPECT_FALSE(vg.lvs[0].visible());  // lvm2 writes lvmlock without VISIBLE
}

// A PV reached as an NBD URI: sanlock cannot open the URI, so the leases are
// reached through the host's lvmlock device file, from its first byte.
TEST(SanlockLayout, RemoteLeaseAreaIsTheLvmlockDeviceFile) {
  VolumeGroup vg = shared_vg();
  const std::map<std::string, std::string> local{{"pv0", "/dev/loop5"}};
  const std::map<std::string, std::string> remote{{"pv0", "nbds://u@10.0.0.1:10809/x?tls-psk-file=/k"}};
  EXPECT_FALSE(sl::lease_lv_is_remote(vg, local));
  EXPECT_TRUE(sl::lease_lv_is_remote(vg, remote));
  EXPECT_FALSE(sl::lease_lv_is_remote(vg, {}));
  auto l = sl::host_lease_area(vg, local, "/run/udm");
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->path, "/dev/loop5");  // a local PV: as before
  EXPECT_EQ(l->offset, 1048576u);
  vg.name = "my-vg";  // dm doubles the VG's dashes
  auto r = sl::host_lease_area(vg, remote, "/run/udm");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->path, "/run/udm/dev/mapper/my--vg-lvmlock");
  EXPECT_EQ(r->offset, 0u);
  EXPECT_EQ(r->size, 268435456u);
  EXPECT_FALSE(sl::host_lease_area(vg, {}, "/run/udm"));  // PV missing
}

TEST(SanlockLayout, FreeSlotsFromTheFirstLvSlot) {
  VolumeGroup vg = shared_vg();
  EXPECT_EQ(*sl::free_lv_offset(vg, 268435456), 67u << 20);
  LogicalVolume a, b;
  a.lock_args = "1.0.0:70254592";  // slot 67
  b.lock_args = "1.0.0:72351744";  // slot 69
  vg.lvs.push_back(a);
  vg.lvs.push_back(b);
  EXPECT_EQ(*sl::free_lv_offset(vg, 268435456), 68u << 20);
  auto full = sl::free_lv_offset(vg, 68u << 20);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().message, "No space for sanlock lock, extend the internal lvmlock LV.");
}

TEST(SanlockLayout, LvLocksAsLvm2GivesThem) {
  VolumeGroup vg = shared_vg();
  LogicalVolume data;
  data.name = "data";
  udm::lvm::Segment s;
  s.extent_count = 1;
  s.stripes.push_back({"pv0", 64});
  data.segments.push_back(s);
  vg.lvs.push_back(data);
  EXPECT_TRUE(sl::lv_needs_lock(vg, vg.lvs[1]));
  EXPECT_FALSE(sl::lv_needs_lock(vg, vg.lvs[0]));  // lvmlock itself
}
